"""Fixtures of the trigger tests: a fake clock, and engines whose scheduler passes the tests drive."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lanner.engine.engine import Engine, EngineOptions
from lanner.storage.files import LocalFileStorage
from lanner.storage.ports import ExecutionQuery, Store
from lanner.storage.sql import SqlStore


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2024, 1, 1, 0, 0, 10, tzinfo=UTC))


EngineFactory = Callable[[], Awaitable[Engine]]


@pytest.fixture
def new_engine(open_store: Callable[[], Awaitable[SqlStore]], clock: FakeClock, tmp_path: Path) -> EngineFactory:
    """Engines on the same database (each with its own store: another process), not started:
    the tests run scheduler passes themselves with ``engine.scheduler.run_once()``."""

    async def make() -> Engine:
        store = await open_store()
        options = EngineOptions(work_root=tmp_path / "work", run_scheduler=False)
        return Engine(store, LocalFileStorage(tmp_path / "storage"), options, clock=clock)

    return make


async def executions_of(store: Store, namespace: str, flow_id: str) -> list[dict[str, object]]:
    """Executions of the flow, oldest first, as API JSON."""
    page = await store.search_executions(ExecutionQuery(namespace=namespace, flow_id=flow_id, size=1000))
    return [ex.to_api([]) for ex in sorted(page.results, key=lambda e: (e.created, e.id))]
