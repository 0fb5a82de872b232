"""Schedules on a real database with a fake clock: each tick fires once, across schedulers and restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from lanner.engine import trigger_admin

from .conftest import EngineFactory, FakeClock, executions_of

HOURLY = """
id: hourly
namespace: company.team
inputs:
  - id: date
    type: STRING
  - id: env
    type: STRING
    defaults: dev
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.date }}"
triggers:
  - id: every_hour
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "@hourly"
    labels:
      source: schedule
    inputs:
      date: "{{ trigger.date }}"
"""


def dates(executions: list[dict[str, object]]) -> list[str]:
    """The ticks the executions were started for, oldest first (ISO strings of one zone sort by time)."""
    return sorted(ex["trigger"]["variables"]["date"] for ex in executions)  # type: ignore[index]


async def test_each_tick_fires_once_with_trigger_variables(new_engine: EngineFactory, clock: FakeClock) -> None:
    engine = await new_engine()
    await engine.deploy(HOURLY)
    assert await engine.scheduler.run_once() == 0  # a new schedule starts with the next tick
    clock.set(datetime(2024, 1, 1, 1, 0, 5, tzinfo=UTC))
    assert await engine.scheduler.run_once() == 1
    assert await engine.scheduler.run_once() == 0
    [execution] = await executions_of(engine.store, "company.team", "hourly")
    assert execution["inputs"] == {"date": "2024-01-01T01:00:00Z", "env": "dev"}
    assert {"key": "source", "value": "schedule"} in execution["labels"]  # type: ignore[operator]
    assert execution["trigger"] == {
        "id": "every_hour",
        "type": "lanner.trigger.Schedule",
        "variables": {"date": "2024-01-01T01:00:00Z", "next": "2024-01-01T02:00:00Z", "previous": "2024-01-01T00:00:00Z"},
    }


async def test_two_schedulers_on_one_database_fire_each_tick_once(new_engine: EngineFactory, clock: FakeClock) -> None:
    first, second = await new_engine(), await new_engine()
    await first.deploy(HOURLY.replace('"@hourly"', '"*/5 * * * *"'))
    await first.scheduler.run_once()
    for _ in range(12):
        clock.advance(minutes=5)
        await asyncio.gather(first.scheduler.run_once(), second.scheduler.run_once())
    fired = dates(await executions_of(first.store, "company.team", "hourly"))
    assert len(fired) == 12
    assert sorted(set(fired)) == sorted(fired)
    assert fired[0] == "2024-01-01T00:05:00Z" and fired[-1] == "2024-01-01T01:00:00Z"


async def test_a_restart_neither_refires_nor_skips(new_engine: EngineFactory, clock: FakeClock) -> None:
    before = await new_engine()
    await before.deploy(HOURLY)
    await before.scheduler.run_once()
    clock.set(datetime(2024, 1, 1, 1, 0, 1, tzinfo=UTC))
    assert await before.scheduler.run_once() == 1
    after = await new_engine()  # another process on the same database, the first one gone
    assert await after.scheduler.run_once() == 0
    clock.set(datetime(2024, 1, 1, 2, 0, 3, tzinfo=UTC))
    assert await after.scheduler.run_once() == 1
    assert dates(await executions_of(after.store, "company.team", "hourly")) == ["2024-01-01T01:00:00Z", "2024-01-01T02:00:00Z"]


async def test_missed_schedules_after_a_downtime(new_engine: EngineFactory, clock: FakeClock) -> None:
    engine = await new_engine()
    for policy, flow_id in (("ALL", "all"), ("LAST", "last"), ("NONE", "none")):
        source = HOURLY.replace("id: hourly", f"id: {flow_id}").replace(
            'cron: "@hourly"', f'cron: "@hourly"\n    recoverMissedSchedules: {policy}'
        )
        await engine.deploy(source)
    await engine.scheduler.run_once()
    clock.set(datetime(2024, 1, 1, 4, 30, tzinfo=UTC))  # down from 0:00 to 4:30
    await engine.scheduler.run_once()
    hours = {
        flow_id: [d[11:13] for d in dates(await executions_of(engine.store, "company.team", flow_id))]
        for flow_id in ("all", "last", "none")
    }
    assert hours == {"all": ["01", "02", "03", "04"], "last": ["04"], "none": []}
    clock.set(datetime(2024, 1, 1, 5, 0, 1, tzinfo=UTC))
    await engine.scheduler.run_once()
    assert [d[11:13] for d in dates(await executions_of(engine.store, "company.team", "none"))] == ["05"]


async def test_time_zone_seconds_and_conditions(new_engine: EngineFactory, clock: FakeClock) -> None:
    engine = await new_engine()
    await engine.deploy(
        HOURLY.replace("cron: \"@hourly\"", "cron: \"30 0 9 * * *\"\n    withSeconds: true\n    timezone: Europe/Paris\n"
                       "    conditions:\n      - type: io.kestra.plugin.core.condition.DayWeek\n        dayOfWeek: MONDAY")
    )  # fmt: skip
    await engine.scheduler.run_once()
    for _ in range(14):  # two weeks, one pass a day
        clock.advance(days=1)
        await engine.scheduler.run_once()
    fired = dates(await executions_of(engine.store, "company.team", "hourly"))
    assert fired == ["2024-01-01T09:00:30+01:00", "2024-01-08T09:00:30+01:00"]  # the Mondays


async def test_disable_and_enable_through_the_admin(new_engine: EngineFactory, clock: FakeClock) -> None:
    engine = await new_engine()
    await engine.deploy(HOURLY)
    await engine.scheduler.run_once()
    await trigger_admin.set_disabled(engine, "company.team", "hourly", "every_hour", True)
    clock.set(datetime(2024, 1, 1, 3, 0, 1, tzinfo=UTC))
    assert await engine.scheduler.run_once() == 0
    await trigger_admin.set_disabled(engine, "company.team", "hourly", "every_hour", False)
    assert await engine.scheduler.run_once() == 0  # starts again from now: missed ticks are not recovered
    clock.set(datetime(2024, 1, 1, 4, 0, 1, tzinfo=UTC))
    assert await engine.scheduler.run_once() == 1


async def test_backfill_runs_every_tick_of_the_range(new_engine: EngineFactory, clock: FakeClock) -> None:
    engine = await new_engine()
    await engine.deploy(HOURLY)
    engine.scheduler.options.batch = 4  # the backfill takes several passes
    await engine.scheduler.run_once()
    await trigger_admin.backfill(
        engine, "company.team", "hourly", "every_hour",
        datetime(2023, 12, 31, 14, tzinfo=UTC), datetime(2023, 12, 31, 23, 30, tzinfo=UTC),
        {"env": "backfill"}, {"kind": "backfill"},
    )  # fmt: skip
    view = await trigger_admin.find(engine, "company.team", "hourly", "every_hour")
    assert view.state.data["backfill"]["end"] == "2023-12-31T23:30:00+00:00"
    for _ in range(4):
        await engine.scheduler.run_once()
    executions = await executions_of(engine.store, "company.team", "hourly")
    assert [d[11:13] for d in dates(executions)] == [f"{h}" for h in range(14, 24)]
    assert len(executions) == 10
    assert all(ex["inputs"]["env"] == "backfill" for ex in executions)  # type: ignore[index]
    assert all({"key": "kind", "value": "backfill"} in ex["labels"] for ex in executions)  # type: ignore[operator]
    assert "backfill" not in (await trigger_admin.find(engine, "company.team", "hourly", "every_hour")).state.data


async def test_a_paused_backfill_waits(new_engine: EngineFactory, clock: FakeClock) -> None:
    engine = await new_engine()
    await engine.deploy(HOURLY)
    await engine.scheduler.run_once()
    await trigger_admin.backfill(engine, "company.team", "hourly", "every_hour", datetime(2023, 12, 31, 20, tzinfo=UTC))
    await trigger_admin.change_backfill(engine, "company.team", "hourly", "every_hour", "pause")
    assert await engine.scheduler.run_once() == 0
    await trigger_admin.change_backfill(engine, "company.team", "hourly", "every_hour", "unpause")
    assert await engine.scheduler.run_once() == 5  # 20:00 to 00:00
