"""Lanner as separate processes on one PostgreSQL: a webserver, two executors, two schedulers
and three workers (one serving the ``gpu`` worker group). 1,000 executions of a 3-task flow run while a
worker holding running tasks and an executor are killed with ``kill -9``; then every
component's database connections are terminated by the server; then a worker is stopped with
SIGTERM mid-task. Nothing is lost or stuck, lost attempts are recorded and resubmitted within
the configured timeout, and two schedulers fire each tick of a per-second schedule once.

The processes start together (a few seconds of imports each) and are shared by the tests of
this module, which run in order.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from lanner.models.state import State

from ..cli._process import cli_env
from .cluster import PG_URL, Cluster, poll

pytestmark = pytest.mark.postgres

DEAD_AFTER = 3.0
HEARTBEAT = 0.5
EXECUTIONS = 1000
#: multiples of this fail on purpose (their expected end is FAILED, without retries)
FAIL_EVERY = 25

WORK = """
id: work
namespace: test.ha
inputs:
  - id: n
    type: STRING
tasks:
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "{{ inputs.n }}" >> SHELL_EFFECTS
      - sleep 0.3
      - test $(( {{ inputs.n }} % FAIL_EVERY )) -ne 0
  - id: py
    type: io.kestra.plugin.scripts.python.Script
    script: |
      with open("PY_EFFECTS", "a") as effects:
          effects.write("{{ inputs.n }}\\n")
  - id: gpu
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n }}"
    workerGroup:
      key: gpu
"""

SLOW = """
id: slow
namespace: test.ha
inputs:
  - id: n
    type: STRING
tasks:
  - id: long
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "{{ inputs.n }}" >> SLOW_EFFECTS
      - sleep 3
"""

TICK = """
id: tick
namespace: test.ha.schedule
triggers:
  - id: every_second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
    recoverMissedSchedules: NONE
