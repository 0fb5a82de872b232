"""``workerGroup.fallback``: a task whose worker group no live worker serves waits, fails or is cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lanner.engine.engine import Engine
from lanner.engine.worker import Worker
from lanner.models.state import State

from ..harness import Harness


def _flow(fallback: str | None, flow_id: str = "grouped") -> str:
    line = f"\n      fallback: {fallback}" if fallback else ""
    return f"""
id: {flow_id}
namespace: test.groups
tasks:
  - id: before
    type: io.kestra.plugin.core.debug.Return
    format: first
  - id: on_gpu
    type: io.kestra.plugin.core.debug.Return
    format: "ran on gpu"
    workerGroup:
      key: gpu{line}
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ outputs.on_gpu.value }}}}"
"""


@pytest.fixture
async def gpu_worker(engine: Engine, tmp_path: Path) -> AsyncIterator[Worker]:
    """A second worker on the same store serving only the ``gpu`` group (not started)."""
    worker = Worker(
        engine.store,
        engine.files,
        engine.registry,
        engine.renderer,
        engine.secrets,
        engine.clock,
        work_root=tmp_path / "gpu-work",
        groups=["gpu"],
        heartbeat_interval=0.2,
        idle_poll=0.2,
    )
    stop = asyncio.Event()
    started: list[asyncio.Task[None]] = []

    async def start() -> None:
        await worker.register()
        started.append(asyncio.create_task(worker.run_forever(stop)))
        engine.executor.forget_worker_groups()

    worker.start_for_test = start  # type: ignore[attr-defined]
    yield worker
    stop.set()
    for task in started:
        await task


async def test_fail_fallback_fails_the_task_run_naming_the_group(harness: Harness) -> None:
    result = await harness.run(_flow("FAIL"))
    assert result.state == State.FAILED
    assert result.run("before").state == State.SUCCESS
    assert result.run("on_gpu").state == State.FAILED
    assert result.run("on_gpu").attempts == []
    assert result.runs("after") == []
    logs = await result.logs_when("on_gpu", lambda lines: any("worker group" in line for line in lines))
    assert any(line.startswith("ERROR") and "worker group 'gpu'" in line and "FAIL" in line for line in logs), logs


async def test_fail_fallback_with_allow_failure_ends_warning(harness: Harness) -> None:
    result = await harness.run("""
id: tolerant
namespace: test.groups
tasks:
  - id: on_gpu
    type: io.kestra.plugin.core.debug.Return
    format: never
    allowFailure: true
    workerGroup: {key: gpu, fallback: FAIL}
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: done
""")
    assert result.run("on_gpu").state == State.WARNING
    assert result.run("after").state == State.SUCCESS
    assert result.state == State.WARNING


async def test_cancel_fallback_cancels_the_task_run_and_kills_the_execution(harness: Harness) -> None:
    result = await harness.run(_flow("CANCEL"))
    assert result.state == State.KILLED
    assert result.run("on_gpu").state == State.CANCELLED
    assert result.runs("after") == []
    logs = await result.logs_when("on_gpu", lambda lines: any("worker group" in line for line in lines))
    assert any("worker group 'gpu'" in line and "CANCEL" in line for line in logs), logs


async def test_cancel_fallback_stops_the_running_siblings(harness: Harness) -> None:
    execution = await harness.start(
        """
id: cancel_parallel
namespace: test.groups
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: long
        type: io.kestra.plugin.scripts.shell.Commands
        commands: ["sleep 60"]
      - id: later
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: wait_a_bit
            type: io.kestra.plugin.core.debug.Return
            format: x
          - id: on_gpu
            type: io.kestra.plugin.core.debug.Return
            format: never
            workerGroup: {key: gpu, fallback: CANCEL}
"""
    )
    result = await harness.wait_until(execution.id, lambda r: r.state.is_terminal, timeout=30)
    assert result.state == State.KILLED
    assert result.run("on_gpu").state == State.CANCELLED
    assert result.run("long").state == State.KILLED


async def test_wait_is_the_default_and_a_worker_of_the_group_takes_the_task_later(harness: Harness, gpu_worker: Worker) -> None:
    execution = await harness.start(_flow(None))
    waiting = await harness.wait_until(execution.id, lambda r: bool(r.runs("on_gpu")))
    assert waiting.run("on_gpu").state == State.CREATED
    logs = await waiting.logs_when("on_gpu", lambda lines: any("worker group 'gpu'" in line for line in lines))
    assert any(line.startswith("WARN") and "worker group 'gpu'" in line and "WAIT" in line for line in logs), logs
    assert not waiting.state.is_terminal

    await gpu_worker.start_for_test()  # type: ignore[attr-defined]
    result = await harness.wait(execution.id, timeout=30)
    assert result.state == State.SUCCESS
    assert result.outputs("after") == {"value": "ran on gpu"}
    assert result.run("on_gpu").attempts[0].worker_id == gpu_worker.id


@pytest.mark.parametrize("fallback", ["FAIL", "CANCEL"])
async def test_a_served_group_runs_whatever_the_fallback(harness: Harness, gpu_worker: Worker, fallback: str) -> None:
    await gpu_worker.start_for_test()  # type: ignore[attr-defined]
    result = await harness.run(_flow(fallback), timeout=30)
    assert result.state == State.SUCCESS
    assert result.run("on_gpu").attempts[0].worker_id == gpu_worker.id
    assert not [line for line in await result.logs("on_gpu") if "worker group" in line]


async def test_a_worker_registers_every_group_it_serves(engine: Engine) -> None:
    await engine.store.register_worker("multi", "gpu,eu", "host")
    assert {"gpu", "eu"} <= await engine.store.live_worker_groups(60)
    await engine.store.unregister_worker("multi")
    assert not {"gpu", "eu"} & await engine.store.live_worker_groups(60)


async def test_a_restart_applies_the_fallback_again(harness: Harness, gpu_worker: Worker) -> None:
    failed = await harness.run(_flow("FAIL"))
    assert failed.run("on_gpu").state == State.FAILED

    await gpu_worker.start_for_test()  # type: ignore[attr-defined]
    await harness.engine.restart(failed.execution.id)
    result = await harness.wait_until(failed.execution.id, lambda r: r.state == State.SUCCESS)
    assert result.run("on_gpu").attempts[-1].worker_id == gpu_worker.id
    assert result.outputs("after") == {"value": "ran on gpu"}
