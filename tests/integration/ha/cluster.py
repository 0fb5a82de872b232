"""Lanner components as separate OS processes on one PostgreSQL schema, for the HA tests.

Each component is a real ``lanner server <component>`` process (the installed console
script) with its own data folder; they share the database schema and the internal storage
folder, as components on several hosts share a database and an object store.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg

from lanner.models.state import State
from lanner.storage.ports import ClaimedExecution
from lanner.storage.sql import create_store

from ..cli._process import Proc, poll_until, start
from ..cli.test_server import free_port

__all__ = ["PG_URL", "Cluster", "Component", "backend_ports"]

PG_URL = os.environ.get("LANNER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
_PG_PORT = 5432


@dataclass
class Component:
    """One running component process."""

    name: str
    kind: str
    port: int
    proc: Proc

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.popen.poll() is None

    def ready(self) -> bool:
        assert self.alive(), f"{self.name} exited:\n{self.proc.result(0).describe()}"
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def kill9(self) -> None:
        """``kill -9`` of the process and of the task processes it started."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.popen.wait(10)

    @property
    def worker_pattern(self) -> str:
        """SQL LIKE pattern of the worker id of this process (``host-pid-random``)."""
        return f"%-{self.pid}-%"


@dataclass
class Cluster:
    root: Path
    schema: str
    env: dict[str, str]
    components: dict[str, Component] = field(default_factory=dict)
    #: the database the test reads (the components' own is ``env["LANNER_DATABASE_URL"]``)
    database_url: str = PG_URL

    def start(self, name: str, kind: str, *args: str, wrapper: Sequence[str] = (), **env: str) -> Component:
        """Start ``lanner server <kind>``; ``wrapper`` runs it through a command that ``exec``s it,
        such as ``ip netns exec NAME`` (another host's network)."""
        port = free_port()
        command = ["server", kind, "--port", str(port), "--data-dir", str(self.root / name)]
        folder = self.root / "logs" / name
        proc = start(*command, *args, cwd=self.root, folder=folder, env={**self.env, **env}, wrapper=wrapper)
        component = Component(name, kind, port, proc)
        self.components[name] = component
        return component

    def wait_ready(self, names: Iterable[str] | None = None, timeout: float = 60) -> None:
        waiting = [self.components[name] for name in (names or self.components)]
        poll_until(lambda: all(c.ready() for c in waiting), timeout, "every component to answer /health", interval=0.2)

    @property
    def api(self) -> str:
        return f"{self.components['web'].url}/api/v1"

    def stop_all(self) -> None:
        for component in self.components.values():
            component.proc.stop()

    def deploy(self, source: str) -> None:
        """Create or update a flow through the webserver's API."""
        response = httpx.post(f"{self.api}/flows", content=source, headers={"Content-Type": "application/x-yaml"}, timeout=30)
        assert response.status_code == 200, response.text

    def submit_many(self, namespace: str, flow_id: str, numbers: Iterable[int], threads: int = 8) -> dict[int, str]:
        """One execution per number (input ``n``), submitted concurrently: ``{n: execution id}``."""
        numbers = list(numbers)
        limits = httpx.Limits(max_connections=threads)
        with httpx.Client(limits=limits) as client, ThreadPoolExecutor(threads) as pool:
            ids = pool.map(lambda n: submit(self.api, namespace, flow_id, {"n": str(n)}, client=client), numbers)
            return dict(zip(numbers, ids, strict=True))

    def unfinished_task_runs(self, namespace: str) -> list[tuple[str, str, str]]:
        """``(execution id, task id, state)`` of the task runs of ``namespace`` not in a terminal state."""
        terminal = [state.value for state in State if state.is_terminal]
        return [
            (str(execution_id), str(task_id), str(state))
            for execution_id, task_id, state in self.sql(
                "SELECT r.execution_id, r.task_id, r.state FROM task_runs r JOIN executions e ON e.id = r.execution_id"
                " WHERE e.namespace = %s AND NOT (r.state = ANY(%s))",
                namespace,
                terminal,
            )
        ]

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{self.schema}"')
            return list(conn.execute(query, params).fetchall())

    def running_jobs_of(self, component: Component) -> int:
        rows = self.sql("SELECT count(*) FROM worker_jobs WHERE worker_id LIKE %s", component.worker_pattern)
        return int(rows[0][0])

    def unfinished(self, namespace: str) -> int:
        terminal = [state.value for state in State if state.is_terminal]
        rows = self.sql("SELECT count(*) FROM executions WHERE namespace = %s AND NOT (state = ANY(%s))", namespace, terminal)
        return int(rows[0][0])

    def executions(self, ids: list[str]) -> dict[str, ClaimedExecution]:
        """The executions with their task runs, read through Lanner's own store."""

        async def read() -> dict[str, ClaimedExecution]:
            store = create_store(self.database_url, schema=self.schema, pool_size=2)
            try:
                found = {}
                for execution_id in ids:
                    item = await store.get_execution(execution_id)
                    assert item is not None, execution_id
                    found[execution_id] = item
                return found
            finally:
                await store.close()

        return asyncio.run(read())

    def logs(self, execution_id: str) -> list[str]:
        return [row[0] for row in self.sql("SELECT message FROM logs WHERE execution_id = %s", execution_id)]

    def terminate_backends(self, components: Iterable[Component]) -> int:
        """``pg_terminate_backend`` of every database connection of these processes (pool and
        LISTEN connections), found by the client ports their sockets use."""
        server_port = urlsplit(self.database_url).port or _PG_PORT
        ports = sorted({port for c in components for port in backend_ports(c.pid, server_port)})
        rows = self.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = ANY(%s) AND pid <> pg_backend_pid()",
            ports,
        )
        return sum(1 for (done,) in rows if done)


def submit(
    api: str, namespace: str, flow_id: str, inputs: dict[str, str], retries: int = 20, client: httpx.Client | None = None
) -> str:
    """Create an execution through the API; a 503 (database briefly away) is retried, as a client would.

    ``client``: a shared one (its connections are kept); each call of ``httpx.post`` builds a new
    client, and its TLS context costs tens of milliseconds of the test's CPU."""
    post = client.post if client is not None else httpx.post
    for _ in range(retries):
        response = post(f"{api}/executions/{namespace}/{flow_id}", data=inputs, timeout=30)
        if response.status_code != 503:
            assert response.status_code == 200, response.text
            return str(response.json()["id"])
        time.sleep(0.1)
    raise AssertionError(f"the API kept answering 503: {response.text}")


def backend_ports(pid: int, server_port: int = _PG_PORT) -> set[int]:
    """Local TCP ports of ``pid``'s connections to PostgreSQL at ``server_port`` (Linux ``/proc``)."""
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            parts = line.split()
            local, remote, inode = parts[1], parts[2], parts[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == server_port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def poll(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    return poll_until(condition, timeout, what, interval=0.1)
