"""Shared fixtures: every storage-backed test runs once per backend.

- ``backend``: a ``Backend(name, url, schema)`` — a fresh SQLite file under ``tmp_path``, or
  a unique schema on the PostgreSQL server at ``LANNER_TEST_DATABASE_URL`` (default
  ``postgresql://postgres@127.0.0.1:5432/test``), created before and dropped after the test.
  An unreachable PostgreSQL skips its tests locally and fails them when ``CI`` is set.
- ``database_url``: ``backend.url`` (the PostgreSQL schema is ``backend.schema``).
- ``store``: a migrated ``SqlStore`` on the backend, closed after the test.
- ``open_store``: opens more stores on the same backend (another "process"), closed after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from lanner.storage.sql import SqlStore, create_store

PG_URL = os.environ.get("LANNER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_pg_unreachable: list[str] = []  # remembered, so one dead server costs one timeout per session


@dataclass(frozen=True, slots=True)
class Backend:
    name: str  # "sqlite" or "postgres"
    url: str
    schema: str | None = None


async def _pg_connection() -> asyncpg.Connection:
    reason = _pg_unreachable[0] if _pg_unreachable else None
    if reason is None:
        try:
            return await asyncpg.connect(PG_URL, timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            reason = f"PostgreSQL unreachable at {PG_URL}: {exc}"
            _pg_unreachable.append(reason)
    if _IN_CI:
        pytest.fail(f"{reason} (CI is set: PostgreSQL tests must run)")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite", f"sqlite:///{tmp_path / 'lanner.db'}")
        return
    conn = await _pg_connection()
    schema = f"lanner_test_{uuid.uuid4().hex[:12]}"
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield Backend("postgres", PG_URL, schema)
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()


@pytest.fixture
def database_url(backend: Backend) -> str:
    return backend.url


@pytest.fixture
async def open_store(backend: Backend) -> AsyncIterator[Callable[[], Awaitable[SqlStore]]]:
    opened: list[SqlStore] = []

    async def open_() -> SqlStore:
        store = create_store(backend.url, schema=backend.schema)
        opened.append(store)
        await store.migrate()
        return store

    yield open_
    for store in reversed(opened):
        await store.close()


@pytest.fixture
async def store(open_store: Callable[[], Awaitable[SqlStore]]) -> SqlStore:
    return await open_store()
