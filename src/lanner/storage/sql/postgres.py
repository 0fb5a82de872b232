"""PostgreSQL: the asyncpg async engine, one ``run_sync`` call per transaction.

Rows are locked with ``FOR UPDATE SKIP LOCKED`` so several executors and workers, in any
number of processes, never take the same execution or job. Triggers created by the first
migration ``NOTIFY`` executors and workers; ``notify.py`` listens.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import Connection, event
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql import ClauseElement

from lanner.errors import LannerError, StorageError, StorageUnavailable
from lanner.storage.sql.codec import dumps
from lanner.storage.sql.database import OpenTx, Tx, in_transaction, storage_error
from lanner.storage.sql.notify import Notifier

__all__ = ["PostgresDatabase", "RawStatement"]

T = TypeVar("T")


def _call(_conn: Connection, fn: Callable[..., T], *args: Any) -> T:
    return fn(*args)


def _autocommit(conn: Connection, fn: Callable[[Tx], T]) -> tuple[T, set[str]]:
    tx = Tx(conn)
    return fn(tx), tx.signals


class _Lane:
    """A connection kept checked out for one loop that runs one statement or transaction after
    another (a worker's claims, an executor's passes): taking a connection from SQLAlchemy's
    pool and giving it back costs ~0.09 ms of CPU, as much as the statement it runs, and an
    idle worker pays it on every wake-up. A second user while the lane is busy takes a pooled
    connection instead; a failure closes the kept connection (the next use opens a new one,
    e.g. after a PostgreSQL restart)."""

    __slots__ = ("_busy", "_conn", "_engine")

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._busy = asyncio.Lock()
        self._conn: AsyncConnection | None = None

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        if self._busy.locked():
            async with self._engine.connect() as conn:
                yield conn
            return
        async with self._busy:
            if self._conn is None or self._conn.closed or self._conn.invalidated:
                self._conn = await self._engine.connect()
            try:
                yield self._conn
            except BaseException:
                await self.close()
                raise

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()


_ASYNCPG: Any = asyncpg_dialect()  # type: ignore[no-untyped-call]


class RawStatement:
    """A Core statement compiled once for asyncpg, to run on a lane's connection without
    SQLAlchemy's per-execution work (cache key, parameter and result processing): ~0.1 ms of
    CPU less per call. Only for statements whose parameters and columns need no type
    processing beyond asyncpg's own (the engine's JSON codec decodes jsonb; timestamps come
    back aware in UTC)."""

    __slots__ = ("_literals", "_names", "sql")

    def __init__(self, statement: ClauseElement) -> None:
        compiled: Any = statement.compile(dialect=_ASYNCPG)
        if "__[POSTCOMPILE_" in compiled.string:
            raise ValueError("a raw statement cannot hold an expanding IN (compare with each value instead)")
        self.sql: str = compiled.string
        self._names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self._literals = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}

    def args(self, params: dict[str, Any]) -> list[Any]:
        """The positional arguments for ``params`` (the statement's own literals filled in)."""
        return [params[name] if name in params else self._literals[name] for name in self._names]


#: asyncpg errors meaning the server or the connection went away (as SQLAlchemy's disconnects);
#: a connection the server terminated may also fail with an internal protocol error first
_GONE = (
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)


def _raw_error(exc: Exception) -> LannerError:
    """An asyncpg error as ``storage_error`` words SQLAlchemy's."""
    if isinstance(exc, _GONE):
        return StorageUnavailable(f"postgresql cannot be reached: {exc}")
    return StorageError(f"postgresql failed: {exc}")


class PostgresDatabase:
    """``Database`` on PostgreSQL (see ``database.py``)."""

    dialect = "postgresql"

    def __init__(self, url: URL, *, schema: str | None, pool_size: int, idle_in_transaction_timeout: float = 0) -> None:
        self.schema = schema
        # named, so operators see Lanner's connections in pg_stat_activity
        server_settings = {"application_name": "lanner"}
        if idle_in_transaction_timeout > 0:
            # A host cut off in the middle of a transaction would keep its row locks until TCP
            # gives up (hours): the server ends such a session, releasing them.
            server_settings["idle_in_transaction_session_timeout"] = str(int(idle_in_transaction_timeout * 1000))
        if schema is not None:
            server_settings["search_path"] = '"' + schema.replace('"', '""') + '"'
        connect_args: dict[str, Any] = {"server_settings": server_settings}
        self._engine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, connect_args=connect_args, json_serializer=dumps
        )
        # Reads, and writes of one statement, run as autocommit statements: no BEGIN/COMMIT
        # round trips.
        self._autocommit = self._engine.execution_options(isolation_level="AUTOCOMMIT")
        self._lanes: dict[tuple[str, bool], _Lane] = {}
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.notifier = Notifier(dsn, schema)
        notifier = self.notifier

        @event.listens_for(self._engine.sync_engine, "connect")
        def _remember_own(dbapi_connection: Any, _record: Any) -> None:
            # Commits on our connections are signalled in-process already; their NOTIFY
            # echo must not wake this process's loops a second time for nothing.
            notifier.own_backend(int(dbapi_connection.driver_connection.get_server_pid()))

    def _connect(self, lane: str | None, autocommit: bool) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        """A pooled connection, or the one kept for ``lane`` (see ``_Lane``)."""
        engine = self._autocommit if autocommit else self._engine
        if lane is None:
            return engine.connect()
        kept = self._lanes.get((lane, autocommit))
        if kept is None:
            kept = self._lanes[lane, autocommit] = _Lane(engine)
        return kept.connect()

    async def write(self, fn: Callable[[Tx], T], *, one_statement: bool = False, lane: str | None = None) -> T:
        try:
            if one_statement:
                async with self._connect(lane, autocommit=True) as conn:
                    result, signals = await conn.run_sync(_autocommit, fn)
            else:
                async with self._connect(lane, autocommit=False) as conn:
                    result, signals = await conn.run_sync(in_transaction, fn)
        except (DBAPIError, OSError) as exc:
            raise storage_error(self.dialect, exc) from exc
        for channel in signals:
            self.notifier.signal(channel)
        return result

    async def fetch(self, lane: str, statement: RawStatement, params: dict[str, Any]) -> list[Any]:
        """The rows (asyncpg records) of one autocommit ``statement`` run on ``lane``'s connection."""
        try:
            async with self._connect(lane, autocommit=True) as conn:
                driver: Any = (await conn.get_raw_connection()).driver_connection
                try:
                    rows: list[Any] = await driver.fetch(statement.sql, *statement.args(params))
                except _GONE:
                    # SQLAlchemy did not see it fail: tell its pool not to hand this one out again
                    with contextlib.suppress(Exception):
                        await conn.invalidate()
                    raise
                return rows
        except DBAPIError as exc:
            raise storage_error(self.dialect, exc) from exc
        except (asyncpg.PostgresError, *_GONE) as exc:
            raise _raw_error(exc) from exc

    async def read(self, fn: Callable[[Connection], T], *, lane: str | None = None) -> T:
        for retry in (True, False):
            try:
                async with self._connect(lane, autocommit=True) as conn:
                    return await conn.run_sync(fn)
            except DBAPIError as exc:
                # A pooled connection the server dropped (restart, failover) fails on its first
                # use; a read is safe to run again on a fresh one.
                if retry and exc.connection_invalidated:
                    continue
                raise storage_error(self.dialect, exc) from exc
            except OSError as exc:
                raise storage_error(self.dialect, exc) from exc
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def session(
        self, last: Callable[[Tx], None] | None = None, *, lane: str | None = None
    ) -> AsyncIterator[_PostgresSession]:
        try:
            async with self._connect(lane, autocommit=False) as conn:
                state = OpenTx(lambda: conn.sync_connection)  # type: ignore[arg-type,return-value]
                try:
                    yield _PostgresSession(conn, state)
                    signals = await conn.run_sync(_call, state.commit, last)
                except BaseException:
                    with contextlib.suppress(Exception):  # the original error matters more
                        await conn.run_sync(_call, state.rollback)
                    raise
        except DBAPIError as exc:
            raise storage_error(self.dialect, exc) from exc
        for channel in signals:
            self.notifier.signal(channel)

    async def close(self) -> None:
        await self.notifier.close()
        for kept in self._lanes.values():
            await kept.close()
        await self._engine.dispose()


class _PostgresSession:
    def __init__(self, conn: AsyncConnection, state: OpenTx) -> None:
        self._conn = conn
        self._state = state

    async def run(self, fn: Callable[[Tx], T]) -> T:
        try:
            return await self._conn.run_sync(_call, self._state.run, fn)
        except DBAPIError as exc:
            raise storage_error("postgresql", exc) from exc
