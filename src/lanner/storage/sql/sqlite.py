"""SQLite: one writer thread, a few reader threads, WAL.

SQLite has one writer at a time. Every write transaction of this process runs on one
dedicated thread, in turn (an asyncio lock: coroutines queue without busy-waiting), and
starts with ``BEGIN IMMEDIATE`` so a writer in another process makes us wait on
``busy_timeout`` up front instead of failing half-way. Readers have their own connections
and threads: WAL lets them read while a write is in progress, so reading the store inside an
executor transaction cannot deadlock.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from queue import SimpleQueue
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from lanner.errors import StorageError
from lanner.storage.sql.codec import dumps
from lanner.storage.sql.database import OpenTx, Tx, in_transaction, storage_error
from lanner.storage.sql.notify import Notifier

__all__ = ["SqliteDatabase"]

T = TypeVar("T")

_BUSY_TIMEOUT_MS = 30_000

class _Thread:
    """One thread running submitted functions in order; results come back to the caller's loop."""

    def __init__(self, name: str) -> None:
        self._queue: SimpleQueue[tuple[asyncio.Future[Any], Callable[[], Any]] | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    async def call(self, fn: Callable[[], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put((future, fn))
        return await future

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _serve(self) -> None:
        while (item := self._queue.get()) is not None:
            future, fn = item
            try:
                result = fn()
            except BaseException as exc:  # handed to the caller
                _deliver(future, None, exc)
            else:
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


def _engine(url: URL, *, pool_size: int, begin: str) -> Engine:
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        connect_args={"check_same_thread": False},
        json_serializer=dumps,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not emit BEGIN itself (it would skip it before SELECTs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine


class SqliteDatabase:
    """``Database`` on a SQLite file (see ``database.py``)."""

    dialect = "sqlite"
    schema: str | None = None

    def __init__(self, url: URL, *, pool_size: int) -> None:
        self._writer_engine = _engine(url, pool_size=1, begin="BEGIN IMMEDIATE")
        self._reader_engine = _engine(url, pool_size=max(pool_size, 1), begin="BEGIN")
        self._writer = _Thread("lanner-sqlite-writer")
        self._readers = ThreadPoolExecutor(max(pool_size, 1), thread_name_prefix="lanner-sqlite-reader")
        self._writer_conn: Connection | None = None
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self.notifier = Notifier(None, None)

    async def write(self, fn: Callable[[Tx], T]) -> T:
        async with self._exclusive():
            try:
                result, signals = await self._writer.call(partial(self._write_now, fn))
            except DBAPIError as exc:
                raise storage_error(self.dialect, exc) from exc
        for channel in signals:
            self.notifier.signal(channel)
        return result

    def _write_now(self, fn: Callable[[Tx], T]) -> tuple[T, set[str]]:
        conn = self._writer_connection()
        try:
            return in_transaction(conn, fn)
        except BaseException:
            self._drop_writer_connection()
            raise

    def _writer_connection(self) -> Connection:
        # Writer thread only. Kept open between transactions: a pool checkout per
        # transaction costs as much as a small UPDATE.
        if self._writer_conn is None:
            self._writer_conn = self._writer_engine.connect()
        return self._writer_conn

    def _drop_writer_connection(self) -> None:
        conn, self._writer_conn = self._writer_conn, None
        if conn is not None:
            conn.close()  # rolls back whatever is still open

    async def read(self, fn: Callable[[Connection], T]) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._readers, partial(self._read_now, fn))
        except DBAPIError as exc:
            raise storage_error(self.dialect, exc) from exc

    def _read_now(self, fn: Callable[[Connection], T]) -> T:
        with self._reader_engine.connect() as conn:
            return fn(conn)

    @asynccontextmanager
    async def session(self, last: Callable[[Tx], None] | None = None) -> AsyncIterator[_SqliteSession]:
        async with self._exclusive():
            state = OpenTx(self._writer_connection)
            try:
                yield _SqliteSession(self._writer, state)
                signals = await self._writer.call(partial(self._commit, state, last))
            except BaseException as exc:
                await asyncio.shield(self._writer.call(self._drop_writer_connection))
                if isinstance(exc, DBAPIError):
                    raise storage_error(self.dialect, exc) from exc
                raise
        for channel in signals:
            self.notifier.signal(channel)

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

    def _commit(self, state: OpenTx, last: Callable[[Tx], None] | None) -> set[str]:
        try:
            return state.commit(last)
        except BaseException:
            self._drop_writer_connection()
            raise

    async def close(self) -> None:
        await self.notifier.close()
        await self._writer.call(self._drop_writer_connection)
        await self._writer.call(self._writer_engine.dispose)
        self._writer.stop()
        self._readers.shutdown(wait=True)
        self._reader_engine.dispose()


class _SqliteSession:
    def __init__(self, thread: _Thread, state: OpenTx) -> None:
        self._thread = thread
        self._state = state

    async def run(self, fn: Callable[[Tx], T]) -> T:
        try:
            return await self._thread.call(partial(self._state.run, fn))
        except DBAPIError as exc:
            raise storage_error("sqlite", exc) from exc
