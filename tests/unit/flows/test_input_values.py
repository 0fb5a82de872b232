"""Execution inputs: coercion of CLI strings and JSON values, every validation rule."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from lanner.errors import InputError
from lanner.models.input_values import format_duration, parse_duration, resolve_inputs, secret_inputs
from lanner.models.inputs import AnyInput, Input

_INPUTS = TypeAdapter(list[AnyInput])


def declare(*inputs: dict[str, Any]) -> list[Input]:
    return _INPUTS.validate_python(list(inputs))


def resolve(declaration: dict[str, Any], value: Any) -> Any:
    return resolve_inputs(declare({"id": "x", **declaration}), {"x": value})["x"]


def problems(declared: list[Input], given: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as caught:
        resolve_inputs(declared, given)
    return [(i.path, i.message) for i in caught.value.issues]


def fails(declaration: dict[str, Any], value: Any) -> str:
    found = problems(declare({"id": "x", **declaration}), {"x": value})
    assert len(found) == 1, found
    return found[0][1]


@pytest.mark.parametrize(
    ("declaration", "given", "expected"),
    [
        ({"type": "STRING"}, "hello", "hello"),
        ({"type": "STRING"}, 42, "42"),
        ({}, "no type means STRING", "no type means STRING"),
        ({"type": "INT"}, "42", 42),
        ({"type": "INT"}, " -7 ", -7),
        ({"type": "INT"}, 3.0, 3),
        ({"type": "FLOAT"}, "1.5", 1.5),
        ({"type": "FLOAT"}, 2, 2.0),
        ({"type": "BOOLEAN"}, "true", True),
        ({"type": "BOOL"}, "FALSE", False),
        ({"type": "BOOL"}, True, True),
        ({"type": "DATETIME"}, "2024-01-31T10:00:00+02:00", "2024-01-31T08:00:00Z"),
        ({"type": "DATETIME"}, "2024-01-31T10:00:00Z", "2024-01-31T10:00:00Z"),
        ({"type": "DATETIME"}, "2024-01-31T10:00:00", "2024-01-31T10:00:00Z"),
        ({"type": "DATETIME"}, datetime(2024, 1, 31, tzinfo=UTC), "2024-01-31T00:00:00Z"),
        ({"type": "DATE"}, "2024-01-31", "2024-01-31"),
        ({"type": "DATE"}, date(2024, 1, 31), "2024-01-31"),
        ({"type": "TIME"}, "10:30", "10:30:00"),
        ({"type": "DURATION"}, "PT1H30M", "PT1H30M"),
        ({"type": "DURATION"}, "P1DT2H", "PT26H"),
        ({"type": "DURATION"}, "pt0.5s", "PT0.5S"),
        ({"type": "JSON"}, '{"a": [1, 2]}', {"a": [1, 2]}),
        ({"type": "JSON"}, {"a": 1}, {"a": 1}),
        ({"type": "JSON"}, "[1]", [1]),
        ({"type": "YAML"}, "a: 1\nb: [x]\nwhen: 2024-01-01\n", {"a": 1, "b": ["x"], "when": "2024-01-01"}),
        ({"type": "YAML"}, {"a": 1}, {"a": 1}),
        ({"type": "URI"}, "https://example.com/data.csv", "https://example.com/data.csv"),
        ({"type": "URI"}, "s3://bucket/key", "s3://bucket/key"),
        ({"type": "EMAIL"}, "a.b@example.com", "a.b@example.com"),
        ({"type": "FILE"}, "lanner:///company/team/data.csv", "lanner:///company/team/data.csv"),
        ({"type": "FILE"}, "./local.csv", "./local.csv"),
        ({"type": "SECRET"}, "s3cr3t", "s3cr3t"),
        ({"type": "SELECT", "values": ["eu", "us"]}, "eu", "eu"),
        ({"type": "ENUM", "values": ["eu", "us"]}, "us", "us"),
        ({"type": "SELECT", "values": [1, 2]}, "2", "2"),
        ({"type": "SELECT", "values": ["eu"], "allowCustomValue": True}, "fr", "fr"),
        ({"type": "SELECT", "expression": "{{ kv('regions') }}"}, "any", "any"),
        ({"type": "MULTISELECT", "values": ["eu", "us"]}, ["eu", "us"], ["eu", "us"]),
        ({"type": "MULTISELECT", "values": ["eu", "us"]}, '["us"]', ["us"]),
        ({"type": "MULTISELECT", "values": ["eu", "us"]}, "eu", ["eu"]),
        ({"type": "MULTISELECT", "options": ["eu", "us"]}, ["us"], ["us"]),
        ({"type": "MULTISELECT", "values": ["1", "2"], "itemType": "INT"}, ["1"], [1]),
        ({"type": "ARRAY", "itemType": "INT"}, '[1, "2"]', [1, 2]),
        ({"type": "ARRAY", "itemType": "DATE"}, ["2024-01-01"], ["2024-01-01"]),
        ({"type": "ARRAY", "itemType": "STRING"}, [], []),
    ],
)
def test_values_are_converted(declaration: dict[str, Any], given: Any, expected: Any) -> None:
    value = resolve(declaration, given)
    assert value == expected
    assert type(value) is type(expected)
    json.dumps(value)  # the execution stores JSON


@pytest.mark.parametrize(
    ("declaration", "given", "message"),
    [
        ({"type": "STRING"}, ["a"], "expected a string, got a list"),
        ({"type": "INT"}, "abc", "expected an integer, got 'abc'"),
        ({"type": "INT"}, "4.5", "expected an integer, got '4.5'"),
        ({"type": "INT"}, True, "expected an integer, got true"),
        ({"type": "FLOAT"}, "x", "expected a number, got 'x'"),
        ({"type": "FLOAT"}, "nan", "expected a finite number, got 'nan'"),
        ({"type": "BOOLEAN"}, "yes", "expected true or false, got 'yes'"),
        ({"type": "BOOL"}, 1, "expected true or false, got 1"),
        ({"type": "DATETIME"}, "31/01/2024", "expected an ISO-8601 date-time, got '31/01/2024'"),
        ({"type": "DATE"}, "2024-02-30", "expected an ISO-8601 date, got '2024-02-30'"),
        ({"type": "DATE"}, datetime(2024, 1, 1), "expected a date, got the date-time 2024-01-01T00:00:00"),
        ({"type": "TIME"}, "25:00", "expected an ISO-8601 time, got '25:00'"),
        ({"type": "DURATION"}, "1h", "expected an ISO-8601 duration, got '1h'"),
        ({"type": "DURATION"}, "P", "expected an ISO-8601 duration, got 'P'"),
        ({"type": "JSON"}, "{x", "invalid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ({"type": "YAML"}, "a: [1", "invalid YAML: expected ',' or ']', but got '<stream end>' (line 1, column 6)"),
        ({"type": "URI"}, "not a uri", "expected a URI, got 'not a uri'"),
        ({"type": "EMAIL"}, "nobody", "expected an e-mail address, got 'nobody'"),
        ({"type": "FILE"}, 12, "expected a file (a storage URI or a local path), got 12"),
        ({"type": "SELECT", "values": ["eu", "us"]}, "fr", "'fr' is not one of the values"),
        ({"type": "ARRAY", "itemType": "INT"}, "1,2", "expected a list, got '1,2'"),
        (
            {"type": "ARRAY", "itemType": "INT"},
            "[1,",
            "expected a list, got text that is not a JSON list: Expecting value: line 1 column 4 (char 3)",
        ),
    ],
)
def test_invalid_values(declaration: dict[str, Any], given: Any, message: str) -> None:
    assert fails(declaration, given) == message


@pytest.mark.parametrize(
    ("declaration", "given", "message"),
    [
        ({"type": "STRING", "validator": "[a-z]+"}, "abc1", "'abc1' does not match the pattern '[a-z]+'"),
        ({"type": "SECRET", "validator": "[0-9]{4}"}, "12345", "the value does not match the pattern '[0-9]{4}'"),
        ({"type": "STRING", "minLength": 3}, "ab", "must be at least 3 characters long, got 2"),
        ({"type": "STRING", "maxLength": 3}, "abcd", "must be at most 3 characters long, got 4"),
        ({"type": "INT", "min": 1}, "0", "must be at least 1, got 0"),
        ({"type": "INT", "max": 10}, 11, "must be at most 10, got 11"),
        ({"type": "FLOAT", "min": 0.5}, 0.1, "must be at least 0.5, got 0.1"),
        ({"type": "DURATION", "min": "PT1M"}, "PT30S", "must be at least PT1M, got PT30S"),
        ({"type": "DURATION", "max": "PT1H"}, "P1D", "must be at most PT1H, got PT24H"),
        (
            {"type": "DATETIME", "after": "2024-01-01T00:00:00Z"},
            "2023-12-31T23:00:00Z",
            "must not be before 2024-01-01T00:00:00Z, got 2023-12-31T23:00:00Z",
        ),
        (
            {"type": "DATETIME", "before": "2024-01-01T00:00:00Z"},
            "2024-06-01",
            "must not be after 2024-01-01T00:00:00Z, got 2024-06-01T00:00:00Z",
        ),
        ({"type": "DATE", "after": "2024-01-01"}, "2023-01-01", "must not be before 2024-01-01, got 2023-01-01"),
        ({"type": "TIME", "before": "18:00"}, "19:00", "must not be after 18:00, got 19:00:00"),
        ({"type": "FILE", "allowedFileExtensions": [".csv"]}, "data.json", "the file must end with one of .csv, got 'data.json'"),
    ],
)
def test_validation_rules(declaration: dict[str, Any], given: Any, message: str) -> None:
    assert fails(declaration, given) == message


@pytest.mark.parametrize(
    ("declaration", "given"),
    [
        ({"type": "STRING", "validator": "[a-z]+"}, "abc"),
        ({"type": "INT", "min": 1, "max": 1}, 1),
        ({"type": "DATE", "after": "2024-01-01", "before": "2024-01-01"}, "2024-01-01"),
        ({"type": "TIME", "after": "08:00"}, "08:00:00"),
    ],
)
def test_bounds_are_inclusive_and_full_match(declaration: dict[str, Any], given: Any) -> None:
    resolve(declaration, given)


def test_validator_must_match_the_whole_value() -> None:
    assert fails({"type": "STRING", "validator": "[a-z]+"}, "abc-def")


def test_array_items_are_checked_one_by_one() -> None:
    declared = declare({"id": "nums", "type": "ARRAY", "itemType": "INT"})
    assert problems(declared, {"nums": [1, "x", 3, "y"]}) == [
        ("inputs.nums[1]", "expected an integer, got 'x'"),
        ("inputs.nums[3]", "expected an integer, got 'y'"),
    ]
    declared = declare({"id": "regions", "type": "MULTISELECT", "values": ["eu", "us"]})
    assert problems(declared, {"regions": ["eu", "fr"]}) == [("inputs.regions[1]", "'fr' is not one of the values")]


def test_required_defaults_and_optional() -> None:
    declared = declare(
        {"id": "needed", "type": "INT"},
        {"id": "with_default", "type": "INT", "defaults": "5"},
        {"id": "optional", "type": "INT", "required": False},
        {"id": "empty_cli_value", "type": "INT", "defaults": 1},
        {"id": "empty_string", "type": "STRING", "required": False},
    )
    assert problems(declared, {}) == [("inputs.needed", "missing required input")]
    values = resolve_inputs(declared, {"needed": "1", "empty_cli_value": "", "empty_string": ""})
    assert values == {"needed": 1, "with_default": 5, "optional": None, "empty_cli_value": 1, "empty_string": ""}


def test_every_problem_is_reported_at_once() -> None:
    declared = declare(
        {"id": "a", "type": "INT"},
        {"id": "b", "type": "BOOL"},
        {"id": "c", "type": "STRING"},
    )
    assert [p for p, _ in problems(declared, {"a": "x", "b": "maybe"})] == ["inputs.a", "inputs.b", "inputs.c"]


def test_undeclared_values_are_ignored() -> None:
    assert resolve_inputs(declare({"id": "a", "type": "INT"}), {"a": 1, "stray": 2}) == {"a": 1}


def test_dynamic_default_is_rendered_when_a_renderer_is_given() -> None:
    declared = declare({"id": "day", "type": "DATE", "defaults": "{{ today }}"})
    assert resolve_inputs(declared, {}, render=lambda text: "2024-05-01") == {"day": "2024-05-01"}


def test_dotted_ids_are_nested_like_kestra() -> None:
    declared = declare({"id": "db.host", "type": "STRING"}, {"id": "db.port", "type": "INT"}, {"id": "top", "type": "INT"})
    assert resolve_inputs(declared, {"db.host": "h", "db.port": "5432", "top": 1}) == {
        "db": {"host": "h", "port": 5432},
        "top": 1,
    }
    clash = declare({"id": "db", "type": "STRING"}, {"id": "db.host", "type": "STRING"})
    assert problems(clash, {"db": "x", "db.host": "h"}) == [("inputs.db.host", "input 'db.host' clashes with input 'db'")]


def test_secret_inputs_are_listed_for_masking() -> None:
    declared = declare({"id": "token", "type": "SECRET"}, {"id": "name", "type": "STRING"}, {"id": "a.key", "type": "SECRET"})
    values = resolve_inputs(declared, {"token": "t0k", "name": "n", "a.key": "k"})
    assert secret_inputs(declared, values) == {"token": "t0k", "a.key": "k"}
    assert declared[0].is_secret and not declared[1].is_secret


def test_name_is_the_former_id() -> None:
    (declared,) = declare({"name": "legacy", "type": "INT"})
    assert declared.id == "legacy"


@pytest.mark.parametrize(
    "declaration",
    [
        {"type": "SELECT"},
        {"type": "MULTISELECT", "values": ["a"], "options": ["a"]},
        {"type": "ARRAY"},
        {"type": "ARRAY", "itemType": "ARRAY"},
        {"type": "STRING", "validator": "("},
        {"type": "DATE", "after": "yesterday"},
        {"type": "DURATION", "min": "1h"},
        {"type": "INT", "min": "x"},
        {"type": "STRING", "itemType": "INT"},
        {"type": "NOPE"},
    ],
)
def test_invalid_declarations(declaration: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        declare({"id": "x", **declaration})


def test_durations_round_trip() -> None:
    assert parse_duration("P1W") == timedelta(weeks=1)
    assert parse_duration("-PT5M") == timedelta(minutes=-5)
    assert format_duration(timedelta(0)) == "PT0S"
    assert format_duration(timedelta(hours=1, seconds=1.25)) == "PT1H1.25S"
    assert format_duration(timedelta(minutes=-5)) == "PT-5M"


def test_documents_that_expand_too_much_are_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 7):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    assert fails({"type": "YAML"}, "\n".join(lines)) == "the value is too large (more than 100000 items)"
    assert fails({"type": "JSON"}, "[" * 100_000) == "invalid JSON: nested too deeply"
