"""A worker that stops, is declared dead, or loses its database: running attempts end or are
handed back (never lost, never reported twice), on both backends.

Attempts are stood in by coroutines (the worker's ``stand_in`` hook) so the test decides when
each one ends; everything else — claims, heartbeats, releases, results — is the real store.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from lanner.engine.engine import Engine, EngineOptions
from lanner.engine.run_context import WorkerRunContext
from lanner.errors import StorageError
from lanner.models.state import State
from lanner.storage.files import LocalFileStorage
from lanner.storage.ports import Store, WorkerJob

FLOW = """
id: one
namespace: test.handback
tasks:
  - id: work
    type: io.kestra.plugin.core.debug.Return
    format: real
"""

Attempt = Callable[[WorkerRunContext], Awaitable[Mapping[str, Any] | None]]


class Attempts:
    """Stand-ins for the attempts of ``work``: the first waits until released (or stopped)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.stopped = asyncio.Event()
        self.numbers: list[int] = []

    def __call__(self, job: WorkerJob) -> Attempt:
        async def attempt(ctx: WorkerRunContext) -> Mapping[str, Any]:
            self.numbers.append(job.attempt)
            if job.attempt == 1:
                self.started.set()
                try:
                    await self.release.wait()
                except asyncio.CancelledError:
                    self.stopped.set()
                    raise
            return {"value": f"attempt {job.attempt}"}

        return attempt


