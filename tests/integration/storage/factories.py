"""Records and small helpers for the storage contract tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from lanner.models.execution import Attempt, Execution, StateChange, TaskRun
from lanner.models.state import State
from lanner.storage.ports import WorkerJob
from lanner.storage.sql import SqlStore

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def execution(
    namespace: str = "company.team",
    flow_id: str = "hello",
    state: State = State.CREATED,
    created: datetime | None = None,
    **fields: Any,
) -> Execution:
    when = created or datetime.now(UTC)
    return Execution(
        id=new_id(),
        namespace=namespace,
        flow_id=flow_id,
        flow_revision=1,
        state=state,
        created=when,
        history=[StateChange(state, when)],
        **fields,
    )


def task_run(execution: Execution, task_id: str = "t1", seq: int = 0, **fields: Any) -> TaskRun:
    run = TaskRun(id=new_id(), execution_id=execution.id, task_id=task_id, state=State.CREATED, seq=seq, **fields)
    run.set_state(State.CREATED)
    return run


def job(run: TaskRun, **fields: Any) -> WorkerJob:
    return WorkerJob(task_run_id=run.id, execution_id=run.execution_id, attempt=0, payload={"task": run.task_id}, **fields)


def ended_attempt(job: WorkerJob, state: State = State.SUCCESS) -> Attempt:
    now = datetime.now(UTC)
    return Attempt(job.attempt, state, [StateChange(State.RUNNING, now), StateChange(state, now)], job.worker_id)


async def queued_job(store: SqlStore, worker_group: str | None = None, **fields: Any) -> tuple[Execution, TaskRun]:
    """A RUNNING execution with one task run whose job waits for a worker."""
    ex = execution(state=State.RUNNING)
    await store.create_execution(ex)
    run = task_run(ex)
    async with store.executor_transaction() as tx:
        await tx.claim(100)
        await tx.save(ex, [run], [job(run, worker_group=worker_group, **fields)])
    return ex, run


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Poll ``check`` until it holds, failing after ``timeout`` seconds (no fixed sleeps)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.01)


def later(seconds: float) -> Callable[[], datetime]:
    """A clock ``seconds`` ahead of the real one."""
    return lambda: datetime.now(UTC) + timedelta(seconds=seconds)
