"""Wake-ups: ``wait_for`` returns soon after work is queued (in-process, and on PostgreSQL
from other processes through LISTEN/NOTIFY, surviving a dropped connection)."""

from __future__ import annotations

import asyncio
import os
from urllib.parse import urlsplit

import asyncpg
import pytest

from lanner.models.state import State
from lanner.storage.ports import JobResult
from lanner.storage.sql import SqlStore

from ..ha.cluster import backend_ports
from .factories import ended_attempt, eventually, execution, job, task_run

DEADLINE = 5.0


async def _waiting(store: SqlStore, channel: str) -> asyncio.Task[None]:
    """A task blocked in ``wait_for`` (after the initial "maybe pending" signal is drained)."""
    await asyncio.wait_for(store.wait_for(channel, DEADLINE), DEADLINE + 1)
    waiter = asyncio.create_task(store.wait_for(channel, 60))
    await asyncio.sleep(0)  # let it start waiting
    assert not waiter.done()
    return waiter


async def test_creating_an_execution_wakes_the_executor(store: SqlStore) -> None:
    waiter = await _waiting(store, "executor")
    await store.create_execution(execution())
    await asyncio.wait_for(waiter, DEADLINE)


async def test_a_user_request_wakes_the_executor(store: SqlStore) -> None:
    ex = execution()
    await store.create_execution(ex)
    waiter = await _waiting(store, "executor")
    await store.request(ex.id, "kill")
    await asyncio.wait_for(waiter, DEADLINE)


async def test_new_jobs_wake_the_workers_and_finishes_wake_the_executor(store: SqlStore) -> None:
    ex = execution(state=State.RUNNING)
    await store.create_execution(ex)
    workers = await _waiting(store, "worker")
    run = task_run(ex)
    async with store.executor_transaction() as tx:
        await tx.claim(10)
        await tx.save(ex, [run], [job(run)])
    await asyncio.wait_for(workers, DEADLINE)

    executor = await _waiting(store, "executor")
    (claimed,) = await store.claim_jobs("w1", [None], 10)
    assert not executor.done()
    await store.finish_job(claimed, JobResult(State.SUCCESS, ended_attempt(claimed)))
    await asyncio.wait_for(executor, DEADLINE)


async def test_wait_for_gives_up_after_its_timeout(store: SqlStore) -> None:
    await store.wait_for("worker", DEADLINE)  # drain
    loop = asyncio.get_running_loop()
    started = loop.time()
    await store.wait_for("worker", 0.05)
    assert loop.time() - started >= 0.04
    with pytest.raises(ValueError, match="unknown channel"):
        await store.wait_for("nobody", 0.01)


postgres_only = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


@postgres_only
async def test_other_processes_wake_us_through_notify(store: SqlStore, open_store) -> None:  # type: ignore[no-untyped-def]
    other = await open_store()

    waiter = await _waiting(store, "executor")
    await other.create_execution(execution())
    await asyncio.wait_for(waiter, DEADLINE)

    workers = await _waiting(store, "worker")
    ex = execution(state=State.RUNNING)
    await other.create_execution(ex)
    run = task_run(ex)
    async with other.executor_transaction() as tx:
        await tx.claim(10)
        await tx.save(ex, [run], [job(run)])
    await asyncio.wait_for(workers, DEADLINE)


@postgres_only
async def test_the_listener_reconnects_after_its_connection_drops(store: SqlStore, open_store, backend) -> None:  # type: ignore[no-untyped-def]
    other = await open_store()
    await store.wait_for("executor", DEADLINE)  # starts the listener
    first_pid = store.listen_pid
    assert first_pid is not None

    admin = await asyncpg.connect(backend.url)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", first_pid)
    finally:
        await admin.close()

    async def reconnected() -> bool:
        return store.listen_pid not in (None, first_pid)

    await eventually(reconnected, DEADLINE)
    waiter = await _waiting(store, "executor")  # drains the "maybe missed" signal of the reconnect
    await other.request("any", "kill")
    await asyncio.wait_for(waiter, DEADLINE)


@postgres_only
async def test_reads_survive_connections_the_server_dropped(store: SqlStore, backend) -> None:  # type: ignore[no-untyped-def]
    ex = execution()
    await store.create_execution(ex)
    assert await store.execution_state(ex.id) is State.CREATED  # the pool now holds a connection
    # only this process's connections: other test processes share the server (pytest-xdist)
    ours = sorted(backend_ports(os.getpid(), urlsplit(backend.url).port or 5432))
    admin = await asyncpg.connect(backend.url)
    try:
        dropped = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'lanner' AND client_port = ANY($1::int[]) AND pid <> pg_backend_pid()",
            ours,
        )
    finally:
        await admin.close()
    assert dropped >= 1
    assert await store.execution_state(ex.id) is State.CREATED  # on a fresh connection, no error
