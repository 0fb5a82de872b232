"""PostgreSQL restarts in the middle of a run: a webserver, an executor and two workers as
separate processes on a private PostgreSQL cluster (``private_pg.py``: the machine's shared
server is never restarted), while executions run tasks of up to two seconds.

``pg_ctl restart -m fast`` (clients disconnected, clean shutdown) and ``-m immediate`` (every
server process killed: a crash, recovered from the WAL): no execution is lost or stuck, no
task run is left unfinished, no component exits (each reconnects by itself), and executions
submitted after the restart run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from lanner.models.state import State

from ..cli._process import cli_env
from .cluster import Cluster, poll
from .private_pg import PrivatePostgres

pytestmark = pytest.mark.postgres

EXECUTIONS = 30

NAP = """
id: nap
namespace: NAMESPACE
inputs:
  - id: n
    type: STRING
tasks:
  - id: nap
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - sleep $(( {{ inputs.n }} % 3 ))
      - echo "{{ inputs.n }}" >> EFFECTS
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n }}"
"""


@pytest.fixture(scope="module")
def cluster(private_pg: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("pg-restart")
    schema = f"lanner_restart_{uuid.uuid4().hex[:10]}"
    env = {
        "LANNER_DATABASE_URL": private_pg.url(),
        "LANNER_DATABASE_SCHEMA": schema,
        "LANNER_STORAGE_DIR": str(root / "storage"),
        "LANNER_WORKER_DEAD_AFTER": "3",
        "LANNER_WORKER_HEARTBEAT_INTERVAL": "0.5",
        "LANNER_WORKER_THREADS": "8",
        "LANNER_EXECUTOR_IDLE_POLL": "0.5",
        "LANNER_LOG_LEVEL": "WARNING",
    }
    cluster = Cluster(root, schema, {**cli_env(), **env}, database_url=private_pg.url())
    try:
        cluster.start("web", "webserver")
        cluster.start("exec", "executor")
        cluster.start("w1", "worker")
        cluster.start("w2", "worker")
        cluster.wait_ready()
        yield cluster
    finally:
        cluster.stop_all()
        with psycopg.connect(private_pg.url(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _lines(path: Path) -> set[str]:
    return set(path.read_text().split()) if path.exists() else set()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_postgresql_restart_mid_run_loses_nothing(cluster: Cluster, private_pg: PrivatePostgres, mode: str) -> None:
    namespace = f"test.pgrestart.{mode}"
    effects = cluster.root / f"{mode}.txt"
    cluster.deploy(NAP.replace("NAMESPACE", namespace).replace("EFFECTS", str(effects)))
    ids = cluster.submit_many(namespace, "nap", range(1, EXECUTIONS + 1))
    poll(
        lambda: cluster.sql("SELECT count(*) FROM worker_jobs WHERE worker_id IS NOT NULL")[0][0] >= 4,
        60,
        "the workers to run tasks",
    )
    private_pg.restart(mode)  # returns once the server accepts connections again

    poll(lambda: cluster.unfinished(namespace) == 0, 90, "every execution to end after the restart")
    found = cluster.executions(list(ids.values()))
    for n, execution_id in ids.items():
        item = found[execution_id]
        states = {run.task_id: run.state for run in item.task_runs}
        assert item.execution.state == State.SUCCESS, (n, states)
        assert states == {"nap": State.SUCCESS, "done": State.SUCCESS}, n
        assert next(run for run in item.task_runs if run.task_id == "done").outputs == {"value": str(n)}
    assert _lines(effects) == {str(n) for n in ids}  # every task's effect happened
    assert cluster.sql("SELECT count(*) FROM executions WHERE namespace = %s", namespace)[0][0] == len(ids)
    assert cluster.unfinished_task_runs(namespace) == []
    assert cluster.sql("SELECT count(*) FROM worker_jobs")[0][0] == 0  # no job left claimed or queued
    exited = [c.name for c in cluster.components.values() if not c.alive()]
    assert exited == [], f"components exited instead of reconnecting: {exited}"

    # and the cluster goes on: executions submitted after the restart run
    after = cluster.submit_many(namespace, "nap", range(101, 106))
    poll(lambda: cluster.unfinished(namespace) == 0, 60, "the executions submitted after the restart to end")
    assert {item.execution.state for item in cluster.executions(list(after.values())).values()} == {State.SUCCESS}
