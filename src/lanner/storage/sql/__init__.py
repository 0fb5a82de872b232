"""The SQL storage adapter: SQLite (embedded default, WAL) and PostgreSQL, one SQLAlchemy Core code.

    store = create_store("sqlite:///lanner.db")        # or "postgresql://user@host/db"
    await store.migrate()

Modules: ``schema`` (tables), ``codec`` (rows <-> records), ``database`` (engines and
transactions), ``notify`` (wake-ups), ``executor_tx`` and ``jobs`` (the hot paths),
``store`` (everything else), ``migrate`` + ``migrations/`` (Alembic).
"""

from __future__ import annotations

from lanner.storage.sql.store import SqlStore

__all__ = ["SqlStore", "create_store"]


def create_store(url: str, *, schema: str | None = None, pool_size: int = 5, idle_in_transaction_timeout: float = 0) -> SqlStore:
    """A store for ``sqlite:///path.db`` or ``postgresql://…`` (call ``migrate()`` before use).

    ``schema`` (PostgreSQL only) puts every table in that schema, created by ``migrate()``
    if missing. ``pool_size``: PostgreSQL connections kept open (as many more may open under
    load). SQLite always uses one writer and one reader connection.
    ``idle_in_transaction_timeout`` (seconds, PostgreSQL, 0: none): the server ends a session
    left idle inside a transaction for longer, releasing its locks.
    """
    return SqlStore(url, schema=schema, pool_size=pool_size, idle_in_transaction_timeout=idle_in_transaction_timeout)
