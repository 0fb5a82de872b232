"""What wakes the scheduler of a running engine, and for what: an execution that ended here
wakes it for the trigger events only (Flow triggers react at once); the full pass over every
schedule and trigger state keeps its own pace (``SchedulerOptions.poll``), and comes at once
when a flow changed or an operator changed a trigger."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from lanner.engine.engine import Engine, EngineOptions
from lanner.engine.scheduler import SchedulerOptions
from lanner.engine.trigger_admin import set_disabled
from lanner.models.state import State
from lanner.storage.files import LocalFileStorage
from lanner.storage.sql import SqlStore

from ..storage.factories import eventually
from .conftest import executions_of

UPSTREAM = """
id: extract
namespace: company.sync
tasks:
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: ok
"""


def downstream(flow_id: str) -> str:
    return f"""
id: {flow_id}
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "after {{{{ trigger.executionId }}}}"
triggers:
  - id: after_extract
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: extract
      flows:
        - {{namespace: company.sync, flowId: extract, states: [SUCCESS]}}
"""


async def test_ended_executions_wake_the_scheduler_for_their_events_only(
    open_store: Callable[[], Awaitable[SqlStore]], tmp_path: Path
) -> None:
    store = await open_store()
    # A full pass every hour: anything sooner is a wake-up.
    options = EngineOptions(work_root=tmp_path / "work", scheduler=SchedulerOptions(poll=3600))
    engine = Engine(store, LocalFileStorage(tmp_path / "storage"), options)
    await engine.deploy(UPSTREAM)
    await engine.deploy(downstream("report"))
    full_passes = 0
    run_once = engine.scheduler.run_once

    async def counted() -> int:
        nonlocal full_passes
        full_passes += 1
        return await run_once()

    engine.scheduler.run_once = counted  # type: ignore[method-assign]

    def started(flow_id: str, count: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return len(await executions_of(store, "company.team", flow_id)) >= count

        return check

    def full_passes_reached(count: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return full_passes >= count

        return check

    await engine.start()
    try:
        await eventually(full_passes_reached(1), timeout=30)  # the first full pass, at start
        for n in range(1, 4):
            upstream = await engine.submit("company.sync", "extract")
            assert (await engine.wait(upstream.id, timeout=30)).execution.state == State.SUCCESS
            await eventually(started("report", n), timeout=30)
        assert full_passes == 1  # three ended executions, three reactions, no full pass

        # A flow deployed since the last full pass: the next wake-up reads the flows and stores
        # the new trigger's state first, so the new trigger reacts too.
        await engine.deploy(downstream("audit"))
        upstream = await engine.submit("company.sync", "extract")
        await engine.wait(upstream.id, timeout=30)
        await eventually(started("audit", 1), timeout=30)
        assert full_passes == 2

        # An operator's change wakes a full pass.
        await set_disabled(engine, "company.team", "audit", "after_extract", True)
        await eventually(full_passes_reached(3), timeout=30)
    finally:
        await engine.stop()
