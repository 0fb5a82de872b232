"""SQLite: one writer connection, one reader connection, WAL, transactions run in the loop.

A SQLite transaction of this store is CPU work (tens to hundreds of microseconds: WAL with
``synchronous=NORMAL`` does not wait for the disk on commit), and that work holds the GIL
wherever it runs. Handing it to a thread measured *slower* under load: each hand-back to the
event loop waited for the GIL for up to a switch interval (5 ms). So transactions run in the
event loop, and only what can really block goes to a helper thread:

- the writer lock held by another process: every write starts with ``BEGIN IMMEDIATE`` with
  no busy timeout; if the database is locked, that BEGIN is retried on the helper thread
  with a long ``busy_timeout``, and the transaction continues once it holds the lock;
- WAL checkpoints (they flush to disk): automatic checkpoints are off, the helper thread runs
  a passive one every few hundred commits.

In-process writers take turns on an asyncio lock, so nobody busy-waits. The reader
connection sees committed data only, so reading inside an executor transaction is fine.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from queue import SimpleQueue
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError

from lanner.errors import StorageError
from lanner.storage.sql.codec import dumps
from lanner.storage.sql.database import Tx, storage_error
from lanner.storage.sql.notify import Notifier

__all__ = ["SqliteDatabase"]

T = TypeVar("T")

_BUSY_TIMEOUT_MS = 30_000
_CHECKPOINT_EVERY = 500  # commits


class _Thread:
    """One thread running submitted functions in order; results come back to the caller's loop."""

    def __init__(self, name: str) -> None:
        self._queue: SimpleQueue[tuple[asyncio.Future[Any] | None, Callable[[], Any]] | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    async def call(self, fn: Callable[[], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put((future, fn))
        return await future

    def submit(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` in the background; nobody waits for it."""
        self._queue.put((None, fn))

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _serve(self) -> None:
        while (item := self._queue.get()) is not None:
            future, fn = item
            try:
                result = fn()
            except BaseException as exc:  # handed to the caller
                if future is not None:
                    _deliver(future, None, exc)
            else:
                if future is not None:
                    _deliver(future, result, None)


def _deliver(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    def settle() -> None:
        if future.cancelled():
            return
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)

    with contextlib.suppress(RuntimeError):  # the caller's loop is closed: nobody is waiting
        future.get_loop().call_soon_threadsafe(settle)


def _engine(url: URL, *, busy_timeout_ms: int) -> Engine:
    engine = create_engine(url, pool_size=1, max_overflow=0, connect_args={"check_same_thread": False}, json_serializer=dumps)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not emit BEGIN itself (it would skip it before SELECTs): we do,
        # explicitly (cheaper than SQLAlchemy's "begin" event, which slows every statement).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        finally:
            cursor.close()

    return engine


def _is_busy(exc: OperationalError) -> bool:
    message = str(exc.orig).lower()
    return "locked" in message or "busy" in message


class SqliteDatabase:
    """``Database`` on a SQLite file (see ``database.py``)."""

    dialect = "sqlite"
    schema: str | None = None

    def __init__(self, url: URL) -> None:
        self._writer_engine = _engine(url, busy_timeout_ms=0)
        self._reader_engine = _engine(url, busy_timeout_ms=_BUSY_TIMEOUT_MS)
        self._checkpoint_engine = _engine(url, busy_timeout_ms=_BUSY_TIMEOUT_MS)
        self._writer_conn: Connection | None = None
        self._reader_conn: Connection | None = None
        self._helper: _Thread | None = None
        self._commits = 0
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self.notifier = Notifier(None, None)

    async def write(self, fn: Callable[[Tx], T], *, one_statement: bool = False, lane: str | None = None) -> T:
        async with self._exclusive():
            tx = await self._begin()
            try:
                result = fn(tx)
            except BaseException as exc:
                self._end(tx, commit=False)
                if isinstance(exc, DBAPIError):
                    raise storage_error(self.dialect, exc) from exc
                raise
            self._end(tx, commit=not tx.aborted)
        return result

    async def read(self, fn: Callable[[Connection], T], *, lane: str | None = None) -> T:
        if self._reader_conn is None:
            self._reader_conn = self._reader_engine.connect()
        conn = self._reader_conn
        try:
            conn.exec_driver_sql("BEGIN")  # one snapshot for all the reads of fn
            try:
                return fn(conn)
            finally:
                conn.rollback()  # nothing to commit
        except DBAPIError as exc:
            self._reader_conn = None
            _discard(conn)
            raise storage_error(self.dialect, exc) from exc

    @asynccontextmanager
    async def session(
        self, last: Callable[[Tx], None] | None = None, *, lane: str | None = None
    ) -> AsyncIterator[_SqliteSession]:
        async with self._exclusive():
            tx = await self._begin()
            try:
                yield _SqliteSession(tx)
                if last is not None:
                    last(tx)
            except BaseException:
                self._end(tx, commit=False)
                raise
            self._end(tx, commit=not tx.aborted)

    async def _begin(self) -> Tx:
        """``BEGIN IMMEDIATE`` on the writer; waits on the helper thread if another process holds the lock."""
        if self._writer_conn is None:
            self._writer_conn = self._writer_engine.connect()
        conn = self._writer_conn
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as exc:
            if not _is_busy(exc):
                self._drop_writer()
                raise storage_error(self.dialect, exc) from exc
            conn.rollback()  # SQLAlchemy's side of the transaction; SQLite has none open
            try:
                await self._helper_thread().call(lambda: _begin_waiting(conn))
            except DBAPIError as waited:
                self._drop_writer()
                raise storage_error(self.dialect, waited) from waited
        except DBAPIError as exc:
            self._drop_writer()
            raise storage_error(self.dialect, exc) from exc
        return Tx(conn)

    def _end(self, tx: Tx, *, commit: bool) -> None:
        try:
            if commit:
                tx.conn.commit()
            else:
                tx.conn.rollback()
        except DBAPIError as exc:
            self._drop_writer()
            raise storage_error(self.dialect, exc) from exc
        if not commit:
            return
        for channel in tx.signals:
            self.notifier.signal(channel)
        self._commits += 1
        if self._commits % _CHECKPOINT_EVERY == 0:
            self._helper_thread().submit(self._checkpoint)

    def _checkpoint(self) -> None:
        # Helper thread: flushes the WAL into the database file without blocking anyone.
        with self._checkpoint_engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def _drop_writer(self) -> None:
        conn, self._writer_conn = self._writer_conn, None
        if conn is not None:
            _discard(conn)

    def _helper_thread(self) -> _Thread:
        if self._helper is None:
            self._helper = _Thread("lanner-sqlite-helper")
        return self._helper

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            raise StorageError(
                "a store write was started inside another write transaction (for example inside "
                "executor_transaction()); on SQLite it would wait for itself forever: use the ExecutorTx"
            )
        async with self._lock:
            # The holder, so that a nested write fails at once instead of waiting for itself.
            self._owner = task
            try:
                yield
            finally:
                self._owner = None

    async def close(self) -> None:
        await self.notifier.close()
        if self._helper is not None:
            await asyncio.to_thread(self._helper.stop)
            self._helper = None
        for conn in (self._writer_conn, self._reader_conn):
            if conn is not None:
                conn.close()
        self._writer_conn = self._reader_conn = None
        for engine in (self._writer_engine, self._reader_engine, self._checkpoint_engine):
            engine.dispose()


def _begin_waiting(conn: Connection) -> None:
    """Helper thread: BEGIN IMMEDIATE, waiting up to the busy timeout for another process."""
    # On the driver's connection, outside SQLAlchemy's bookkeeping of the transaction.
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute("PRAGMA busy_timeout=0")


def _discard(conn: Connection) -> None:
    """Drop a connection that failed (the pool opens a fresh one next time)."""
    with contextlib.suppress(Exception):
        conn.invalidate()
    with contextlib.suppress(Exception):
        conn.close()


class _SqliteSession:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def run(self, fn: Callable[[Tx], T]) -> T:
        try:
            return fn(self._tx)
        except DBAPIError as exc:
            raise storage_error("sqlite", exc) from exc
