"""Flow concurrency limits hold with several executors on one store (issue 5 §2).

Two engines on the same database stand for two executor processes. How many executions of a
flow ran at once is read back from their stored state histories (the overlap of their
[RUNNING, end] intervals), not from timings.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest

from lanner.engine.engine import Engine, EngineOptions
from lanner.engine.processor import Processor
from lanner.models.execution import Execution
from lanner.models.state import State
from lanner.storage.files import LocalFileStorage
from lanner.storage.sql import SqlStore

OpenStore = Callable[[], Awaitable[SqlStore]]

SUBMITTED = 24


def limited(flow_id: str, limit: int, behavior: str = "QUEUE", sleep: float = 0.1) -> str:
    return f"""
id: {flow_id}
namespace: test.limits
concurrency:
  limit: {limit}
  behavior: {behavior}
tasks:
  - id: hold
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["sleep {sleep}"]
"""


@asynccontextmanager
async def two_engines(store: SqlStore, open_store: OpenStore, tmp_path: Path) -> AsyncIterator[list[Engine]]:
    """Two engines (executor + worker each) on one database, as two processes would be. A batch
    of one execution per executor pass makes the executors interleave as much as they can."""
    files = LocalFileStorage(tmp_path / "storage")
    engines = []
    for name, engine_store in (("a", store), ("b", await open_store())):
        options = EngineOptions(
            work_root=tmp_path / f"work-{name}",
            worker_threads=8,
            executor_batch=1,
            idle_poll=0.2,
            heartbeat_interval=0.2,
            local=False,  # never hand back the other engine's running jobs
            run_scheduler=False,
        )
        engines.append(Engine(engine_store, files, options))
    for engine in engines:
        await engine.start()
    try:
        yield engines
    finally:
        for engine in engines:
            await engine.stop()


async def submit_many(engines: list[Engine], flow_id: str, count: int = SUBMITTED) -> list[Execution]:
    """``count`` executions submitted at once, through both engines in turn."""
    return list(await asyncio.gather(*(engines[i % 2].submit("test.limits", flow_id) for i in range(count))))


async def ended(engine: Engine, submitted: list[Execution], timeout: float = 90) -> list[Execution]:
    """The executions once all ended (polled with a deadline; the states seen if not)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = [(await engine.get(ex.id)).execution for ex in submitted]
        if all(ex.state.is_terminal for ex in found):
            return found
        if loop.time() > deadline:
            raise AssertionError(f"not ended within {timeout}s: {sorted(ex.state.value for ex in found)}")
        await asyncio.sleep(0.05)


def running_interval(ex: Execution) -> tuple[datetime, datetime] | None:
    """When the execution was admitted (first RUNNING) and when it ended, from its history."""
    starts = [change.date for change in ex.history if change.state == State.RUNNING]
    if not starts:
        return None
    return starts[0], ex.history[-1].date


def most_at_once(executions: list[Execution]) -> int:
    """The largest number of executions RUNNING at the same instant (an end at the very
    instant of a start does not overlap it)."""
    events: list[tuple[datetime, int]] = []
    for interval in filter(None, map(running_interval, executions)):
        events += [(interval[0], 1), (interval[1], -1)]
    events.sort()  # at equal times -1 (an end) sorts before +1 (a start)
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


@pytest.mark.parametrize("limit", [1, 2])
async def test_queue_limit_holds_across_two_executors(store: SqlStore, open_store: OpenStore, tmp_path: Path, limit: int) -> None:
    async with two_engines(store, open_store, tmp_path) as engines:
        await engines[0].deploy(limited(f"queued_{limit}", limit))
        results = await ended(engines[0], await submit_many(engines, f"queued_{limit}"))

    assert [ex.state for ex in results] == [State.SUCCESS] * SUBMITTED  # every QUEUED one ran in the end
    assert most_at_once(results) <= limit
    assert any(change.state == State.QUEUED for ex in results for change in ex.history)


