"""Fixtures of the integration tests: an engine on each backend, running its executor and worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lanner.engine.engine import Engine, EngineOptions
from lanner.storage.files import LocalFileStorage
from lanner.storage.ports import Store

from .harness import Harness


@pytest.fixture
async def engine(store: Store, tmp_path: Path) -> AsyncIterator[Engine]:
    options = EngineOptions(work_root=tmp_path / "work", worker_threads=16, idle_poll=0.2, heartbeat_interval=0.2)
    engine = Engine(store, LocalFileStorage(tmp_path / "storage"), options)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


@pytest.fixture
def harness(engine: Engine) -> Harness:
    return Harness(engine)
