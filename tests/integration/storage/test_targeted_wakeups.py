"""PostgreSQL: a claimable job wakes one worker (migration 0004), not every worker.

The notification on ``lanner_worker`` names the worker expected to take the job; only the
process running that worker wakes. A claim that took all it asked for passes the word on to
every worker (more may be due). Observed here on a plain LISTEN connection and on stores
standing for separate processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from lanner.storage.sql import SqlStore
from tests.conftest import Backend

from .factories import queued_job
from .test_wakeups import DEADLINE, _waiting

pytestmark = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)

_SENTINEL = "end of test notifications"


class Listener:
    """A LISTEN connection on ``lanner_worker``, collecting payloads."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.payloads: asyncio.Queue[str] = asyncio.Queue()

    async def until_sentinel(self) -> list[str]:
        """Every payload received until a sentinel sent now (delivered in commit order)."""
        await self.conn.execute(f"NOTIFY lanner_worker, '{_SENTINEL}'")
        received = []
        while (payload := await asyncio.wait_for(self.payloads.get(), DEADLINE)) != _SENTINEL:
            received.append(payload)
        return received


@pytest.fixture
async def listener(backend: Backend) -> AsyncIterator[Listener]:
    conn = await asyncpg.connect(backend.url)
    listening = Listener(conn)
    await conn.add_listener("lanner_worker", lambda _c, _pid, _channel, payload: listening.payloads.put_nowait(payload))
    yield listening
    await conn.close()


async def _sql(backend: Backend, statement: str) -> None:
    conn = await asyncpg.connect(backend.url, server_settings={"search_path": backend.schema})
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def test_a_new_job_names_one_live_worker_of_its_group_unless_its_slots_are_taken(
    store: SqlStore, listener: Listener, backend: Backend
) -> None:
    schema = backend.schema
    await store.register_worker("busy", None, "host-b", threads=8)
    await store.register_worker("late", None, "host-c", threads=8)
    await store.register_worker("dead", None, "host-d", threads=8)
    await store.register_worker("gpu", "gpu,eu", "host-e", threads=8)
    await _sql(backend, "UPDATE workers SET heartbeat = now() - interval '1 minute' WHERE id = 'late'")
    await _sql(backend, "UPDATE workers SET dead = true WHERE id = 'dead'")
    for _ in range(2):
        await queued_job(store)
        assert len(await store.claim_jobs("busy", [None], 1)) == 1
    await listener.until_sentinel()  # what the set-up sent

    await queued_job(store)
    # "late" was not heard from for a minute, "dead" was declared dead: "busy" has free slots
    assert await listener.until_sentinel() == [f"{schema} busy"]

    await queued_job(store, worker_group="eu")
    assert await listener.until_sentinel() == [f"{schema} gpu"]

    await queued_job(store, worker_group="nobody-serves-this")
    assert await listener.until_sentinel() == [schema]  # no worker to name: every worker wakes

    await _sql(backend, "UPDATE workers SET threads = 2 WHERE id = 'busy'")  # its 2 slots are taken
    await queued_job(store)
    assert await listener.until_sentinel() == [schema]

    await _sql(backend, "UPDATE workers SET dead = true WHERE id = 'busy'")
    await queued_job(store)
    assert await listener.until_sentinel() == [f"{schema} late"]  # late, but the only one alive


async def test_only_the_process_of_the_named_worker_wakes(store: SqlStore, open_store, backend: Backend) -> None:  # type: ignore[no-untyped-def]
    one, two = await open_store(), await open_store()
    await one.register_worker("w-one", None, "host-1", threads=4)
    await two.register_worker("w-two", None, "host-2", threads=4)
    # named only when no other is left: new jobs name w-one
    await _sql(backend, "UPDATE workers SET heartbeat = now() - interval '1 minute' WHERE id = 'w-two'")

    one_waits, two_waits = await _waiting(one, "worker"), await _waiting(two, "worker")
    await queued_job(store)  # from a third process: names w-one
    await asyncio.wait_for(one_waits, DEADLINE)

    # NOTIFYs reach a listener in commit order: once ``two`` saw a later one, it had seen ours
    two_executor = await _waiting(two, "executor")
    await store.request("any", "kill")
    await asyncio.wait_for(two_executor, DEADLINE)
    assert not two_waits.done()

    await two.unregister_worker("w-two")  # its process stops answering for it
    await one.unregister_worker("w-one")
    await queued_job(store)  # no live worker: the notification names none, everybody wakes
    await asyncio.wait_for(two_waits, DEADLINE)


async def test_a_claim_that_took_all_it_asked_for_wakes_every_worker(
    store: SqlStore, listener: Listener, backend: Backend
) -> None:
    await store.register_worker("w1", None, "host", threads=4)
    await queued_job(store)
    await queued_job(store)
    await listener.until_sentinel()

    assert len(await store.claim_jobs("w1", [None], 1)) == 1  # one more is due
    assert await listener.until_sentinel() == [backend.schema]

    assert len(await store.claim_jobs("w1", [None], 5)) == 1  # nothing left: nobody else to wake
    assert await listener.until_sentinel() == []
