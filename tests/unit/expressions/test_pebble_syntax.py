"""Pebble operators, tests and tags, as Kestra users write them."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.errors import ExpressionError
from lanner.expressions import Renderer


def render(renderer: Renderer, template: str, variables: dict[str, Any] | None = None) -> str:
    return renderer.render(template, variables or {})


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ inputs.count > 2 ? 'big' : 'small' }}", "big"),
        ("{{ inputs.count > 5 ? 'big' : 'small' }}", "small"),
        ("{{ inputs.count == 1 ? 'one' : inputs.count == 3 ? 'three' : 'many' }}", "three"),
        ("{{ (inputs.count > 2 ? 'a' : 'b') ~ '!' }}", "a!"),
        ("{{ inputs.flag ? (inputs.count > 1 ? 'x' : 'y') : 'z' }}", "x"),
        ("{{ inputs.flag ? '?' : ':' }}", "?"),
        ("{{ [inputs.flag ? 1 : 2] }}", "[1]"),
    ],
)
def test_ternary(renderer: Renderer, variables: dict[str, Any], template: str, expected: str) -> None:
    assert render(renderer, template, variables) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ inputs.missing ?? 'fallback' }}", "fallback"),
        ("{{ inputs.nothing ?? 'fallback' }}", "fallback"),
        ("{{ inputs.name ?? 'fallback' }}", "ada"),
        ("{{ inputs.empty ?? 'fallback' }}", ""),
        ("{{ inputs.flag ?? 'fallback' }}", "true"),
        ("{{ outputs.unknown.value ?? 'fallback' }}", "fallback"),
        ("{{ outputs.extract.rows[10] ?? 'fallback' }}", "fallback"),
        ("{{ outputs['no-such'].x.y.z ?? 'fallback' }}", "fallback"),
        ("{{ missing ?? also_missing ?? 'third' }}", "third"),
        ("{{ missing ?? inputs.count }}", "3"),
        ("{{ (missing ?? 2) + 1 }}", "3"),
        ("{{ inputs.nothing ??? 'fallback' }}", ""),
        ("{{ inputs.missing ??? 'fallback' }}", "fallback"),
        ("{{ outputs.extract.value ??? 'fallback' }}", ""),
        ("{{ missing | upper ?? 'fallback' }}", "fallback"),
        ("{{ fromJson(missing.body).a ?? 'fallback' }}", "fallback"),
    ],
)
def test_null_coalescing(renderer: Renderer, variables: dict[str, Any], template: str, expected: str) -> None:
    assert render(renderer, template, variables) == expected


def test_coalescing_binds_tighter_than_filters(renderer: Renderer) -> None:
    assert render(renderer, "{{ missing ?? 'abc' | upper }}") == "ABC"
    assert render(renderer, "{{ 'x' ~ missing ?? 'y' }}") == "xy"


def test_coalescing_evaluates_the_right_side_only_when_needed(renderer: Renderer) -> None:
    calls: list[str] = []

    def secret(name: str) -> str:
        calls.append(name)
        return "s3cr3t"

    assert renderer.render("{{ inputs.key ?? secret('KEY') }}", {"inputs": {"key": "given"}}, {"secret": secret}) == ("given")
    assert calls == []
    assert renderer.render("{{ inputs.key ?? secret('KEY') }}", {"inputs": {}}, {"secret": secret}) == "s3cr3t"
    assert calls == ["KEY"]


def test_coalescing_evaluates_the_left_side_once(renderer: Renderer) -> None:
    calls: list[int] = []

    def counter() -> int:
        calls.append(1)
        return len(calls)

    assert renderer.render("{{ counter() ?? 0 }}", {}, {"counter": counter}) == "1"
    assert calls == [1]


def test_an_undefined_right_side_still_fails(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="'other' is not defined"):
        render(renderer, "{{ missing ?? other }}")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ inputs.nothing is null }}", "true"),
        ("{{ inputs.name is null }}", "false"),
        ("{{ inputs.name is not null }}", "true"),
        ("{{ inputs.missing is null }}", "true"),
        ("{{ inputs.empty is empty }}", "true"),
        ("{{ '  ' is empty }}", "true"),
        ("{{ [] is empty }} {{ {} is empty }} {{ [0] is empty }}", "true true false"),
        ("{{ inputs.name is not empty }}", "true"),
        ("{{ outputs.nope.x is empty }}", "true"),
        ("{{ inputs.name is defined }}", "true"),
        ("{{ inputs.missing is defined }}", "false"),
        ("{{ outputs.nope.deep.path is defined }}", "false"),
        ("{{ outputs.nope.deep.path is not defined }}", "true"),
        ("{{ 2 is even }} {{ 3 is odd }} {{ 3 is even }}", "true true false"),
        ("{{ [1] is iterable }} {{ 'ab' is iterable }}", "true false"),
        ("{{ {'a': 1} is map }} {{ [1] is map }}", "true false"),
        ("{{ '{\"a\": 1}' is json }} {{ 'nope' is json }}", "true false"),
    ],
)
def test_pebble_tests(renderer: Renderer, variables: dict[str, Any], template: str, expected: str) -> None:
    assert render(renderer, template, variables) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 'kestra' contains 'str' }}", "true"),
        ("{{ 'kestra' contains 'x' }}", "false"),
        ("{{ [1, 2, 3] contains 2 }}", "true"),
        ("{{ [1, 2, 3] contains [1, 3] }}", "true"),
        ("{{ [1, 2, 3] contains [1, 4] }}", "false"),
        ("{{ {'a': 1} contains 'a' }}", "true"),
        ("{{ outputs.extract.rows contains 3 }}", "true"),
        ("{{ 'b' in ['a', 'b'] }}", "true"),
        ("{{ 1 in ['1', '2'] }}", "true"),
        ("{{ 'z' not in ['a', 'b'] }}", "true"),
        ("{{ 'v' in {'k': 'v'} }}", "true"),
        ("{{ 1 equals 1 }} {{ 1 == 2 }} {{ 1 != 2 }}", "true false true"),
        ("{{ 'a' ~ 'b' ~ 1 }}", "ab1"),
        ("{{ 7 // 2 }} {{ 7 % 2 }} {{ 7 / 2 }} {{ 2 * 3 + 1 }}", "3 1 3.5 7"),
        ("{{ 1..3 }}", "[1,2,3]"),
        ("{{ not inputs.flag }}", "false"),
        ("{{ not inputs.count == 3 }}", "false"),
        ("{{ not inputs.flag or true }}", "true"),
        ("{{ inputs.flag and inputs.count > 1 }}", "true"),
        ("{{ not (inputs.name is empty) }}", "true"),
        ("{{ not inputs.name is empty }}", "true"),
    ],
)
def test_operators(renderer: Renderer, variables: dict[str, Any], template: str, expected: str) -> None:
    assert render(renderer, template, variables) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ -7 | abs }}", "7"),  # unary minus binds tighter than the pipe
        ("{{ 'a' ~ 'b' | upper }}", "AB"),  # ~ binds tighter than the pipe
        ("{{ 'x' + 'y' | upper }}", "xY"),  # + binds looser than the pipe
        ("{{ 1 + 2 * 3 }}", "7"),
        ("{{ (1 + 2) * 3 }}", "9"),
        ("{{ 1 < 2 and 2 < 3 }}", "true"),
    ],
)
def test_precedence_follows_pebble(renderer: Renderer, template: str, expected: str) -> None:
    assert render(renderer, template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 'it\\'s' }}", "it's"),
        ('{{ "say \\"hi\\"" }}', 'say "hi"'),
        ("{{ 'a\\nb' }}", "a\nb"),
        ("{{ '}}' ~ \"{{\" }}", "}}{{"),
        ("{{ 'é' ~ '😀' }}", "é😀"),
        ("{{ '?? : contains' }}", "?? : contains"),
        ("{{ {'a': {'b': 1}} }}", '{"a":{"b":1}}'),
        ("{{ [1, 'two', null, true, 1.5] }}", '[1,"two",null,true,1.5]'),
        ("{{ none }} {{ null }}", " "),
    ],
)
def test_literals(renderer: Renderer, template: str, expected: str) -> None:
    assert render(renderer, template) == expected


def test_if_elseif_else(renderer: Renderer) -> None:
    template = "{% if n > 2 %}big{% elseif n > 1 %}medium{% else %}small{% endif %}"
    assert [renderer.render(template, {"n": n}) for n in (3, 2, 1)] == ["big", "medium", "small"]


def test_if_accepts_pebble_operators(renderer: Renderer, variables: dict[str, Any]) -> None:
    template = "{% if outputs.nope.value ?? false %}yes{% elseif inputs.name is not null %}named{% endif %}"
    assert render(renderer, template, variables) == "named"


def test_for_over_a_list_with_pebble_loop_variables(renderer: Renderer) -> None:
    template = "{% for x in items %}{{ loop.index }}/{{ loop.length }}:{{ x }}{% if not loop.last %},{% endif %}{% endfor %}"
    assert renderer.render(template, {"items": ["a", "b"]}) == "0/2:a,1/2:b"


def test_for_over_a_map_yields_entries(renderer: Renderer) -> None:
    template = "{% for entry in m %}{{ entry.key }}={{ entry.value }};{% endfor %}"
    assert renderer.render(template, {"m": {"a": 1, "b": 2}}) == "a=1;b=2;"


def test_for_over_a_map_with_two_variables(renderer: Renderer) -> None:
    template = "{% for k, v in m %}{{ k }}={{ v }};{% endfor %}"
    assert renderer.render(template, {"m": {"a": 1, "b": 2}}) == "a=1;b=2;"


def test_for_else_runs_on_empty_lists(renderer: Renderer) -> None:
    assert renderer.render("{% for x in [] %}{{ x }}{% else %}none{% endfor %}", {}) == "none"


def test_loop_index_outside_a_loop_is_left_alone(renderer: Renderer) -> None:
    assert renderer.render("{{ loop.index }}", {"loop": {"index": 7}}) == "7"


def test_set_assigns_a_variable(renderer: Renderer) -> None:
    assert renderer.render("{% set greeting = 'hi ' ~ (name ?? 'you') %}{{ greeting }}", {}) == "hi you"


def test_filter_block(renderer: Renderer) -> None:
    assert renderer.render("{% filter upper %}hello{% endfilter %}", {}) == "HELLO"


def test_macro(renderer: Renderer) -> None:
    template = "{% macro greet(who) %}hi {{ who }}{% endmacro %}{{ greet('ada') }}"
    assert renderer.render(template, {}) == "hi ada"


def test_multiline_expressions(renderer: Renderer, variables: dict[str, Any]) -> None:
    template = "{{\n  inputs.count > 2\n    ? 'big'\n    : 'small'\n}}"
    assert render(renderer, template, variables) == "big"


def test_function_calls_with_named_arguments(renderer: Renderer) -> None:
    def kv(key: str, namespace: str | None = None, errorOnMissing: bool = True) -> str:
        return f"{key}@{namespace}:{errorOnMissing}"

    result = renderer.render("{{ kv('k', namespace='team', errorOnMissing=false) }}", {}, {"kv": kv})
    assert result == "k@team:False"


def test_block_and_call_tags_pass_through(renderer: Renderer) -> None:
    assert renderer.render("{% block b %}in block {{ x }}{% endblock %}", {"x": 1}) == "in block 1"
    template = "{% macro m() %}[{{ caller() }}]{% endmacro %}{% call m() %}inner{% endcall %}"
    assert renderer.render(template, {}) == "[inner]"
