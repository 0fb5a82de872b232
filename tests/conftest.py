"""Shared fixtures: every storage-backed test runs once per backend.

- ``backend``: a ``Backend(name, url, schema)`` — a fresh SQLite file under ``tmp_path``, or
  a unique schema on the PostgreSQL server at ``LANNER_TEST_DATABASE_URL`` (default
  ``postgresql://postgres@127.0.0.1:5432/test``), created before and dropped after the test.
  An unreachable PostgreSQL skips its tests locally and fails them when ``CI`` is set.
- ``database_url``: ``backend.url`` (the PostgreSQL schema is ``backend.schema``).
- ``store``: a migrated ``SqlStore`` on the backend, closed after the test.
- ``open_store``: opens more stores on the same backend (another "process"), closed after.

``make test`` runs the suite in parallel processes (pytest-xdist, ``-n 4``). The
tests of ``_GROUPS`` run one after the other in one process, and first: the CLI tests share the
servers the session fixture ``launched`` starts, and the multi-process cluster tests each start
a dozen processes and measure failure detection, so they must not overlap one another.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from lanner.storage.sql import SqlStore, create_store

PG_URL = os.environ.get("LANNER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_pg_unreachable: list[str] = []  # remembered, so one dead server costs one timeout per session


#: path prefix (from the rootdir) → group: a group runs in one test process, in file order
_GROUPS = {
    "tests/integration/cli/": "cli-servers",
    "tests/integration/ha/": "clusters",
    "tests/integration/crash/": "clusters",
    "tests/integration/test_bench_cluster.py": "clusters",
}


def _group_of(nodeid: str) -> str | None:
    return next((name for prefix, name in _GROUPS.items() if nodeid.startswith(prefix)), None)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Each group of ``_GROUPS`` is one unit of work (one process, in file order); every other
    test is a unit of its own. Done here rather than with ``xdist_group`` marks: pytest 9.2 no
    longer lets xdist tag a marked test's node id, and the marks are silently ignored
    (pytest-dev/pytest-xdist#1386). Units are handed out largest first, so the groups start
    at once and the single tests fill the other processes."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _group_of(nodeid) or nodeid

    return GroupScheduling(config, log)


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
