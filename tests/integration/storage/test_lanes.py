"""Lanes: on PostgreSQL a loop that calls the database again and again (a worker's claims, an
executor's passes) keeps one connection instead of taking one from the pool each time. The
kept connection must behave like a pooled one: shared safely, replaced when it breaks, and
never left inside a transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg
import pytest
from sqlalchemy import Connection, text

from lanner.errors import StorageUnavailable
from lanner.storage.sql import SqlStore
from lanner.storage.sql.database import Tx
from lanner.storage.sql.postgres import PostgresDatabase

from ...conftest import PG_URL, Backend
from .factories import eventually


def _pid(conn: Connection) -> int:
    return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _postgres(backend: Backend, store: SqlStore) -> PostgresDatabase:
    if backend.name != "postgres":
        pytest.skip("SQLite has one writer and one reader connection: no lanes")
    assert isinstance(store._db, PostgresDatabase)
    return store._db


async def _terminate(pid: int) -> None:
    conn = await asyncpg.connect(PG_URL)
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()


async def test_a_lane_keeps_its_connection_while_other_calls_use_the_pool(backend: Backend, store: SqlStore) -> None:
    db = _postgres(backend, store)
    first = await db.read(_pid, lane="claim")
    # Pooled calls in between, two at a time so the pool cannot hand back one connection.
    pooled = await asyncio.gather(*(db.read(lambda c: (_pid(c), c.execute(text("SELECT pg_sleep(0.05)")))[0]) for _ in range(2)))
    assert first not in pooled
    assert await db.read(_pid, lane="claim") == first
    # Autocommit statements and transactions keep different connections under one name.
    assert await db.write(lambda tx: _pid(tx.conn), one_statement=True, lane="claim") == first
    assert await db.write(lambda tx: _pid(tx.conn), lane="claim") != first
    assert await db.read(_pid, lane="claim") == first
    assert await db.read(_pid, lane="other") != first
    # Kept between calls, but never inside a transaction (which would hold locks and be ended
    # by idle_in_transaction_session_timeout).
    assert await _state(first) == "idle"


async def test_a_busy_lane_lends_a_pooled_connection(backend: Backend, store: SqlStore) -> None:
    db = _postgres(backend, store)

    def slow(conn: Connection) -> int:
        conn.execute(text("SELECT pg_sleep(0.3)"))
        return _pid(conn)

    kept = await db.read(_pid, lane="claim")
    slow_call = asyncio.create_task(db.read(slow, lane="claim"))

    async def lane_held() -> bool:
        return db._lanes["claim", True]._busy.locked()

    await eventually(lane_held)  # the slow call holds the lane
    quick_pid = await db.read(_pid, lane="claim")
    assert not slow_call.done()  # the quick call did not wait for it
    assert quick_pid != kept
    assert await slow_call == kept


async def test_a_lane_whose_connection_was_cut_reconnects(backend: Backend, store: SqlStore) -> None:
    db = _postgres(backend, store)
    # A read runs again on a fresh connection by itself.
    cut = await db.read(_pid, lane="claim")
    await _terminate(cut)
    again = await db.read(_pid, lane="claim")
    assert again != cut
    assert await db.read(_pid, lane="claim") == again
    # A write is not repeated blindly: it fails as "unavailable", the next one reconnects.
    cut = await db.write(lambda tx: _pid(tx.conn), lane="executor")
    await _terminate(cut)
    with pytest.raises(StorageUnavailable):
        await db.write(lambda tx: _pid(tx.conn), lane="executor")
    assert await db.write(lambda tx: _pid(tx.conn), lane="executor") != cut


async def _state(pid: int) -> str | None:
    """The server session's state seen from outside (None: no such session any more)."""
    conn = await asyncpg.connect(PG_URL)
    try:
        state: str | None = await conn.fetchval("SELECT state FROM pg_stat_activity WHERE pid = $1", pid)
        return state
    finally:
        await conn.close()


async def test_a_failed_session_leaves_no_transaction_open_on_its_lane(backend: Backend, store: SqlStore) -> None:
    db = _postgres(backend, store)
    await db.write(lambda tx: tx.conn.execute(text("CREATE TABLE lane_probe (n integer)")))

    def insert(n: int) -> Callable[[Tx], int]:
        return lambda tx: (tx.conn.execute(text("INSERT INTO lane_probe VALUES (:n)"), {"n": n}), _pid(tx.conn))[1]

    used: list[int] = []

    async def fail_halfway() -> None:
        async with db.session(lane="executor") as session:
            used.append(await session.run(insert(1)))
            raise RuntimeError("halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        await fail_halfway()
    [failed] = used
    assert await _state(failed) in (None, "idle")  # not "idle in transaction", holding locks
    async with db.session(lane="executor") as session:
        committed = await session.run(insert(2))
    assert await _state(committed) == "idle"
    assert await db.write(lambda tx: _pid(tx.conn), lane="executor") == committed  # kept for the next pass

    def rows(conn: Connection) -> list[int]:
        return list(conn.execute(text("SELECT n FROM lane_probe ORDER BY n")).scalars())

    assert await db.read(rows) == [2]  # the failed session's row was rolled back, the next one committed


async def test_the_raw_claim_reconnects_after_its_connection_was_cut(backend: Backend, store: SqlStore) -> None:
    db = _postgres(backend, store)
    assert await store.claim_jobs("w", [None], 5) == []  # runs through asyncpg on the lane
    cut = await db.read(_pid, lane="claim")  # the same kept connection
    await _terminate(cut)
    with pytest.raises(StorageUnavailable, match="cannot be reached"):
        await store.claim_jobs("w", [None], 5)
    assert await store.claim_jobs("w", [None], 5) == []
    assert await store.next_job_due() is None
    assert await db.read(_pid, lane="claim") != cut
