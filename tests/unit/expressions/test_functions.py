"""Built-in functions, engine-supplied functions, and the compiled-template cache."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from lanner.errors import ExpressionError, NotFoundError
from lanner.expressions import Renderer


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{{ fromJson(\'{"products": [{"id": 7}]}\').products[0].id }}', 7),
        ("{{ fromJson('[1, 2]') }}", [1, 2]),
        ("{{ json('{\"a\": true}').a }}", True),
        ("{{ fromJson(body).a.b }}", "deep"),
        ("{{ range(0, 3) }}", [0, 1, 2, 3]),
        ("{{ range(0, 6, 2) }}", [0, 2, 4, 6]),
        ("{{ range(3, 1, -1) }}", [3, 2, 1]),
        ("{{ max(5, 10, 15) }} {{ min(5, 10, 15) }}", "15 5"),
        ("{{ max([3, 9, 1]) }}", 9),
    ],
)
def test_builtin_functions(renderer: Renderer, template: str, expected: Any) -> None:
    assert renderer.render_typed(template, {"body": '{"a": {"b": "deep"}}'}) == expected


def test_uuid_is_a_fresh_version_7_uuid(renderer: Renderer) -> None:
    first, second = renderer.render("{{ uuid() }} {{ uuid() }}", {}).split()
    assert first != second
    assert uuid.UUID(first).version == 7
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first)


def test_random_int_excludes_the_upper_bound(renderer: Renderer) -> None:
    values = {renderer.render_typed("{{ randomInt(1, 3) }}", {}) for _ in range(200)}
    assert values == {1, 2}


def test_range_refuses_huge_ranges(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="range cannot produce more than 1000000 items"):
        renderer.render("{{ range(0, 1000000000) }}", {})
    with pytest.raises(ExpressionError, match="range cannot produce"):
        renderer.render("{{ 1..100000000 }}", {})


def test_range_rejects_a_zero_step(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="step cannot be 0"):
        renderer.render("{{ range(0, 3, 0) }}", {})


def test_from_json_reports_invalid_json(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="fromJson: not valid JSON"):
        renderer.render("{{ fromJson('{nope') }}", {})


def test_engine_functions_are_exposed_as_globals(renderer: Renderer, variables: dict[str, Any]) -> None:
    secrets = {"TOKEN": "abc"}
    functions = {
        "secret": lambda name: secrets[name],
        "kv": lambda key, namespace=None: f"{namespace}/{key}",
        "render": lambda text: renderer.render(text, variables),
    }
    template = "{{ secret('TOKEN') }} {{ kv('k', namespace=flow.namespace) }} {{ render(vars.template) }}"
    variables["vars"]["template"] = "{{ inputs.name | upper }}"
    assert renderer.render(template, variables, functions) == "abc company.team/k ADA"


def test_engine_functions_override_builtins(renderer: Renderer) -> None:
    assert renderer.render("{{ now() }}", {}, {"now": lambda: "engine time"}) == "engine time"


def test_errors_raised_by_engine_functions_propagate_unchanged(renderer: Renderer) -> None:
    def secret(name: str) -> str:
        raise NotFoundError(f"secret {name!r} does not exist")

    with pytest.raises(NotFoundError, match="secret 'X' does not exist"):
        renderer.render("{{ secret('X') }}", {}, {"secret": secret})


def test_other_exceptions_from_engine_functions_become_expression_errors(renderer: Renderer) -> None:
    def read(uri: str) -> str:
        raise OSError(f"cannot open {uri}")

    with pytest.raises(ExpressionError, match="OSError: cannot open lanner://f"):
        renderer.render("{{ read('lanner://f') }}", {}, {"read": read})


def test_cached_templates_do_not_keep_the_functions_of_an_earlier_call(renderer: Renderer) -> None:
    template = "{{ secret('K') }}"
    assert renderer.render(template, {}, {"secret": lambda name: "first"}) == "first"
    assert renderer.render(template, {}, {"secret": lambda name: "second"}) == "second"
    with pytest.raises(ExpressionError, match="'secret' is not defined"):
        renderer.render(template, {})


def test_cached_templates_do_not_keep_variables_of_an_earlier_call(renderer: Renderer) -> None:
    template = "{% set x = inputs.v %}{{ x }}"
    assert renderer.render(template, {"inputs": {"v": 1}}) == "1"
    with pytest.raises(ExpressionError, match="inputs has no key 'v'"):
        renderer.render(template, {"inputs": {}})


def test_a_small_cache_still_renders_correctly() -> None:
    renderer = Renderer(cache_size=2)
    templates = [f"{{{{ {n} + v }}}}" for n in range(5)]
    for _ in range(2):
        assert [renderer.render(t, {"v": 1}) for t in templates] == ["1", "2", "3", "4", "5"]


def test_renderers_are_independent() -> None:
    first = Renderer()
    second = Renderer()
    assert first.render("{{ 1 + 1 }}", {}) == second.render("{{ 1 + 1 }}", {}) == "2"
