"""Purge tasks and automatic retention, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from lanner.engine.engine import Engine, EngineOptions
from lanner.engine.purge import execution_folder
from lanner.engine.retention import Retention, RetentionOptions
from lanner.engine.scheduler import SchedulerOptions
from lanner.models.execution import utcnow
from lanner.models.state import State
from lanner.storage.files import LocalFileStorage
from lanner.storage.ports import Store

from ..harness import Harness

WORK = """
id: work
namespace: company.data
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello from work
  - id: file
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["echo kept > out.txt"]
    outputFiles: ["out.txt"]
"""

PAUSED = """
id: paused
namespace: company.data
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
"""

PURGE = """
id: purge
namespace: system
tasks:
  - id: purge
    type: io.kestra.plugin.core.execution.PurgeExecutions
    namespace: company
    endDate: "{{ now() | dateAdd(1, 'DAYS') }}"
    batchSize: 1
"""


def _folder(engine: Engine, namespace: str, flow_id: str, execution_id: str) -> Path:
    return engine.files.path_of("lanner:///" + execution_folder(namespace, flow_id, execution_id))


async def _paused(harness: Harness) -> str:
    execution = await harness.start(PAUSED)
    await harness.wait_until(execution.id, lambda r: r.state == State.PAUSED)
    return execution.id


async def test_purge_executions_deletes_ended_ones_with_logs_and_files(harness: Harness) -> None:
    engine = harness.engine
    done = [await harness.run(WORK) for _ in range(2)]
    assert all(r.state == State.SUCCESS for r in done)
    assert _folder(engine, "company.data", "work", done[0].execution.id).is_dir()
    paused = await _paused(harness)

    purge = await harness.run(PURGE)

    assert purge.state == State.SUCCESS, purge.states()
    assert purge.outputs("purge") == {"executionsCount": 2, "logsCount": 2, "storagesCount": 2, "metricsCount": 0}
    for result in done:
        assert await engine.store.get_execution(result.execution.id) is None
        assert await engine.store.get_logs(result.execution.id) == []
        assert not _folder(engine, "company.data", "work", result.execution.id).exists()
    # the paused execution and the purge's own (running) execution are kept
    assert (await engine.get(paused)).execution.state == State.PAUSED
    assert (await engine.get(purge.execution.id)).execution.state == State.SUCCESS


async def test_purge_scope_states_and_flags(harness: Harness) -> None:
    engine = harness.engine
    kept = await harness.run(WORK.replace("company.data", "other"))
    done = await harness.run(WORK)
    flow = """
id: purge_logs_only
namespace: system
tasks:
  - id: purge
    type: lanner.core.Purge
    namespace: company.data
    flowId: work
    endDate: "{{ now() | dateAdd(1, 'HOURS') }}"
    states: [SUCCESS]
    purgeExecution: false
    purgeStorage: false
"""
    result = await harness.run(flow)
    assert result.outputs("purge") == {"executionsCount": 0, "logsCount": 1, "storagesCount": 0, "metricsCount": 0}
    assert await engine.store.get_execution(done.execution.id) is not None
    assert await engine.store.get_logs(done.execution.id) == []
    assert _folder(engine, "company.data", "work", done.execution.id).is_dir()
    assert await engine.store.get_logs(kept.execution.id) != []

    failed_only = flow.replace("states: [SUCCESS]", "states: [FAILED]").replace("purgeExecution: false", "purgeExecution: true")
    result = await harness.run(failed_only.replace("purge_logs_only", "purge_failed"))
    assert result.outputs("purge")["executionsCount"] == 0
    assert await engine.store.get_execution(done.execution.id) is not None


async def test_purge_logs_by_level_and_bad_dates(harness: Harness) -> None:
    engine = harness.engine
    done = await harness.run(WORK)
    flow = """
id: purge_logs
namespace: system
tasks:
  - id: purge
    type: io.kestra.plugin.core.log.PurgeLogs
    namespace: company
    logLevels: [INFO]
    endDate: "{{ now() | dateAdd(1, 'HOURS') }}"
"""
    result = await harness.run(flow)
    assert result.outputs("purge") == {"count": 1}
    assert [e.message for e in await engine.store.get_logs(done.execution.id)] == []
    assert await engine.store.get_execution(done.execution.id) is not None

    bad = await harness.run(
        flow.replace("id: purge_logs", "id: purge_bad").replace("{{ now() | dateAdd(1, 'HOURS') }}", "yesterday")
    )
    assert bad.state == State.FAILED
    assert any("`endDate` is not a date-time" in line for line in await bad.logs())

    no_namespace = flow.replace("id: purge_logs", "id: purge_flow").replace("namespace: company\n", "flowId: work\n")
    failed = await harness.run(no_namespace)
    assert failed.state == State.FAILED
    assert any("`flowId` needs `namespace`" in line for line in await failed.logs())


async def test_retention_deletes_in_batches_and_keeps_running_executions(harness: Harness) -> None:
    engine = harness.engine
    done = [await harness.run(WORK) for _ in range(3)]
    paused = await _paused(harness)
    later = utcnow() + timedelta(days=2)
    options = RetentionOptions(executions=timedelta(days=1), logs=timedelta(days=1), batch=1, max_batches=2)
    retention = Retention(engine.store, engine.files, options, clock=lambda: later)

    first = await retention.run_if_due()
    assert first is not None and first[0].executions == 2  # bounded: the rest at the next pass
    second = await retention.run_if_due()  # due again at once, since more was left
    assert second is not None and second[0].executions == 1
    assert await retention.run_if_due() is None  # now waits for the interval

    for result in done:
        assert await engine.store.get_execution(result.execution.id) is None
        assert not _folder(engine, "company.data", "work", result.execution.id).exists()
    assert (await engine.get(paused)).execution.state == State.PAUSED
    assert await engine.store.get_logs(paused) == []  # log retention reaches every line


async def test_retention_within_age_deletes_nothing(harness: Harness) -> None:
    done = await harness.run(WORK)
    retention = Retention(harness.engine.store, harness.engine.files, RetentionOptions(executions=timedelta(days=1)), utcnow)
    assert await retention.run_if_due() is not None
    assert await harness.engine.store.get_execution(done.execution.id) is not None
    off = Retention(harness.engine.store, harness.engine.files, RetentionOptions(), utcnow)
    assert await off.run_if_due() is None


@pytest.fixture
async def retaining_engine(store: Store, tmp_path: Path) -> AsyncIterator[Engine]:
    retention = RetentionOptions(executions=timedelta(milliseconds=1), interval=timedelta(0))
    options = EngineOptions(
        work_root=tmp_path / "work",
        idle_poll=0.2,
        heartbeat_interval=0.2,
        scheduler=SchedulerOptions(poll=0.05, retention=retention),
    )
    engine = Engine(store, LocalFileStorage(tmp_path / "storage"), options)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


async def test_scheduler_applies_retention(retaining_engine: Engine) -> None:
    harness = Harness(retaining_engine)
    result = await harness.run(WORK)
    assert result.state == State.SUCCESS
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    folder = _folder(retaining_engine, "company.data", "work", result.execution.id)
    # the rows go first, then the folder: wait for both
    while await retaining_engine.store.get_execution(result.execution.id) is not None or folder.exists():
        assert loop.time() < deadline, "retention did not delete the ended execution and its files"
        await asyncio.sleep(0.05)