tasks:
  - id: noop
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.date }}"
"""


def _pg_reachable() -> bool:
    try:
        with psycopg.connect(PG_URL, connect_timeout=5):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not _pg_reachable():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"PostgreSQL unreachable at {PG_URL}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}")
    root = tmp_path_factory.mktemp("ha")
    schema = f"lanner_ha_{uuid.uuid4().hex[:10]}"
    env = {
        "LANNER_DATABASE_URL": PG_URL,
        "LANNER_DATABASE_SCHEMA": schema,
        "LANNER_STORAGE_DIR": str(root / "storage"),  # what an object store is to several hosts
        "LANNER_WORKER_DEAD_AFTER": str(DEAD_AFTER),
        "LANNER_WORKER_HEARTBEAT_INTERVAL": str(HEARTBEAT),
        "LANNER_WORKER_THREADS": "16",
        "LANNER_EXECUTOR_IDLE_POLL": "0.5",
        "LANNER_SCHEDULER_POLL": "0.5",
        "LANNER_LOG_LEVEL": "WARNING",
    }
    cluster = Cluster(root, schema, {**cli_env(), **env})
    try:
        cluster.start("web", "webserver")
        cluster.start("exec1", "executor")
        cluster.start("exec2", "executor")
        cluster.start("sched1", "scheduler")
        cluster.start("sched2", "scheduler")
        cluster.start("w1", "worker")
        # a second of grace: its 4-second tasks are handed back when it is stopped
        cluster.start("w2", "worker", LANNER_WORKER_SHUTDOWN_GRACE="1")
        cluster.start("gpu", "worker", "--worker-group", "gpu", "--threads", "4")
        cluster.wait_ready()
        yield cluster
    finally:
        cluster.stop_all()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _lines(path: Path) -> set[str]:
    return set(path.read_text().split()) if path.exists() else set()


@pytest.mark.timeout(600)
def test_kill9_of_a_worker_and_an_executor_loses_nothing(cluster: Cluster) -> None:
    shell_effects, py_effects = cluster.root / "shell.txt", cluster.root / "py.txt"
    cluster.deploy(TICK)
    source = WORK.replace("SHELL_EFFECTS", str(shell_effects)).replace("PY_EFFECTS", str(py_effects))
    cluster.deploy(source.replace("FAIL_EVERY", str(FAIL_EVERY)))
    ids = cluster.submit_many("test.ha", "work", range(1, EXECUTIONS + 1))

    w1, exec1 = cluster.components["w1"], cluster.components["exec1"]
    # mid-run: the worker once a quarter of the executions has ended, the executor at half
    poll(lambda: cluster.unfinished("test.ha") <= EXECUTIONS * 3 // 4, 300, "a quarter of the executions to end")
    poll(lambda: cluster.running_jobs_of(w1) >= 3, 60, "worker w1 to hold running tasks")
    killed_at = time.time()
    w1.kill9()
    poll(lambda: cluster.unfinished("test.ha") <= EXECUTIONS // 2, 300, "half of the executions to end")
    exec1.kill9()
    poll(lambda: cluster.unfinished("test.ha") == 0, 300, "every execution to end")

    found = cluster.executions(list(ids.values()))
    shell_done, py_done = _lines(shell_effects), _lines(py_effects)
    resubmitted: list[float] = []
    for n, execution_id in ids.items():
        item = found[execution_id]
        runs = {run.task_id: run for run in item.task_runs}
        assert len(runs) == len(item.task_runs), f"{n}: a task ran as two task runs"
        assert str(n) in shell_done  # every task's effect happened at least once
        if n % FAIL_EVERY == 0:
            assert item.execution.state == State.FAILED, n
            assert runs["shell"].state == State.FAILED and set(runs) == {"shell"}
        else:
            assert item.execution.state == State.SUCCESS, (n, {t: r.state for t, r in runs.items()})
            assert str(n) in py_done
            assert runs["gpu"].outputs == {"value": str(n)}
            assert all(a.worker_id and f"-{cluster.components['gpu'].pid}-" in a.worker_id for a in runs["gpu"].attempts)
        for run in item.task_runs:
            lost = [a for a in run.attempts if a.error and "worker lost" in a.error]
            if lost:
                # the lost attempt is recorded, the next one ran elsewhere
                assert f"-{w1.pid}-" in (lost[0].worker_id or ""), run.attempts
                again = run.attempts[lost[0].number]  # attempts are numbered from 1
                assert f"-{w1.pid}-" not in (again.worker_id or "")
                resubmitted.append(again.history[0].date.timestamp() - killed_at)
    assert resubmitted, "w1 held no running task when it was killed: recovery was not exercised"
    # declared dead after DEAD_AFTER of silence, looked for every DEAD_AFTER / 5: resubmitted
    # within 1.2 x DEAD_AFTER of its last heartbeat (plus a claim on this busy 2-core machine)
    assert max(resubmitted) < DEAD_AFTER * 1.2 + HEARTBEAT + 3.0, sorted(resubmitted)


def test_two_schedulers_fire_each_second_once(cluster: Cluster) -> None:
    # the schedule was deployed by the first test; it has fired for a while, across the kills
    def ticks() -> list[str]:
        rows = cluster.sql("SELECT data FROM executions WHERE namespace = 'test.ha.schedule'")
        return [str(row[0]["trigger"]["variables"]["date"]) for row in rows]

    def span() -> float:
        dates = [datetime.fromisoformat(date).timestamp() for date in ticks()]
        return max(dates) - min(dates) if dates else 0.0

    # 60 s of ticks (the 1,000-execution test before this one usually covers them already)
    poll(lambda: span() >= 60, 90, "sixty seconds of ticks")
    fired = ticks()
    assert len(fired) == len(set(fired)), sorted(fired)  # never twice
    seconds = sorted(int(datetime.fromisoformat(date).timestamp()) for date in fired)
    assert seconds == list(range(seconds[0], seconds[-1] + 1)), seconds  # never skipped


def test_components_carry_on_after_their_connections_are_terminated(cluster: Cluster) -> None:
    alive = [c for c in cluster.components.values() if c.alive()]
    assert cluster.terminate_backends(alive) >= len(alive)  # each had a pool or LISTEN connection
    before = cluster.sql("SELECT count(*) FROM executions WHERE namespace = 'test.ha.schedule'")[0][0]
    ids = cluster.submit_many("test.ha", "work", range(1001, 1021))
    poll(lambda: cluster.unfinished("test.ha") == 0, 60, "the executions submitted after the cut to end")
    found = cluster.executions(list(ids.values()))
    assert {item.execution.state for item in found.values()} == {State.SUCCESS}
    # the schedulers, too, are back
    poll(
        lambda: cluster.sql("SELECT count(*) FROM executions WHERE namespace = 'test.ha.schedule'")[0][0] > before + 1,
        30,
        "ticks after the cut",
    )
    assert all(c.alive() for c in alive)


def test_sigterm_of_a_worker_mid_task_hands_its_tasks_back(cluster: Cluster) -> None:
    effects = cluster.root / "slow.txt"
    cluster.deploy(SLOW.replace("SLOW_EFFECTS", str(effects)))
    w2 = cluster.components["w2"]
    ids = cluster.submit_many("test.ha", "slow", range(1, 5))
    poll(lambda: cluster.running_jobs_of(w2) == 4, 60, "worker w2 to run the slow tasks")
    earlier = len(w2.proc.stderr_so_far())
    w2.proc.send(signal.SIGTERM)
    result = w2.proc.result(30)  # ends after its one-second grace, not after the tasks
    assert result.code in (0, -signal.SIGTERM), result.describe()  # uvicorn ends by the signal it got
    assert "Traceback" not in result.stderr[earlier:], result.describe()
    assert cluster.running_jobs_of(w2) == 0  # handed back, not left for a timeout
    cluster.start("w4", "worker")  # the only default-group worker left
    poll(lambda: cluster.unfinished("test.ha") == 0, 60, "the slow executions to end")
    found = cluster.executions(list(ids.values()))
    for item in found.values():
        assert item.execution.state == State.SUCCESS
        [run] = item.task_runs
        first, second = run.attempts
        assert first.state == State.FAILED and f"-{w2.pid}-" in (first.worker_id or "")
        assert second.state == State.SUCCESS
        assert any("handed back: the worker stopped" in line for line in cluster.logs(item.execution.id))
    assert _lines(effects) == {"1", "2", "3", "4"}
