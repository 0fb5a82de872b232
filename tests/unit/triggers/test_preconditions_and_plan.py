"""Pure scheduling decisions with a fake clock: missed ticks, windows of preconditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lanner.triggers.core.flow import Preconditions, TimeWindow
from lanner.triggers.core.schedule import Schedule
from lanner.triggers.preconditions import record, window_start


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2024, 1, day, hour, minute, tzinfo=UTC)


def schedule(**props: Any) -> Schedule:
    return Schedule.model_validate({"id": "s", "type": "lanner.trigger.Schedule", "cron": "0 * * * *", **props})


def test_plan_fires_the_due_tick_and_points_to_the_next() -> None:
    assert schedule().plan(at(1), at(1, 0)) == ([at(1)], at(2))
    assert schedule().plan(at(2), at(1, 30)) == ([], at(2))


@pytest.mark.parametrize(("policy", "fired"), [("ALL", [1, 2, 3, 4]), ("LAST", [4]), ("NONE", [])])
def test_plan_after_a_downtime(policy: str, fired: list[int]) -> None:
    ticks, following = schedule(recoverMissedSchedules=policy).plan(at(1), at(4, 30))
    assert [t.hour for t in ticks] == fired and following == at(5)


def test_plan_server_default_and_lateness_tolerance() -> None:
    ticks, _ = schedule().plan(at(1), at(3, 0) + timedelta(seconds=30), default_policy="NONE")
    assert [t.hour for t in ticks] == [3]  # 30 s late is not missed


def test_plan_in_batches_and_late_maximum_delay() -> None:
    ticks, following = schedule().plan(at(1), at(10), limit=3)
    assert [t.hour for t in ticks] == [1, 2, 3] and following == at(4)
    ticks, _ = schedule(lateMaximumDelay="PT2H").plan(at(1), at(4, 30))
    assert [t.hour for t in ticks] == [3, 4]


def test_tick_variables_in_the_time_zone() -> None:
    tick = schedule(cron="0 9 * * *", timezone="Europe/Paris").tick(datetime(2024, 1, 2, 8, tzinfo=UTC))
    assert tick.variables() == {
        "date": "2024-01-02T09:00:00+01:00",
        "next": "2024-01-03T09:00:00+01:00",
        "previous": "2024-01-01T09:00:00+01:00",
    }


def test_duration_windows() -> None:
    assert window_start(TimeWindow(), at(13)) == at(0)
    assert window_start(TimeWindow(window="PT6H"), at(13)) == at(12)
    assert window_start(TimeWindow(window="PT6H", windowAdvance="PT1H"), at(13)) == at(13)
    assert window_start(TimeWindow(type="DAILY_TIME_DEADLINE", deadline="09:00:00"), at(10)) is None
    assert window_start(TimeWindow(type="DAILY_TIME_WINDOW", startTime="06:00:00", endTime="09:00:00"), at(7)) == at(6)


KEYS = ["flows.0", "flows.1"]


def test_all_preconditions_in_one_window_fire_then_reset() -> None:
    pre = Preconditions(id="p", flows=[{"namespace": "a", "flowId": "x"}, {"namespace": "a", "flowId": "y"}])  # type: ignore[list-item]
    state, fired = record(pre, KEYS, ["flows.0"], {}, at(1), "e1")
    assert not fired and list(state["met"]) == ["flows.0"]
    state, fired = record(pre, KEYS, ["flows.1"], state, at(2), "e2")
    assert fired and state["met"] == {}
    # in the next day's window, yesterday's progress no longer counts
    state, _ = record(pre, KEYS, ["flows.0"], {}, at(23), "e3")
    state, fired = record(pre, KEYS, ["flows.1"], state, at(1, day=2), "e4")
    assert not fired


def test_sliding_window_and_no_reset() -> None:
    pre = Preconditions(
        id="p",
        flows=[{"namespace": "a", "flowId": "x"}, {"namespace": "a", "flowId": "y"}],  # type: ignore[list-item]
        timeWindow=TimeWindow(type="SLIDING_WINDOW", window="PT2H"),
        resetOnSuccess=False,
    )
    state, _ = record(pre, KEYS, ["flows.0"], {}, at(23), "e1")
    state, fired = record(pre, KEYS, ["flows.1"], state, at(0, 30, day=2), "e2")
    assert fired  # within two hours, across midnight
    state, fired = record(pre, KEYS, ["flows.1"], state, at(0, 45, day=2), "e3")
    assert fired  # not reset
    state, fired = record(pre, KEYS, ["flows.1"], state, at(3, day=2), "e4")
    assert not fired  # flows.0 slid out of the window


def test_outside_a_daily_window_nothing_counts() -> None:
    pre = Preconditions(
        id="p",
        flows=[{"namespace": "a", "flowId": "x"}],  # type: ignore[list-item]
        timeWindow=TimeWindow(type="DAILY_TIME_WINDOW", startTime="06:00:00", endTime="09:00:00"),
    )
    assert record(pre, ["flows.0"], ["flows.0"], {}, at(10), "e") == ({}, False)
    assert record(pre, ["flows.0"], ["flows.0"], {}, at(7), "e")[1]
