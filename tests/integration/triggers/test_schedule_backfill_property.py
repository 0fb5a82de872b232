"""A Schedule's `backfill` property: the past ticks it names fire once, when the trigger is first deployed."""

from __future__ import annotations

from .conftest import EngineFactory, FakeClock, executions_of
from .test_schedules import HOURLY, dates

BACKFILL = """    backfill:
      start: "2023-12-31T21:00:00Z"
      inputs:
        env: backfill
      labels:
        kind: backfill
"""


async def test_the_declared_backfill_fires_its_ticks_once(new_engine: EngineFactory, clock: FakeClock) -> None:
    engine = await new_engine()
    await engine.deploy(HOURLY + BACKFILL)
    assert await engine.scheduler.run_once() == 4  # 21:00, 22:00, 23:00 and 00:00 (now is 00:00:10)
    executions = await executions_of(engine.store, "company.team", "hourly")
    assert [d[:13] for d in dates(executions)] == ["2023-12-31T21", "2023-12-31T22", "2023-12-31T23", "2024-01-01T00"]
    assert all(ex["inputs"]["env"] == "backfill" for ex in executions)  # type: ignore[index]
    assert all({"key": "kind", "value": "backfill"} in ex["labels"] for ex in executions)  # type: ignore[operator]

    await engine.deploy(HOURLY + BACKFILL.replace("21:00", "20:00"))  # a new revision: the trigger already exists
    assert await engine.scheduler.run_once() == 0
    clock.advance(hours=1)
    assert await engine.scheduler.run_once() == 1  # 01:00, the schedule itself
    assert len(await executions_of(engine.store, "company.team", "hourly")) == 5
