"""Kestra's number and collection filters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lanner.errors import ExpressionError
from lanner.expressions import Renderer


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ ['apple', 'banana'] | length }} {{ 'Kestra' | length }} {{ {'a': 1} | length }}", "2 6 1"),
        ("{{ null | length }}", "0"),
        ("{{ ['apple', 'banana', 'cherry'] | first }} {{ 'Kestra' | first }}", "apple K"),
        ("{{ ['apple', 'banana', 'cherry'] | last }} {{ 'Kestra' | last }}", "cherry a"),
        ("{{ [] | first }}", ""),
        ("{{ ['a', 'b', 'c'] | join }}", "abc"),
        ("{{ ['a', 'b', 'c'] | join(', ') }}", "a, b, c"),
        ("{{ [1, true, null] | join('-') }}", "1-true-"),
        ("{{ [{'a': 1}, {'a': 2}] | map(attribute='a') | join(', ') }}", "1, 2"),
        ("{{ {'this': 'foo', 'that': 'bar'} | keys }}", '["this","that"]'),
        ("{{ [0, 1, 3] | keys }}", "[0,1,2]"),
        ("{{ {'this': 'foo', 'that': 'bar'} | values }}", '["foo","bar"]'),
        ("{{ [3, 1, 2] | sort }} {{ [3, 1, 2] | rsort }}", "[1,2,3] [3,2,1]"),
        ("{{ ['b', 'a'] | sort }}", '["a","b"]'),
        ("{{ [1, 2, 3] | reverse }} {{ 'abc' | reverse }}", "[3,2,1] cba"),
        ("{{ [1, 2, 3, 4] | slice(1, 3) }} {{ 'kestra' | slice(2) }}", "[2,3] stra"),
        ("{{ [1, 2, 3, 4, 5] | chunk(2) }}", "[[1,2],[3,4],[5]]"),
        ("{{ [1, 2, 1, 3, 2] | distinct }}", "[1,2,3]"),
        ("{{ [[1, 2], [3], 4] | flatten }}", "[1,2,3,4]"),
        ("{{ [1, 2] | merge([3]) }}", "[1,2,3]"),
        ("{{ {'a': 1, 'b': 1} | merge({'b': 2}) }}", '{"a":1,"b":2}'),
        ("{{ -7 | abs }}", "7"),
        ("{{ 2.567 | round(2) }}", "2.57"),
    ],
)
def test_collection_filters(renderer: Renderer, template: str, expected: str) -> None:
    assert renderer.render(template, {}) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ '12' | number }}", 12),
        ("{{ '12.5' | number }}", 12.5),
        ("{{ '0x1F' | number }}", 31),
        ("{{ '12' | number('INT') }}", 12),
        ("{{ '12' | number('LONG') }}", 12),
        ("{{ '12' | number('FLOAT') }}", 12.0),
        ("{{ '12.30' | number('DOUBLE') }}", 12.3),
        ("{{ '9223372036854775807' | number('BIGINTEGER') }}", 9223372036854775807),
        ("{{ '0.1' | number('BIGDECIMAL') }}", Decimal("0.1")),
        ("{{ ' 7 ' | number + 1 }}", 8),
        ("{{ 3 | number }}", 3),
    ],
)
def test_number_parses_strings(renderer: Renderer, template: str, expected: object) -> None:
    result = renderer.render_typed(template, {})
    assert result == expected
    assert type(result) is type(expected)


def test_number_reports_unparsable_text(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="cannot read 'abc' as a number"):
        renderer.render("{{ 'abc' | number }}", {})


def test_number_rejects_unknown_types(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="unknown type 'WORD'"):
        renderer.render("{{ '1' | number('WORD') }}", {})


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        (3.141592653, "#.##", "3.14"),
        (3.0, "#.##", "3"),
        (0.5, "#.##", ".5"),
        (0.5, "0.00", "0.50"),
        (1234567.891, "#,##0.00", "1,234,567.89"),
        (1234, "#,###", "1,234"),
        (7, "000", "007"),
        (0.256, "0.0%", "25.6%"),
        (-1.5, "$#,##0.00", "-$1.50"),
        (2.5, "0", "2"),  # half-even rounding, like DecimalFormat
        (3.5, "0", "4"),
        ("12.345", "0.00", "12.34"),
        (0, "#.##", "0"),
    ],
)
def test_number_format_reads_decimal_format_patterns(renderer: Renderer, value: object, pattern: str, expected: str) -> None:
    assert renderer.render("{{ v | numberFormat(p) }}", {"v": value, "p": pattern}) == expected


def test_number_format_lowercase_alias(renderer: Renderer) -> None:
    assert renderer.render("{{ 1.5 | numberformat('0.0') }}", {}) == "1.5"


def test_filters_on_wrong_types_explain_what_they_expected(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="values expects a map"):
        renderer.render("{{ [1] | values }}", {})
    with pytest.raises(ExpressionError, match="chunk expects a size"):
        renderer.render("{{ [1] | chunk(0) }}", {})
    with pytest.raises(ExpressionError, match="sort cannot compare"):
        renderer.render("{{ [1, 'a'] | sort }}", {})
