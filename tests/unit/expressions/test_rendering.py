"""Renderer.render / render_value / render_typed / truthy: what users see."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from lanner.errors import ExpressionError
from lanner.expressions import Renderer


def test_plain_strings_come_back_unchanged(renderer: Renderer) -> None:
    text = "no expression { here } %} #}"
    assert renderer.render(text, {}) is text


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hello {{ inputs.name }}!", "Hello ada!"),
        ("{{ outputs.extract.uri }}", "lanner://x/file.csv"),
        ("{{ outputs['my-task'].value }}", "dashed"),
        ('{{ outputs["my-task"]["value"] }}', "dashed"),
        ("{{ outputs.each[taskrun.value].value }}", "second"),
        ("{{ parents[0].taskrun.value }}/{{ parent.taskrun.value }}", "outer/outer"),
        ("{{ vars.nested.deep[1] }} {{ vars.nested.deep.0 }}", "20 10"),
        ("{{ flow.namespace }}.{{ flow.id }} {{ execution.id }} {{ labels.env }}", "company.team.hello exec1 prod"),
        ("{{ trigger.date }}", "2024-03-05T10:00:00Z"),
    ],
)
def test_variables_are_nested_dicts_read_with_dots_or_brackets(
    renderer: Renderer, variables: dict[str, Any], template: str, expected: str
) -> None:
    assert renderer.render(template, variables) == expected


def test_a_map_key_wins_over_a_dict_method_of_the_same_name(renderer: Renderer, variables: dict[str, Any]) -> None:
    assert renderer.render("{{ outputs.extract.items }}", variables) == "output-key"


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ([1, "a", None], '[1,"a",null]'),
        ({"k": [True, False]}, '{"k":[true,false]}'),
        ({"é": "ü"}, '{"é":"ü"}'),
        (True, "true"),
        (False, "false"),
        (None, ""),
        (3, "3"),
        (2.5, "2.5"),
        (datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "2024-01-02T03:04:05.000000Z"),
        (date(2024, 1, 2), "2024-01-02"),
    ],
)
def test_values_print_inside_strings_like_kestra(renderer: Renderer, value: Any, printed: str) -> None:
    assert renderer.render("<{{ v }}>", {"v": value}) == f"<{printed}>"


def test_dates_inside_lists_print_as_iso_strings(renderer: Renderer) -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert renderer.render("{{ v }}", {"v": [moment]}) == '["2024-01-02T03:04:05.000000Z"]'


def test_trailing_newline_and_whitespace_are_kept(renderer: Renderer) -> None:
    assert renderer.render("  {{ 1 }}  \n", {}) == "  1  \n"


def test_whitespace_control_trims_around_tags(renderer: Renderer) -> None:
    assert renderer.render("a  {{- 1 -}}  b", {}) == "a1b"


def test_render_value_renders_strings_inside_lists_dicts_and_tuples(renderer: Renderer, variables: dict[str, Any]) -> None:
    value = {"a": ["{{ inputs.name }}", 1, None], "{{ flow.id }}": ("{{ inputs.count }}",), "n": 2.5}
    assert renderer.render_value(value, variables) == {"a": ["ada", 1, None], "hello": ("3",), "n": 2.5}


def test_render_value_keeps_other_types(renderer: Renderer) -> None:
    marker = object()
    assert renderer.render_value(marker, {}) is marker
    assert renderer.render_value(42, {}) == 42


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ outputs.extract.rows }}", [1, 2, 3]),
        ("{{ inputs.count }}", 3),
        ("{{ inputs.flag }}", True),
        ("{{ inputs.nothing }}", None),
        ("{{ {'a': inputs.count} }}", {"a": 3}),
        ("{{ inputs.count > 2 }}", True),
        ("  {{ outputs.extract.rows }}\n", [1, 2, 3]),
        ("{{ inputs.name }}", "ada"),
    ],
)
def test_render_typed_returns_the_value_of_a_lone_expression(
    renderer: Renderer, variables: dict[str, Any], template: str, expected: Any
) -> None:
    assert renderer.render_typed(template, variables) == expected


def test_render_typed_keeps_whitespace_around_a_string_result(renderer: Renderer, variables: dict[str, Any]) -> None:
    assert renderer.render_typed(" {{ inputs.name }}\n", variables) == " ada\n"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("rows: {{ outputs.extract.rows }}", "rows: [1,2,3]"),
        ("{{ inputs.count }}{{ inputs.count }}", "33"),
        ("plain", "plain"),
        ("{% if inputs.flag %}{{ inputs.count }}{% endif %}", "3"),
    ],
)
def test_render_typed_falls_back_to_a_string(renderer: Renderer, variables: dict[str, Any], template: str, expected: str) -> None:
    assert renderer.render_typed(template, variables) == expected


def test_render_typed_raises_on_an_undefined_result(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="'missing' is not defined"):
        renderer.render_typed("{{ missing }}", {})


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (True, True),
        (False, False),
        (None, False),
        ("{{ inputs.count > 2 }}", True),
        ("{{ inputs.count > 5 }}", False),
        ("false", False),
        ("FALSE", False),
        (" False ", False),
        ("0", False),
        ("", False),
        ("   ", False),
        ("true", True),
        ("yes", True),
        ("{{ inputs.empty }}", False),
        ("{{ inputs.nothing }}", False),
        ("{{ [] }}", False),
        ("{{ {} }}", False),
        ("{{ [0] }}", True),
        ("{{ 0 }}", False),
        ("{{ 'False' }}", False),
        ("{{ inputs.name }}", True),
        ("{{ inputs.flag }} and more", True),
    ],
)
def test_truthy_follows_kestra_conditions(
    renderer: Renderer, variables: dict[str, Any], condition: str | bool | None, expected: bool
) -> None:
    assert renderer.truthy(condition, variables) is expected


def test_comments_are_dropped(renderer: Renderer) -> None:
    assert renderer.render("a{# a comment {{ not rendered }} #}b", {}) == "ab"


def test_raw_and_verbatim_blocks_are_printed_as_written(renderer: Renderer) -> None:
    assert renderer.render("{% raw %}{{ inputs.x ?? 1 }}{% endraw %}", {}) == "{{ inputs.x ?? 1 }}"
    assert renderer.render("{% verbatim %}{{ x }}{% endverbatim %}!", {}) == "{{ x }}!"


def test_a_renderer_is_reusable_across_variable_sets(renderer: Renderer) -> None:
    template = "{{ inputs.name }}"
    assert renderer.render(template, {"inputs": {"name": "a"}}) == "a"
    assert renderer.render(template, {"inputs": {"name": "b"}}) == "b"


def test_variables_may_be_any_mapping(renderer: Renderer) -> None:
    from types import MappingProxyType

    assert renderer.render("{{ inputs.name }}", MappingProxyType({"inputs": {"name": "z"}})) == "z"


def test_carriage_returns_are_kept(renderer: Renderer) -> None:
    assert renderer.render("a\r\nb {{ 1 }}\r\n", {}) == "a\r\nb 1\r\n"
    assert renderer.render("{% raw %}{{ x }}\r\n{% endraw %}", {}) == "{{ x }}\r\n"


def test_line_numbers_survive_raw_blocks_and_comments(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError) as caught:
        renderer.render("x\n{% raw %}\n\n{% endraw %}{# a\ncomment #}\n{{ missing }}", {})
    assert caught.value.line == 6
