"""Cron expressions: Kestra's shapes, nicknames, time zones, fire times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lanner.triggers.cron import CronError, check_cron, fire_times, next_fire, previous_fire, zone


@pytest.mark.parametrize(
    ("expression", "with_seconds", "expanded"),
    [
        ("*/15 * * * *", False, "*/15 * * * *"),
        ("0  9 * *   1-5", False, "0 9 * * 1-5"),
        ("@hourly", False, "0 * * * *"),
        ("@DAILY", False, "0 0 * * *"),
        ("@midnight", False, "0 0 * * *"),
        ("@weekly", False, "0 0 * * 0"),
        ("@monthly", False, "0 0 1 * *"),
        ("@yearly", False, "0 0 1 1 *"),
        ("@annually", True, "0 0 0 1 1 *"),
        ("30 0 9 * * *", True, "30 0 9 * * *"),
        ("0 0 * * 7", False, "0 0 * * 7"),
    ],
)
def test_valid_expressions(expression: str, with_seconds: bool, expanded: str) -> None:
    assert check_cron(expression, with_seconds) == expanded


@pytest.mark.parametrize(
    ("expression", "with_seconds", "message"),
    [
        (
            "0 0 * * * *",
            False,
            "invalid cron expression '0 0 * * * *': 6 fields instead of 5 (set `withSeconds: true` for a seconds field)",
        ),
        ("0 9 * * *", True, "invalid cron expression '0 9 * * *': 5 fields instead of 6"),
        ("nope", False, "invalid cron expression 'nope': 1 field instead of 5"),
        ("61 * * * *", False, "invalid cron expression '61 * * * *'"),
        ("* 24 * * *", False, "invalid cron expression '* 24 * * *'"),
        ("0 0 31 2 *", False, "cron expression '0 0 31 2 *' never fires"),
        ("@reboot", False, "unknown cron nickname '@reboot'"),
        ("", False, "invalid cron expression '': 0 fields instead of 5"),
    ],
)
def test_invalid_expressions(expression: str, with_seconds: bool, message: str) -> None:
    with pytest.raises(CronError) as caught:
        check_cron(expression, with_seconds)
    assert caught.value.message == message
    assert caught.value.hint


def test_hint_shows_the_expected_shape() -> None:
    with pytest.raises(CronError) as caught:
        check_cron("x", with_seconds=True)
    assert caught.value.hint.startswith("6 fields: second minute hour day-of-month month day-of-week")


def test_next_fire_is_strictly_after() -> None:
    moment = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    assert next_fire("0 9 * * *", moment) == datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    assert next_fire("0 9 * * *", moment - timedelta(seconds=1)) == moment


def test_naive_moment_is_utc() -> None:
    assert next_fire("0 * * * *", datetime(2024, 1, 1, 10, 30)) == datetime(2024, 1, 1, 11, tzinfo=UTC)


def test_seconds_field_comes_first() -> None:
    moment = datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert next_fire("30 0 * * * *", moment, with_seconds=True) == datetime(2024, 1, 1, 0, 0, 30, tzinfo=UTC)
    assert next_fire("*/10 * * * * *", moment, with_seconds=True) == datetime(2024, 1, 1, 0, 0, 10, tzinfo=UTC)


def test_time_zone_and_daylight_saving() -> None:
    paris = ZoneInfo("Europe/Paris")
    # 9:00 in Paris is 8:00 UTC in winter, 7:00 UTC in summer
    winter = next_fire("0 9 * * *", datetime(2024, 1, 15, tzinfo=UTC), timezone="Europe/Paris")
    summer = next_fire("0 9 * * *", datetime(2024, 7, 15, tzinfo=UTC), timezone="Europe/Paris")
    assert winter == datetime(2024, 1, 15, 9, tzinfo=paris)
    assert winter.astimezone(UTC).hour == 8
    assert summer.astimezone(UTC).hour == 7
    # 2:30 does not exist on 2024-03-31 in Paris: the schedule fires once the clock has jumped
    jumped = next_fire("30 2 * * *", datetime(2024, 3, 30, 12, tzinfo=UTC), timezone="Europe/Paris")
    assert jumped.astimezone(UTC) <= datetime(2024, 3, 31, 2, tzinfo=UTC)


def test_previous_fire_and_fire_times() -> None:
    moment = datetime(2024, 1, 1, 10, 30, tzinfo=UTC)
    assert previous_fire("0 * * * *", moment) == datetime(2024, 1, 1, 10, tzinfo=UTC)
    times = list(fire_times("0 * * * *", datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, 3, tzinfo=UTC)))
    assert [t.hour for t in times] == [1, 2, 3]
    limited = list(fire_times("* * * * *", datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC), limit=5))
    assert len(limited) == 5


def test_unknown_zone() -> None:
    assert zone(None).key == "UTC"
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        zone("Mars/Olympus")