@pytest.mark.parametrize(("behavior", "refused"), [("CANCEL", State.CANCELLED), ("FAIL", State.FAILED)])
async def test_cancel_and_fail_limits_hold_across_two_executors(
    store: SqlStore, open_store: OpenStore, tmp_path: Path, behavior: str, refused: State
) -> None:
    flow_id = f"refusing_{behavior.lower()}"
    async with two_engines(store, open_store, tmp_path) as engines:
        await engines[0].deploy(limited(flow_id, 1, behavior, sleep=0.5))
        results = await ended(engines[0], await submit_many(engines, flow_id))

    states = [ex.state for ex in results]
    assert set(states) == {State.SUCCESS, refused}
    assert most_at_once(results) == 1
    # a refused execution never ran; one that ran was admitted and succeeded
    for ex in results:
        ran = running_interval(ex) is not None
        assert ran == (ex.state == State.SUCCESS)


async def test_two_executor_transactions_cannot_both_admit(store: SqlStore, open_store: OpenStore, tmp_path: Path) -> None:
    """The race itself, step by step: two executors each claim one execution of a flow with
    ``limit: 1`` and admit it before either commits."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite has a single writer: executor transactions never overlap")
    other = await open_store()
    engine = Engine(store, LocalFileStorage(tmp_path / "storage"), EngineOptions(work_root=tmp_path / "work"))
    await engine.deploy(limited("raced", 1))
    first = await engine.submit("test.limits", "raced")
    second = await engine.submit("test.limits", "raced")

    def processor(tx: object) -> Processor:
        return Processor(tx, engine.flows, engine.renderer, {}, engine.clock)  # type: ignore[arg-type]

    async with store.executor_transaction() as tx:
        [mine] = await tx.claim(1)
        await processor(tx).process(mine)
        async with other.executor_transaction() as other_tx:
            [theirs] = await other_tx.claim(1)  # the first is locked: it gets the other one
            await processor(other_tx).process(theirs)
        assert {mine.execution.id, theirs.execution.id} == {first.id, second.id}

    admitted = (await engine.get(mine.execution.id)).execution
    waiting = (await engine.get(theirs.execution.id)).execution
    assert admitted.state == State.RUNNING
    assert waiting.state == State.CREATED  # not admitted: its admission is retried shortly
    assert await _claim_soon(store) == [waiting.id]  # ...through a delayed message


async def _claim_soon(store: SqlStore) -> list[str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while loop.time() < deadline:
        async with store.executor_transaction() as tx:
            claimed = await tx.claim(10)
        if claimed:
            return [item.execution.id for item in claimed]
        await asyncio.sleep(0.02)
    return []


async def test_an_end_racing_an_admission_still_wakes_the_queued_one(
    store: SqlStore, open_store: OpenStore, tmp_path: Path
) -> None:
    """One executor queues an execution (the flow is full) while another ends the running one:
    neither sees the other's uncommitted change, yet the queued execution must run."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite has a single writer: executor transactions never overlap")
    other = await open_store()
    options = EngineOptions(work_root=tmp_path / "work", run_worker=False)
    engine = Engine(store, LocalFileStorage(tmp_path / "storage"), options)
    await engine.deploy(limited("handover", 1))
    running = await engine.submit("test.limits", "handover")
    await engine.executor.run_once()
    assert (await engine.get(running.id)).execution.state == State.RUNNING
    waiting = await engine.submit("test.limits", "handover")
    await store.request(running.id, "kill")  # its task never started: it ends in one pass

    def processor(tx: object) -> Processor:
        return Processor(tx, engine.flows, engine.renderer, {}, engine.clock)  # type: ignore[arg-type]

    async with store.executor_transaction() as tx:
        [admitting] = await tx.claim(1)
        assert admitting.execution.id == waiting.id
        await processor(tx).process(admitting)  # the flow is full: QUEUED, not yet committed
        async with other.executor_transaction() as other_tx:
            [ending] = await other_tx.claim(1)
            assert ending.execution.id == running.id
            await processor(other_tx).process(ending)  # KILLED; sees no QUEUED execution yet
    assert (await engine.get(running.id)).execution.state == State.KILLED
    assert (await engine.get(waiting.id)).execution.state == State.QUEUED

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while (await engine.get(waiting.id)).execution.state == State.QUEUED and loop.time() < deadline:
        await engine.executor.run_once()
        await asyncio.sleep(0.02)
    assert (await engine.get(waiting.id)).execution.state == State.RUNNING
