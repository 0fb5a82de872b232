"""Transactions for the store: each one a plain function over a SQLAlchemy Core ``Connection``.

The store's SQL is written once, as synchronous functions ``fn(tx)``; a ``Database`` runs
each function as one transaction in one step:

- PostgreSQL: the asyncpg async engine, ``AsyncConnection.run_sync(fn)`` (one greenlet per
  transaction, non-blocking I/O underneath);
- SQLite: the pysqlite engine on a dedicated writer thread (``sqlite.py``) — one thread hop
  per transaction instead of several per statement, which measured ~10x faster than the
  aiosqlite adapter.

``session()`` keeps one write transaction open across several calls (the executor's unit of
work); ``read()`` runs a read-only function.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy import Connection, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError

from lanner.errors import ConfigError, ConflictError, LannerError, StorageError, StorageUnavailable
from lanner.storage.sql.notify import Notifier

__all__ = ["Clock", "Database", "OpenTx", "Session", "Tx", "in_transaction", "parse_url", "storage_error"]

T = TypeVar("T")

#: where store methods take "now" from (replaceable in tests)
Clock = Callable[[], datetime]


class Tx:
    """A write transaction: its connection, the channels to wake once it commits, and
    whether it must end without writing (``abort()``, e.g. a fenced-off job finish)."""

    __slots__ = ("aborted", "conn", "signals")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.signals: set[str] = set()
        self.aborted = False

    def signal(self, channel: str) -> None:
        self.signals.add(channel)

    def abort(self) -> None:
        self.aborted = True


class Session(Protocol):
    """One write transaction kept open across calls; committed when the block ends."""

    async def run(self, fn: Callable[[Tx], T]) -> T: ...


class Database(Protocol):
    dialect: str
    schema: str | None
    notifier: Notifier

    async def write(self, fn: Callable[[Tx], T], *, one_statement: bool = False, lane: str | None = None) -> T:
        """Run ``fn`` in one write transaction (rolled back instead if it calls ``tx.abort()``).

        ``one_statement``: ``fn`` runs a single statement, atomic by itself; PostgreSQL then
        skips the BEGIN and COMMIT round trips.
        ``lane``: the name of a loop that calls again and again (a worker's claims, an
        executor's passes); PostgreSQL keeps a connection for it instead of taking one from
        the pool each time. SQLite has one writer connection anyway.
        """
        ...

    async def read(self, fn: Callable[[Connection], T], *, lane: str | None = None) -> T: ...

    def session(
        self, last: Callable[[Tx], None] | None = None, *, lane: str | None = None
    ) -> AbstractAsyncContextManager[Session]:
        """A write transaction open for the block; ``last`` runs just before the commit."""
        ...

    async def close(self) -> None: ...


def in_transaction(conn: Connection, fn: Callable[[Tx], T]) -> tuple[T, set[str]]:
    """Run ``fn`` in a transaction on ``conn``: commit, or roll back if it aborted or raised."""
    tx = Tx(conn)
    with conn.begin() as transaction:
        result = fn(tx)
        if tx.aborted:
            transaction.rollback()
    return result, tx.signals


def storage_error(dialect: str, exc: Exception) -> LannerError:
    if isinstance(exc, IntegrityError):
        return ConflictError(f"conflicts with the stored data: {exc.orig}")
    if isinstance(exc, OSError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return StorageUnavailable(f"{dialect} cannot be reached: {getattr(exc, 'orig', None) or exc}")
    if isinstance(exc, DBAPIError):
        return StorageError(f"{dialect} failed: {exc.orig}")
    return StorageError(f"{dialect} failed: {exc}")


def parse_url(url: str) -> tuple[str, URL]:
    """The backend name and the SQLAlchemy URL of ``sqlite:///x.db`` or ``postgresql://…``."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ConfigError(f"{url!r}: Lanner needs a SQLite file (sqlite:///path/to/lanner.db)")
        return backend, parsed.set(drivername="sqlite+pysqlite")
    if backend == "postgresql":
        return backend, parsed.set(drivername="postgresql+asyncpg")
    raise ConfigError(f"{url!r}: unsupported database (use sqlite:///path.db or postgresql://…)")


class OpenTx:
    """A session's transaction, begun by its first call; used only where its SQL runs
    (the SQLite writer thread, or the PostgreSQL connection's greenlet)."""

    __slots__ = ("_connect", "conn", "tx")

    def __init__(self, connect: Callable[[], Connection]) -> None:
        self._connect = connect
        self.conn: Connection | None = None
        self.tx: Tx | None = None

    def run(self, fn: Callable[[Tx], T]) -> T:
        if self.tx is None:
            self.conn = self._connect()
            self.conn.begin()
            self.tx = Tx(self.conn)
        return fn(self.tx)

    def commit(self, last: Callable[[Tx], None] | None) -> set[str]:
        """Run ``last``, then commit (or roll back if aborted); the channels to wake."""
        if last is not None:
            self.run(last)
        if self.tx is None or self.conn is None:
            return set()
        if self.tx.aborted:
            self.conn.rollback()
            return set()
        self.conn.commit()
        return self.tx.signals

    def rollback(self) -> None:
        if self.conn is not None and self.conn.in_transaction():
            self.conn.rollback()
