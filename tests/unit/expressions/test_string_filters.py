"""Kestra's string filters, with Pebble's meaning where Jinja's differs."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from ruamel.yaml import YAML

from lanner.errors import ExpressionError
from lanner.expressions import Renderer


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 'LOUD' | lower }} {{ 'quiet' | upper }}", "loud QUIET"),
        ("{{ '  padded  ' | trim }}", "padded"),
        ("{{ 'hello wORLD' | capitalize }}", "Hello wORLD"),
        ("{{ '  hello' | capitalize }}", "  Hello"),
        ("{{ 'article tITLE' | title }}", "Article TITLE"),
        ("{{ 'this is a long sentence.' | abbreviate(7) }}", "this..."),
        ("{{ 'short' | abbreviate(10) }}", "short"),
        ("{{ 'a.b.c' | substringBefore('.') }}", "a"),
        ("{{ 'a.b.c' | substringAfter('.') }}", "b.c"),
        ("{{ 'a.b.c' | substringBeforeLast('.') }}", "a.b"),
        ("{{ 'a.b.c' | substringAfterLast('.') }}", "c"),
        ("{{ 'abc' | substringBefore('x') }}|{{ 'abc' | substringAfter('x') }}", "abc|"),
        ("{{ 'abc' | substringBeforeLast('x') }}|{{ 'abc' | substringAfterLast('x') }}", "abc|"),
        ("{{ 'report.csv' | startsWith('rep') }} {{ 'report.csv' | endsWith('.json') }}", "true false"),
        ("{{ 'Héllo, World! 2024' | slugify }}", "hello-world-2024"),
        ("{{ '  Many   spaces  ' | slugify }}", "many-spaces"),
        ("{{ 'test' | base64encode }}", "dGVzdA=="),
        ("{{ 'dGVzdA==' | base64decode }}", "test"),
        ("{{ 'a b&c=d/é~*' | urlencode }}", "a+b%26c%3Dd%2F%C3%A9%7E*"),
        ("{{ 'a+b%26c' | urldecode }}", "a b&c"),
        ("{{ \"it's\" | escapeChar('single') }}", "it\\'s"),
        ("{{ 'say \"hi\"' | escapeChar('double') }}", 'say \\"hi\\"'),
        ("{{ \"it's\" | escapeChar('shell') }}", "it'\\''s"),
        ("{{ 42 | string }} {{ [1] | string }}", "42 [1]"),
    ],
)
def test_string_filters(renderer: Renderer, template: str, expected: str) -> None:
    assert renderer.render(template, {}) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 'I like %this% and %that%.' | replace({'%this%': 'foo', '%that%': 'bar'}) }}", "I like foo and bar."),
        ("{{ 'aaa' | replace('a', 'b') }}", "bbb"),
        ("{{ 'a1b22' | replace({'\\\\d+': '#'}, regexp=true) }}", "a#b#"),
        ("{{ 'john smith' | replace({'(\\\\w+) (\\\\w+)': '$2 $1'}, regexp=true) }}", "smith john"),
        ("{{ ['ab', 'cb'] | replace({'b': 'x'}) }}", '["ax","cx"]'),
        ("{{ {'k': 'ab'} | replace({'b': 'x'}) }}", '{"k":"ax"}'),
    ],
)
def test_replace_takes_a_map_or_two_strings(renderer: Renderer, template: str, expected: str) -> None:
    assert renderer.render(template, {}) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 'a,b,,c' | split(',') }}", '["a","b","","c"]'),
        ("{{ 'a,b,c,,' | split(',') }}", '["a","b","c"]'),
        ("{{ 'a,b,c' | split(',', 2) }}", '["a","b,c"]'),
        ("{{ 'a1b22c' | split('\\\\d+') }}", '["a","b","c"]'),
        ("{{ 'abc' | split('') }}", '["a","b","c"]'),
        ("{{ '' | split(',') }}", '[""]'),
    ],
)
def test_split_uses_java_regex_semantics(renderer: Renderer, template: str, expected: str) -> None:
    assert renderer.render(template, {}) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", "fallback"), ("   ", "fallback"), (None, "fallback"), ([], "fallback"), ({}, "fallback"), (0, "0"), ("x", "x")],
)
def test_default_replaces_null_and_empty_values(renderer: Renderer, value: Any, expected: str) -> None:
    assert renderer.render("{{ v | default('fallback') }}", {"v": value}) == expected


def test_default_accepts_undefined_values_and_paths(renderer: Renderer) -> None:
    assert renderer.render("{{ missing | default('x') }}", {}) == "x"
    assert renderer.render("{{ outputs.nope.value | default('x') }}", {"outputs": {}}) == "x"
    assert renderer.render("{{ outputs.t.value | d('y') }}", {"outputs": {"t": {}}}) == "y"


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha512"])
def test_hash_filters_return_hex_digests(renderer: Renderer, algorithm: str) -> None:
    expected = hashlib.new(algorithm, b"kestra").hexdigest()
    assert renderer.render(f"{{{{ 'kestra' | {algorithm} }}}}", {}) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ [1, 'a', null, true] | toJson }}", '[1,"a",null,true]'),
        ("{{ {'k': 'é'} | json }}", '{"k":"é"}'),
        ("{{ 'text' | toJson }}", '"text"'),
        ("{{ null | toJson }}", "null"),
    ],
)
def test_json_filters(renderer: Renderer, template: str, expected: str) -> None:
    assert renderer.render(template, {}) == expected


def test_yaml_filter_writes_block_yaml(renderer: Renderer) -> None:
    value = {"name": "ada", "tags": ["a", "b: c"], "nested": {"on": True, "x": 1, "none": None}, "empty": []}
    assert renderer.render("{{ v | yaml }}", {"v": value}) == (
        'name: ada\ntags:\n  - a\n  - "b: c"\nnested:\n  "on": true\n  x: 1\n  none: null\nempty: []\n'
    )


@pytest.mark.parametrize(
    "value",
    [
        [{"id": 1, "names": ["x", "y"]}, "2024-01-01", [1, [2]]],
        {"k": "multi\nline", "q": "it's: #not a comment", "n": "n", "num": "12", "list": [{"a": {"b": []}}]},
        "plain",
        42,
        None,
    ],
)
def test_yaml_filter_output_reads_back_as_the_same_value(renderer: Renderer, value: Any) -> None:
    text = renderer.render("{{ v | yaml }}", {"v": value})
    assert YAML(typ="safe").load(text) == value


def test_indent_and_nindent(renderer: Renderer) -> None:
    assert renderer.render("{{ 'a\nb\nc' | indent(2) }}", {}) == "a\n  b\n  c"
    assert renderer.render("{{ 'a\nb' | nindent(2) }}", {}) == "\n  a\n  b"
    assert renderer.render("{{ 'a\nb' | indent(1, '\t') }}", {}) == "a\n\tb"
    assert renderer.render("{{ 'a\r\nb' | indent(2) }}", {}) == "a\r\n  b"


def test_indent_refuses_a_huge_amount(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="too large"):
        renderer.render("{{ 'a\nb' | indent(100000000) }}", {})


def test_filters_pass_null_through_as_empty_text(renderer: Renderer) -> None:
    assert renderer.render("[{{ v | upper }}]", {"v": None}) == "[]"


def test_invalid_base64_is_reported(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="base64decode"):
        renderer.render("{{ '***' | base64decode }}", {})


def test_escape_char_requires_a_known_type(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="single"):
        renderer.render("{{ 'x' | escapeChar('weird') }}", {})
