"""kill -9 of a running `lanner server local` mid-run, then a restart: nothing lost, nothing stuck.

The server is a real OS process on a real backend (SQLite file, or a PostgreSQL schema). Each
task appends to an effects file, so we can check every task's effect happened at least once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from lanner.engine.engine import Engine, EngineOptions
from lanner.models.state import State
from lanner.storage.files import LocalFileStorage
from lanner.storage.ports import Store

LANNER = str(Path(sys.executable).with_name("lanner"))

FLOW = """
id: crashy
namespace: test.crash
inputs:
  - id: tag
    type: STRING
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["1", "2", "3", "4", "5", "6", "7", "8"]
    concurrencyLimit: 3
    tasks:
      - id: work
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - echo "{{ inputs.tag }}-{{ taskrun.value }}" >> EFFECTS
          - sleep 0.2
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.tag }} done"
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(env: dict[str, str], data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [LANNER, "server", "local", "--port", str(_free_port()), "--data-dir", str(data_dir)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def _poll(condition: Callable[[], object], timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():  # type: ignore[misc]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_kill9_mid_run_then_restart_loses_nothing(store: Store, backend: object, tmp_path: Path) -> None:
    effects = tmp_path / "effects.txt"
    data_dir = tmp_path / "data"
    # the test process only submits and reads: its engine loops are not started
    submitter = Engine(store, LocalFileStorage(data_dir / "storage"), EngineOptions(work_root=tmp_path / "w"))
    stored = await submitter.deploy(FLOW.replace("EFFECTS", str(effects)))
    tags = [f"e{i}" for i in range(6)]
    ids = [(await submitter.submit(stored.namespace, stored.id, {"tag": tag})).id for tag in tags]

    env = {k: v for k, v in os.environ.items() if not k.startswith("LANNER_")}
    env["LANNER_DATABASE_URL"] = backend.url  # type: ignore[attr-defined]
    if backend.schema:  # type: ignore[attr-defined]
        env["LANNER_DATABASE_SCHEMA"] = backend.schema  # type: ignore[attr-defined]
    log = tmp_path / "server.log"

    async def some_running() -> bool:
        for execution_id in ids:
            found = await store.get_execution(execution_id)
            if found and any(r.state == State.RUNNING and r.task_id == "work" for r in found.task_runs):
                return True
        return False

    async def effects_at_least(n: int) -> bool:
        return effects.exists() and len(effects.read_text().splitlines()) >= n

    # two crashes at different moments, then a final run to completion
    for crash, threshold in enumerate((3, 15)):
        server = _start_server(env, data_dir, log)
        try:
            await _poll(lambda n=threshold: effects_at_least(n), 60, f"crash {crash}: {threshold} task effects")
            await _poll(some_running, 30, "a running task")
        finally:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)

    server = _start_server(env, data_dir, log)
    try:

        async def all_terminal() -> bool:
            for execution_id in ids:
                found = await store.get_execution(execution_id)
                if found is None or not found.execution.state.is_terminal:
                    return False
            return True

        await _poll(all_terminal, 120, "every execution to end")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise

    lines = set(effects.read_text().splitlines())
    resubmitted = 0
    for tag, execution_id in zip(tags, ids, strict=True):
        found = await store.get_execution(execution_id)
        assert found is not None
        assert found.execution.state == State.SUCCESS, (tag, {r.task_id + str(r.value): r.state for r in found.task_runs})
        works = [r for r in found.task_runs if r.task_id == "work"]
        assert sorted(r.value for r in works) == [str(i) for i in range(1, 9)]  # no duplicate task runs
        for run in works:
            assert f"{tag}-{run.value}" in lines  # the effect happened at least once
            if len(run.attempts) > 1:
                resubmitted += 1
                assert run.attempts[0].state == State.FAILED
                assert "worker lost" in (run.attempts[0].error or "")
    assert resubmitted >= 1, "the kills hit no running task: the test did not exercise recovery"
    assert "Traceback" not in log.read_text()
