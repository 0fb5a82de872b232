"""Java date patterns, Kestra's named formats, dateAdd and timestamps, on fixed datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from lanner.errors import ExpressionError
from lanner.expressions import Renderer

from .conftest import FIXED_NOW

MOMENT = FIXED_NOW  # Tuesday 2024-03-05 14:07:09.123456 UTC
MORNING = datetime(2024, 7, 1, 9, 5, 3, tzinfo=UTC)  # Monday, single-digit fields


def fmt(renderer: Renderer, value: Any, pattern: str, **kwargs: str) -> str:
    extra = "".join(f", {name}='{arg}'" for name, arg in kwargs.items())
    return renderer.render(f"{{{{ d | date(p{extra}) }}}}", {"d": value, "p": pattern})


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy-MM-dd", "2024-03-05"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-03-05T14:07:09.123Z"),
        ("yy/M/d", "24/3/5"),
        ("dd.MM.yyyy HH:mm", "05.03.2024 14:07"),
        ("hh:mm a", "02:07 PM"),
        ("h a", "2 PM"),
        ("EEE, EEEE", "Tue, Tuesday"),
        ("MMM MMMM", "Mar March"),
        ("SSS SSSSSS S", "123 123456 1"),
        ("D", "65"),
        ("'Q'Q yyyy", "Q1 2024"),
        ("'It''s' yyyy", "It's 2024"),
        ("''", "'"),
        ("yyyy[-MM]", "2024-03"),
        ("'[literal]'", "[literal]"),
        ("Z", "+0000"),
        ("XXX X xx", "Z Z +0000"),
        ("z", "UTC"),
    ],
)
def test_java_patterns(renderer: Renderer, pattern: str, expected: str) -> None:
    assert fmt(renderer, MOMENT, pattern) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("H:m:s", "9:5:3"), ("HH:mm:ss", "09:05:03"), ("k K", "9 9"), ("d/M", "1/7"), ("E", "Mon")],
)
def test_unpadded_and_padded_fields(renderer: Renderer, pattern: str, expected: str) -> None:
    assert fmt(renderer, MORNING, pattern) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy-MM-dd HH:mm XXX", "2024-03-05 15:07 +01:00"),
        ("HH:mm Z", "15:07 +0100"),
        ("HH:mm X", "15:07 +01"),
        ("HH:mm ZZZZ", "15:07 GMT+01:00"),
        ("HH:mm z", "15:07 CET"),
        ("VV", "Europe/Paris"),
    ],
)
def test_time_zone_argument_converts_before_formatting(renderer: Renderer, pattern: str, expected: str) -> None:
    assert fmt(renderer, MOMENT, pattern, timeZone="Europe/Paris") == expected


def test_offsets_with_minutes(renderer: Renderer) -> None:
    assert fmt(renderer, MOMENT, "HH:mm XXX | X | Z", timeZone="+05:30") == "19:37 +05:30 | +0530 | +0530"


def test_summer_time_is_applied(renderer: Renderer) -> None:
    assert fmt(renderer, MORNING, "HH:mm XXX", timeZone="Europe/Paris") == "11:05 +02:00"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("iso", "2024-03-05T14:07:09.123456Z"),
        ("iso_sec", "2024-03-05T14:07:09Z"),
        ("sql", "2024-03-05 14:07:09.123456"),
        ("sql_seq", "2024-03-05 14:07:09"),
        ("iso_date_time", "2024-03-05T14:07:09.123456Z"),
        ("iso_date", "2024-03-05Z"),
        ("iso_time", "14:07:09.123456Z"),
        ("iso_local_date", "2024-03-05"),
        ("iso_local_time", "14:07:09.123456"),
        ("iso_local_date_time", "2024-03-05T14:07:09.123456"),
        ("iso_offset_time", "14:07:09.123456Z"),
        ("iso_instant", "2024-03-05T14:07:09.123456Z"),
        ("iso_ordinal_date", "2024-065Z"),
        ("iso_week_date", "2024-W10-2Z"),
        ("iso_zoned_date_time", "2024-03-05T14:07:09.123456Z"),
        ("rfc_1123_date_time", "Tue, 5 Mar 2024 14:07:09 GMT"),
        ("short", "3/5/24, 2:07 PM"),
        ("medium", "Mar 5, 2024, 2:07:09 PM"),
    ],
)
def test_named_formats(renderer: Renderer, name: str, expected: str) -> None:
    assert fmt(renderer, MOMENT, name) == expected


def test_named_formats_in_a_region_zone(renderer: Renderer) -> None:
    assert fmt(renderer, MOMENT, "iso_zoned_date_time", timeZone="Europe/Paris") == (
        "2024-03-05T15:07:09.123456+01:00[Europe/Paris]"
    )
    assert fmt(renderer, MORNING, "rfc_1123_date_time", timeZone="Europe/Paris") == "Mon, 1 Jul 2024 11:05:03 +0200"
    assert fmt(renderer, MORNING, "iso_instant", timeZone="Europe/Paris") == "2024-07-01T09:05:03Z"


def test_the_default_format_is_iso(renderer: Renderer) -> None:
    assert renderer.render("{{ d | date }}", {"d": MORNING}) == "2024-07-01T09:05:03.000000Z"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05T14:07:09Z", "2024-03-05 14:07"),
        ("2024-03-05T15:07:09+01:00", "2024-03-05 14:07"),
        ("2024-03-05T15:07:09.123456789+01:00[Europe/Paris]", "2024-03-05 14:07"),
        ("2024-03-05T14:07:09", "2024-03-05 14:07"),
        ("2024-03-05", "2024-03-05 00:00"),
        (datetime(2024, 3, 5, 14, 7), "2024-03-05 14:07"),
        (date(2024, 3, 5), "2024-03-05 00:00"),
        (1709647629, "2024-03-05 14:07"),
        (datetime(2024, 3, 5, 16, 7, tzinfo=timezone(timedelta(hours=2))), "2024-03-05 14:07"),
    ],
)
def test_accepted_date_values(renderer: Renderer, value: Any, expected: str) -> None:
    assert fmt(renderer, value, "yyyy-MM-dd HH:mm") == expected


def test_naive_values_are_read_in_the_requested_zone(renderer: Renderer) -> None:
    assert fmt(renderer, "2024-03-05T14:07:09", "HH:mm XXX", timeZone="Europe/Paris") == "14:07 +01:00"


@pytest.mark.parametrize(
    ("value", "existing", "expected"),
    [
        ("July 24, 2001", "MMMM dd, yyyy", "2001-07-24"),
        ("24/07/2001 13:45", "dd/MM/yyyy HH:mm", "2001-07-24"),
        ("2001-07-24 13:45:00.250", "yyyy-MM-dd HH:mm:ss.SSS", "2001-07-24"),
        ("2001-07-24T13:45:00+0200", "yyyy-MM-dd'T'HH:mm:ssZ", "2001-07-24"),
        ("2001-07-24 13:45:00", "sql_seq", "2001-07-24"),
        ("2001-07-24T13:45:00Z", "iso", "2001-07-24"),
    ],
)
def test_existing_format_parses_strings(renderer: Renderer, value: str, existing: str, expected: str) -> None:
    template = "{{ v | date('yyyy-MM-dd', existingFormat=e) }}"
    assert renderer.render(template, {"v": value, "e": existing}) == expected


def test_format_can_be_given_by_name(renderer: Renderer) -> None:
    template = "{{ '2001-07-24' | date(existingFormat='yyyy-MM-dd', format='dd MMMM yyyy') }}"
    assert renderer.render(template, {}) == "24 July 2001"


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (1, "DAYS", "2024-03-06T14:07:09.123456Z"),
        (-1, "DAYS", "2024-03-04T14:07:09.123456Z"),
        (2, "HOURS", "2024-03-05T16:07:09.123456Z"),
        (30, "MINUTES", "2024-03-05T14:37:09.123456Z"),
        (5, "SECONDS", "2024-03-05T14:07:14.123456Z"),
        (1, "MILLIS", "2024-03-05T14:07:09.124456Z"),
        (2, "WEEKS", "2024-03-19T14:07:09.123456Z"),
        (-1, "MONTHS", "2024-02-05T14:07:09.123456Z"),
        (1, "YEARS", "2025-03-05T14:07:09.123456Z"),
        (1, "days", "2024-03-06T14:07:09.123456Z"),
    ],
)
def test_date_add(renderer: Renderer, amount: int, unit: str, expected: str) -> None:
    assert renderer.render("{{ d | dateAdd(a, u) }}", {"d": MOMENT, "a": amount, "u": unit}) == expected


def test_date_add_clamps_to_the_end_of_the_month(renderer: Renderer) -> None:
    assert renderer.render("{{ '2024-01-31' | dateAdd(1, 'MONTHS', format='yyyy-MM-dd') }}", {}) == "2024-02-29"


def test_date_add_keeps_local_time_across_daylight_saving(renderer: Renderer) -> None:
    before = datetime(2024, 3, 30, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
    template = "{{ d | dateAdd(1, 'DAYS', timeZone='Europe/Paris', format='HH:mm XXX') }}"
    assert renderer.render(template, {"d": before}) == "12:00 +02:00"
    template = "{{ d | dateAdd(24, 'HOURS', timeZone='Europe/Paris', format='HH:mm XXX') }}"
    assert renderer.render(template, {"d": before}) == "13:00 +02:00"


def test_date_add_chains_with_date(renderer: Renderer) -> None:
    template = "{{ now() | dateAdd(-1, 'DAYS') | date('yyyy-MM-dd') }}"
    assert renderer.render(template, {}) == "2024-03-04"


def test_date_add_rejects_unknown_units(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="unknown unit 'FORTNIGHTS'"):
        renderer.render("{{ now() | dateAdd(1, 'FORTNIGHTS') }}", {})


@pytest.mark.parametrize(
    ("filter_name", "expected"),
    [
        ("timestamp", 1709647629),
        ("timestampMilli", 1709647629123),
        ("timestampMicro", 1709647629123456),
        ("timestampNano", 1709647629123456000),
    ],
)
def test_timestamps(renderer: Renderer, filter_name: str, expected: int) -> None:
    assert renderer.render_typed(f"{{{{ d | {filter_name} }}}}", {"d": MOMENT}) == expected
    assert renderer.render_typed(f"{{{{ d | {filter_name} }}}}", {"d": "2024-03-05T14:07:09.123456Z"}) == expected


def test_timestamps_read_naive_values_in_the_given_zone(renderer: Renderer) -> None:
    template = "{{ '2024-03-05T15:07:09' | timestamp(timeZone='Europe/Paris') }}"
    assert renderer.render_typed(template, {}) == 1709647629


def test_timestamps_before_1970_are_negative(renderer: Renderer) -> None:
    assert renderer.render_typed("{{ '1969-12-31T23:59:59Z' | timestampMilli }}", {}) == -1000


def test_now_is_an_aware_utc_datetime(renderer: Renderer) -> None:
    value = renderer.render_typed("{{ now() }}", {})
    assert value == FIXED_NOW
    assert value.utcoffset() == timedelta(0)


def test_now_prints_like_kestra(renderer: Renderer) -> None:
    assert renderer.render("{{ now() }}", {}) == "2024-03-05T14:07:09.123456Z"


def test_now_in_a_time_zone(renderer: Renderer) -> None:
    value = renderer.render_typed("{{ now(timeZone='Europe/Paris') }}", {})
    assert value == FIXED_NOW
    assert value.utcoffset() == timedelta(hours=1)
    assert renderer.render("{{ now(timeZone='Europe/Paris') | date('HH:mm') }}", {}) == "14:07"


def test_the_real_clock_is_used_by_default() -> None:
    before = datetime.now(UTC)
    value = Renderer().render_typed("{{ now() }}", {})
    assert before <= value <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ 'not a date' | date('yyyy') }}", "cannot parse 'not a date' as an ISO 8601 date"),
        ("{{ '2024' | date('yyyy', existingFormat='dd/MM') }}", "cannot parse '2024' with format 'dd/MM'"),
        ("{{ now() | date('yyyy', timeZone='Mars/Olympus') }}", "unknown time zone 'Mars/Olympus'"),
        ("{{ now() | date('yyyy bb') }}", "unsupported pattern letter 'b'"),
        ("{{ [1] | date('yyyy') }}", "cannot read list"),
    ],
)
def test_date_errors_say_what_is_wrong(renderer: Renderer, template: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        renderer.render(template, {})
