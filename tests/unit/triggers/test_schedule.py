"""Schedule trigger: Kestra's properties, validation and pure helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from lanner.models.state import State
from lanner.triggers.core.schedule import Schedule


def schedule(**props: Any) -> Schedule:
    return Schedule.model_validate({"id": "s", "type": "io.kestra.plugin.core.trigger.Schedule", **props})


@pytest.mark.parametrize(
    "name",
    ["lanner.trigger.Schedule", "io.kestra.plugin.core.trigger.Schedule", "io.kestra.core.models.triggers.types.Schedule"],
)
def test_names(name: str) -> None:
    trigger = Schedule.model_validate({"id": "s", "type": name, "cron": "@daily"})
    assert trigger.canonical_type() == "lanner.trigger.Schedule"
    assert trigger.plugin_kind == "trigger"


def test_defaults() -> None:
    trigger = schedule(cron="0 9 * * *")
    assert (trigger.withSeconds, trigger.timezone, trigger.recoverMissedSchedules) == (False, "UTC", None)
    assert trigger.disabled is False and trigger.conditions is None and trigger.inputs is None


def test_all_kestra_properties() -> None:
    trigger = schedule(
        cron="0 0 9 * * MON-FRI",
        withSeconds=True,
        timezone="America/New_York",
        inputs={"env": "prod"},
        labels=[{"key": "source", "value": "cron"}],
        recoverMissedSchedules="LAST",
        lateMaximumDelay="PT1H",
        backfill={"start": "2024-01-01T00:00:00Z"},
        conditions=[{"type": "io.kestra.plugin.core.condition.Weekend", "id": "c"}],
        stopAfter=["FAILED"],
        description="every weekday",
        disabled=True,
    )
    assert trigger.label_map() == {"source": "cron"}
    assert trigger.lateMaximumDelay == timedelta(hours=1)
    assert trigger.backfill is not None and trigger.backfill.start == datetime(2024, 1, 1, tzinfo=UTC)
    assert trigger.conditions is not None and trigger.conditions[0].type.endswith("Weekend")
    assert trigger.stops_after(State.FAILED) and not trigger.stops_after(State.SUCCESS)
    assert trigger.definition()["cron"] == "0 0 9 * * MON-FRI"


@pytest.mark.parametrize(
    ("props", "field", "text"),
    [
        ({"cron": "0 0 * * * *"}, "cron", "6 fields instead of 5"),
        ({"cron": "0 9 * * *", "withSeconds": True}, "cron", "5 fields instead of 6"),
        ({"cron": "@daily", "timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        ({"cron": "@daily", "recoverMissedSchedules": "SOME"}, "recoverMissedSchedules", "'ALL', 'LAST' or 'NONE'"),
        ({"cron": "@daily", "stopAfter": ["DONE"]}, "stopAfter", "SUCCESS"),
        ({"cron": "@daily", "conditions": [{"id": "no type"}]}, "conditions", "unknown condition type"),
        (
            {"cron": "@daily", "conditions": [{"type": "io.kestra.plugin.core.condition.PublicHoliday"}]},
            "conditions",
            "unknown condition type",
        ),
        (
            {"cron": "@daily", "conditions": [{"type": "io.kestra.plugin.core.condition.ExecutionStatus", "in": ["FAILED"]}]},
            "conditions",
            "Flow triggers only",
        ),
        ({"cron": "@daily", "cronn": "x"}, "cronn", "Extra inputs"),
        ({}, "cron", "Field required"),
    ],
)
def test_invalid(props: dict[str, Any], field: str, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        schedule(**props)
    error = caught.value.errors()[0]
    assert field in error["loc"]
    assert text in error["msg"]


def test_next_fire_in_the_trigger_time_zone() -> None:
    trigger = schedule(cron="0 9 * * *", timezone="Europe/Paris")
    fire = trigger.next_fire(datetime(2024, 1, 15, 12, tzinfo=UTC))
    assert fire.isoformat() == "2024-01-16T09:00:00+01:00"


def test_next_fire_with_seconds() -> None:
    trigger = schedule(cron="15 */5 * * * *", withSeconds=True)
    assert trigger.next_fire(datetime(2024, 1, 1, tzinfo=UTC)) == datetime(2024, 1, 1, 0, 0, 15, tzinfo=UTC)


def test_nickname_with_seconds() -> None:
    trigger = schedule(cron="@hourly", withSeconds=True)
    assert trigger.next_fire(datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC)) == datetime(2024, 1, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("ALL", [1, 2, 3]), ("LAST", [3]), ("NONE", []), (None, [1, 2, 3])],
)
def test_missed_schedules(policy: str | None, expected: list[int]) -> None:
    trigger = schedule(cron="0 * * * *", recoverMissedSchedules=policy)
    missed = trigger.missed(datetime(2024, 1, 1, 0, 0), datetime(2024, 1, 1, 3, 30, tzinfo=UTC))
    assert [m.hour for m in missed] == expected


def test_missed_last_when_nothing_was_missed() -> None:
    trigger = schedule(cron="0 * * * *", recoverMissedSchedules="LAST")
    assert trigger.missed(datetime(2024, 1, 1, 3, 0, tzinfo=UTC), datetime(2024, 1, 1, 3, 30, tzinfo=UTC)) == []


def test_missed_all_can_be_capped() -> None:
    trigger = schedule(cron="* * * * *")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert len(trigger.missed(start, start + timedelta(days=30), limit=10)) == 10