class Flaky:
    """The store, until ``cut`` makes every call fail as a lost connection would; or only the
    next ``fail_finishes`` result writes; ``dead_once`` answers one heartbeat "declared dead"."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.cut = False
        self.fail_finishes = 0
        self.dead_once = False

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._store, name)
        if not callable(real) or name in ("executor_transaction", "wait_for"):
            return real

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.cut:
                raise StorageError("postgresql failed: connection is closed")
            if name == "finish_jobs" and self.fail_finishes:
                self.fail_finishes -= 1
                raise StorageError("postgresql failed: connection was closed in the middle of operation")
            if name == "heartbeat" and self.dead_once:
                self.dead_once = False
                return False
            return await real(*args, **kwargs)

        return call


@pytest.fixture
def attempts() -> Attempts:
    return Attempts()


@pytest.fixture
def flaky(store: Store) -> Flaky:
    return Flaky(store)


@pytest.fixture
async def make_engine(flaky: Flaky, attempts: Attempts, tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Engine]]]:
    engines: list[Engine] = []

    async def make(**options: Any) -> Engine:
        settings: dict[str, Any] = {"idle_poll": 0.1, "heartbeat_interval": 0.1, "local": False, **options}
        engine = Engine(flaky, LocalFileStorage(tmp_path / "storage"), EngineOptions(work_root=tmp_path / "work", **settings))  # type: ignore[arg-type]
        engine.worker.stand_in = attempts
        await engine.start()
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.stop()


async def _poll(condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def _start(engine: Engine, attempts: Attempts) -> str:
    stored = await engine.deploy(FLOW)
    execution = await engine.submit(stored.namespace, stored.id)
    await asyncio.wait_for(attempts.started.wait(), 30)
    return execution.id


async def test_a_stopping_worker_lets_its_running_attempt_end(
    make_engine: Callable[..., Awaitable[Engine]], attempts: Attempts, store: Store
) -> None:
    engine = await make_engine(worker_shutdown_grace=60)
    execution_id = await _start(engine, attempts)
    stopping = asyncio.create_task(engine.stop())

    async def draining() -> bool:
        return engine.worker.stopping

    await _poll(draining, "the worker to stop taking jobs")
    attempts.release.set()  # the attempt ends within the grace period
    await stopping
    found = await store.get_execution(execution_id)
    assert found is not None
    [run] = found.task_runs
    assert run.state == State.SUCCESS and [a.state for a in run.attempts] == [State.SUCCESS]
    assert run.outputs == {"value": "attempt 1"}
    assert not attempts.stopped.is_set()
    assert await store.claim_jobs("another", [None], 10) == []  # nothing left to run


async def test_an_attempt_outliving_the_grace_is_handed_back(
    make_engine: Callable[..., Awaitable[Engine]], attempts: Attempts, store: Store
) -> None:
    engine = await make_engine(worker_shutdown_grace=0.2)
    execution_id = await _start(engine, attempts)
    await engine.stop()
    assert attempts.stopped.is_set()
    # the job is back in the queue at once (no waiting for a heartbeat to age): the next claim
    # is a new attempt, the handed-back one is recorded as lost
    [job] = await store.claim_jobs("another", [None], 10)
    assert job.attempt == 2
    found = await store.get_execution(execution_id)
    assert found is not None
    [run] = found.task_runs
    assert [a.state for a in run.attempts] == [State.FAILED, State.RUNNING]
    assert "worker lost" in (run.attempts[0].error or "")
    logs = [entry.message for entry in await store.get_logs(execution_id)]
    assert any("handed back: the worker stopped" in message for message in logs), logs


async def test_a_restarted_engine_runs_a_handed_back_task_to_the_end(
    make_engine: Callable[..., Awaitable[Engine]], attempts: Attempts, store: Store
) -> None:
    first = await make_engine(worker_shutdown_grace=0)
    execution_id = await _start(first, attempts)
    await first.stop()
    second = await make_engine()
    found = await second.wait(execution_id, timeout=30, poll=0.05)
    assert found.execution.state == State.SUCCESS
    [run] = found.task_runs
    assert [a.state for a in run.attempts] == [State.FAILED, State.SUCCESS]
    assert run.attempts[0].worker_id == first.worker.id and run.attempts[1].worker_id == second.worker.id
    assert run.outputs == {"value": "attempt 2"}


async def test_a_worker_cut_off_from_the_database_stops_its_attempts_and_hands_them_back_later(
    make_engine: Callable[..., Awaitable[Engine]], attempts: Attempts, flaky: Flaky, store: Store
) -> None:
    engine = await make_engine(worker_dead_after=0.5)
    execution_id = await _start(engine, attempts)
    flaky.cut = True
    # others declare it dead after dead_after and run its task elsewhere: it must not go on
    await asyncio.wait_for(attempts.stopped.wait(), 30)
    flaky.cut = False  # the database is back: the handed-back job is released, and runs again
    found = await engine.wait(execution_id, timeout=30, poll=0.05)
    assert found.execution.state == State.SUCCESS
    [run] = found.task_runs
    assert [a.state for a in run.attempts] == [State.FAILED, State.SUCCESS]
    assert attempts.numbers == [1, 2]


async def test_a_worker_declared_dead_hands_back_and_serves_again(
    make_engine: Callable[..., Awaitable[Engine]], attempts: Attempts, flaky: Flaky
) -> None:
    engine = await make_engine()
    execution_id = await _start(engine, attempts)
    flaky.dead_once = True
    await asyncio.wait_for(attempts.stopped.wait(), 30)
    found = await engine.wait(execution_id, timeout=30, poll=0.05)
    assert found.execution.state == State.SUCCESS
    assert [a.state for a in found.task_runs[0].attempts] == [State.FAILED, State.SUCCESS]


async def test_a_result_is_written_once_the_database_answers_again(
    make_engine: Callable[..., Awaitable[Engine]], attempts: Attempts, flaky: Flaky
) -> None:
    engine = await make_engine()
    execution_id = await _start(engine, attempts)
    flaky.fail_finishes = 3
    attempts.release.set()
    found = await engine.wait(execution_id, timeout=30, poll=0.05)
    assert found.execution.state == State.SUCCESS
    assert [a.state for a in found.task_runs[0].attempts] == [State.SUCCESS]
    assert flaky.fail_finishes == 0
