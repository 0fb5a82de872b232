"""Workers on other hosts: two network namespaces (``netns.py``), each a host with its own
address and host name, run a worker that reaches the private PostgreSQL (``private_pg.py``)
over its veth link, while the webserver and the executor run in the root namespace.

Tasks run on those hosts (attempts record the worker id ``<hostname>-<pid>-…``, the
``workers`` table the host name, PostgreSQL sees the hosts' addresses); cutting one host's
link while it runs tasks gets them resubmitted to the other host's worker within the
configured timeout, and every execution ends in SUCCESS.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest

from lanner.models.state import State

from ..cli._process import cli_env
from .cluster import Cluster, Component, poll
from .netns import NetHost, NetnsUnavailable, in_namespace, net_hosts
from .private_pg import PrivatePostgres

pytestmark = pytest.mark.postgres

DEAD_AFTER = 3.0
HEARTBEAT = 0.5

WHERE = """
id: where
namespace: test.netns
inputs:
  - id: n
    type: STRING
tasks:
  - id: where
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "{{ inputs.n }} $(hostname)" >> EFFECTS
      - sleep SLEEP
"""


class Hosts:
    def __init__(self, cluster: Cluster, hosts: list[NetHost], workers: list[Component]) -> None:
        self.cluster = cluster
        self.hosts = hosts
        self.workers = workers


@pytest.fixture(scope="module")
def remote(private_pg: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    with ExitStack() as cleanup:
        try:
            hosts = cleanup.enter_context(net_hosts(2))
        except NetnsUnavailable as exc:
            pytest.skip(f"no network namespaces here: {exc}")
        private_pg.listen_also([h.host_address for h in hosts], [h.subnet for h in hosts])
        cleanup.callback(private_pg.extra_listen.clear)  # the addresses go with the namespaces
        root = tmp_path_factory.mktemp("netns")
        schema = f"lanner_netns_{uuid.uuid4().hex[:10]}"
        env = {
            "LANNER_DATABASE_URL": private_pg.url(),
            "LANNER_DATABASE_SCHEMA": schema,
            "LANNER_STORAGE_DIR": str(root / "storage"),  # shared, as an object store would be
            "LANNER_WORKER_DEAD_AFTER": str(DEAD_AFTER),
            "LANNER_WORKER_HEARTBEAT_INTERVAL": str(HEARTBEAT),
            "LANNER_WORKER_THREADS": "4",
            "LANNER_EXECUTOR_IDLE_POLL": "0.5",
            "LANNER_LOG_LEVEL": "WARNING",
        }
        cluster = Cluster(root, schema, {**cli_env(), **env}, database_url=private_pg.url())
        cleanup.callback(_drop_schema, private_pg, schema, [h.address for h in hosts])
        cleanup.callback(cluster.stop_all)
        cluster.start("web", "webserver")
        cluster.start("exec", "executor")
        workers = [
            cluster.start(f"w{i}", "worker", wrapper=host.wrapper, LANNER_DATABASE_URL=private_pg.url(host.host_address))
            for i, host in enumerate(hosts)
        ]
        cluster.wait_ready(["web", "exec"])  # the workers' /health answers in their own namespaces
        poll(lambda: all(_registered(cluster, w) for w in workers), 60, "the workers on the other hosts to register")
        yield Hosts(cluster, hosts, workers)


def _drop_schema(private_pg: PrivatePostgres, schema: str, addresses: list[str]) -> None:
    with psycopg.connect(private_pg.url(), autocommit=True) as conn:
        # The server never hears that a cut-off host's connections are gone (no FIN, no RST;
        # keepalives go unanswered for hours): a transaction open at the cut keeps its locks,
        # and DROP SCHEMA would wait for them.
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE host(client_addr) = ANY(%s)", (addresses,))
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _registered(cluster: Cluster, worker: Component) -> bool:
    assert worker.alive(), f"{worker.name} exited:\n{worker.proc.result(0).describe()}"
    return bool(cluster.sql("SELECT 1 FROM workers WHERE id LIKE %s AND NOT dead", worker.worker_pattern))


def _unclaimed(cluster: Cluster) -> int:
    return int(cluster.sql("SELECT count(*) FROM worker_jobs WHERE worker_id IS NULL")[0][0])


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_tasks_run_on_the_workers_of_other_hosts(remote: Hosts) -> None:
    cluster, hosts, workers = remote.cluster, remote.hosts, remote.workers
    for host, worker in zip(hosts, workers, strict=True):
        assert in_namespace(worker.pid) == host.network_namespace() != in_namespace(os.getpid())
    effects = cluster.root / "where.txt"
    cluster.deploy(WHERE.replace("EFFECTS", str(effects)).replace("SLEEP", "0.2"))
    ids = cluster.submit_many("test.netns", "where", range(1, 21))
    poll(lambda: cluster.unfinished("test.netns") == 0, 60, "the executions to end")

    found = cluster.executions(list(ids.values()))
    by_host = {f"{h.hostname}-{w.pid}-": h.hostname for h, w in zip(hosts, workers, strict=True)}
    ran_on: dict[str, str] = {}
    for n, execution_id in ids.items():
        item = found[execution_id]
        assert item.execution.state == State.SUCCESS, n
        [run] = item.task_runs
        [attempt] = run.attempts
        # the worker id is "<hostname>-<pid>-<random>": one of the namespaced workers ran it
        [hostname] = [name for prefix, name in by_host.items() if (attempt.worker_id or "").startswith(prefix)]
        ran_on[str(n)] = hostname
    # the task's own process ran there too: it wrote the host name of the worker that ran it
    assert dict(line.split() for line in _lines(effects)) == ran_on
    rows = cluster.sql("SELECT hostname FROM workers")
    assert sorted(row[0] for row in rows) == sorted(h.hostname for h in hosts)
    # and PostgreSQL was reached from the hosts' addresses
    seen = {str(row[0]) for row in cluster.sql("SELECT DISTINCT client_addr FROM pg_stat_activity WHERE client_addr IS NOT NULL")}
    assert {h.address for h in hosts} <= seen, seen


def test_a_host_cut_off_the_network_has_its_tasks_resubmitted(remote: Hosts) -> None:
    cluster, (cut, kept), (lost_worker, other) = remote.cluster, remote.hosts, remote.workers
    effects = cluster.root / "slow.txt"
    cluster.deploy(WHERE.replace("id: where", "id: slow", 1).replace("EFFECTS", str(effects)).replace("SLEEP", "2"))
    # each worker runs 4 tasks at a time: of 6, the host cut off holds 2 at least, and the other's
    # end (2 s) before the one cut off is declared dead (3 s), so it can take them over at once
    ids = cluster.submit_many("test.netns", "slow", range(1, 7))
    # cut once every job is claimed: the host is running tasks, not in the middle of a claim (a
    # claim cut between its SELECT … FOR UPDATE and its COMMIT keeps its jobs locked; see
    # docs/deployment.md)
    poll(
        lambda: cluster.running_jobs_of(lost_worker) >= 1 and not _unclaimed(cluster),
        60,
        f"the worker on {cut.hostname} to run tasks, and every job to be claimed",
    )
    cut_at = time.time()
    cut.cut()
    poll(lambda: cluster.unfinished("test.netns") == 0, 60, "every execution to end after the cut")

    found = cluster.executions(list(ids.values()))
    resubmitted = []
    for n, execution_id in ids.items():
        item = found[execution_id]
        assert item.execution.state == State.SUCCESS, n
        [run] = item.task_runs
        lost = [a for a in run.attempts if a.error and "worker lost" in a.error]
        if lost:
            assert (lost[0].worker_id or "").startswith(f"{cut.hostname}-{lost_worker.pid}-"), run.attempts
            again = run.attempts[lost[0].number]  # attempts are numbered from 1
            assert (again.worker_id or "").startswith(f"{kept.hostname}-{other.pid}-"), run.attempts
            assert again.state == State.SUCCESS
            resubmitted.append(again.history[0].date.timestamp() - cut_at)
    assert resubmitted, f"{cut.hostname} held no running task when its link was cut"
    # declared dead after DEAD_AFTER without a heartbeat: resubmitted within the timeout (plus a
    # claim on this busy 2-core machine), as for a killed worker (test_cluster.py)
    assert max(resubmitted) < DEAD_AFTER * 1.2 + HEARTBEAT + 3.0, sorted(resubmitted)
    assert {line.split()[0] for line in _lines(effects)} == {str(n) for n in ids}  # every effect, at least once
    assert lost_worker.alive()  # cut off, not dead: the cluster went on without it
