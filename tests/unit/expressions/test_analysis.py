"""Renderer.referenced_outputs: task ids read by a template, found without rendering."""

from __future__ import annotations

import pytest

from lanner.expressions import Renderer


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ outputs.extract.uri }}", {"extract"}),
        ("{{ outputs['my-task'].value }}", {"my-task"}),
        ('{{ outputs["other"] }}', {"other"}),
        ("{{ outputs.a.value ?? outputs.b.value }}", {"a", "b"}),
        ("{% if outputs.check.ok %}{{ outputs.load.rows | length }}{% endif %}", {"check", "load"}),
        ("{% for row in outputs.query.rows %}{{ row }}{% endfor %}", {"query"}),
        ("{{ fromJson(outputs.http.body).id }}", {"http"}),
        ("{{ outputs.each[taskrun.value].value }}", {"each"}),
        ("{{ inputs.outputs.x }} {{ vars.outputs }}", set()),
        ("{{ outputs[taskrun.value] }}", set()),
        ("{% raw %}{{ outputs.hidden }}{% endraw %}", set()),
        ("no expression at all", set()),
        ("{{ outputs.good.x }} {{ broken ?? }}", {"good"}),
    ],
)
def test_referenced_outputs(renderer: Renderer, template: str, expected: set[str]) -> None:
    assert renderer.referenced_outputs(template) == expected


def test_referenced_outputs_returns_a_fresh_set(renderer: Renderer) -> None:
    first = renderer.referenced_outputs("{{ outputs.a }}")
    first.add("mutated")
    assert renderer.referenced_outputs("{{ outputs.a }}") == {"a"}
