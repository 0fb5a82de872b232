"""Lanner as separate OS processes on a fresh PostgreSQL schema, for the multi-process sections.

The processes are started by the HA tests' launcher (``tests/integration/ha/cluster.py``:
real ``lanner server <component>`` processes, each in its own session, output to files). The
benchmark process itself runs no component: it creates executions through Lanner's store (an
``Engine`` that is never started, so the same group-committed inserts as the API's) and reads
the stored timestamps afterwards.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from tests.integration.cli._process import cli_env
from tests.integration.ha.cluster import Cluster, Component

from lanner.engine.engine import Engine, EngineOptions
from lanner.models.ids import new_id
from lanner.models.state import State
from lanner.storage.files import LocalFileStorage
from lanner.storage.sql import create_store

__all__ = ["NAMESPACE", "BenchCluster", "bench_cluster", "pg_url"]

NAMESPACE = "bench"
TERMINAL = [state.value for state in State if state.is_terminal]


def pg_url() -> str:
    return os.environ.get("LANNER_BENCH_DATABASE_URL") or os.environ.get(
        "LANNER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )


@dataclass
class BenchCluster:
    """The processes, the schema they share and a submitter (an engine that is never started)."""

    cluster: Cluster
    url: str
    submitter: Engine | None = None
    _conn: psycopg.Connection[Any] | None = None

    @property
    def schema(self) -> str:
        return self.cluster.schema

    async def start(self, *specs: tuple[str, str], **env: str) -> list[Component]:
        """Start ``(name, kind)`` components together and wait until each answers /health."""
        started = [self.cluster.start(name, kind, **env) for name, kind in specs]
        await asyncio.to_thread(self.cluster.wait_ready, [name for name, _ in specs], 120)
        return started

    async def connect(self) -> Engine:
        """The submitter, once a component has created the schema."""
        if self.submitter is None:
            store = create_store(self.url, schema=self.schema, pool_size=4)
            root = self.cluster.root / "submitter"
            self.submitter = Engine(
                store,
                LocalFileStorage(root / "storage"),
                EngineOptions(work_root=root / "work", run_executor=False, run_worker=False, run_scheduler=False),
            )
        return self.submitter

    async def deploy(self, source: str) -> None:
        """Through the webserver's API, as a user would."""
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(
                f"{self.cluster.api}/flows", content=source, headers={"Content-Type": "application/x-yaml"}
            )
        if response.status_code != 200:
            raise RuntimeError(f"deploying the benchmark flow failed: {response.status_code} {response.text}")

    async def submit(self, flow_id: str, count: int) -> list[str]:
        """``count`` executions created concurrently (grouped into few transactions)."""
        engine = await self.connect()
        created = await asyncio.gather(*(engine.submit(NAMESPACE, flow_id) for _ in range(count)))
        return [execution.id for execution in created]

    def ended(self) -> int:
        """Executions of the schema in a terminal state."""
        return int(self.sql("SELECT count(*) FROM executions WHERE state = ANY(%s)", TERMINAL)[0][0])

    def unfinished(self) -> int:
        """Executions of the schema not in a terminal state (cheaper to ask than about a list of ids)."""
        return int(self.sql("SELECT count(*) FROM executions WHERE NOT (state = ANY(%s))", TERMINAL)[0][0])

    async def wait_ended(self, ids: list[str], timeout: float, interval: float = 0.05) -> None:
        """Until no execution of the schema is unfinished (one count query per ``interval``);
        then check that those of ``ids`` succeeded."""
        deadline = time.monotonic() + timeout
        while (left := await asyncio.to_thread(self.unfinished)) > 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{left} executions still unfinished after {timeout}s")
            await asyncio.sleep(interval)
        rows = self.sql("SELECT state, count(*) FROM executions WHERE id = ANY(%s) GROUP BY state", ids)
        states = {state: int(n) for state, n in rows}
        if states.get(State.SUCCESS.value) != len(ids):
            raise RuntimeError(f"not every benchmark execution succeeded: {states}")

    async def wait_one_ended(self, execution_id: str, timeout: float, interval: float = 0.005) -> None:
        """Until this execution ends (a primary-key read per ``interval``: polling every few
        milliseconds must not load the database being measured, as counting the unfinished
        executions of the whole schema would); it must have succeeded."""
        deadline = time.monotonic() + timeout
        while (state := await asyncio.to_thread(self.state_of, execution_id)) not in TERMINAL:
            if time.monotonic() > deadline:
                raise RuntimeError(f"execution {execution_id} still {state} after {timeout}s")
            await asyncio.sleep(interval)
        if state != State.SUCCESS.value:
            raise RuntimeError(f"benchmark execution {execution_id} ended {state}")

    def state_of(self, execution_id: str) -> str | None:
        rows = self.sql("SELECT state FROM executions WHERE id = %s", execution_id)
        return str(rows[0][0]) if rows else None

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """On one connection kept open (polling must not cost a connection per query)."""
        if self._conn is None:
            self._conn = psycopg.connect(self.url, autocommit=True)
            self._conn.execute(f'SET search_path TO "{self.schema}"')
        return list(self._conn.execute(query, params).fetchall())

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def stored(self, ids: list[str]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Each execution's stored data with its task runs' data, in task-run order."""
        runs: dict[str, list[dict[str, Any]]] = {execution_id: [] for execution_id in ids}
        for execution_id, data in self.sql(
            "SELECT execution_id, data FROM task_runs WHERE execution_id = ANY(%s) ORDER BY execution_id, seq", ids
        ):
            runs[execution_id].append(data)
        executions = self.sql("SELECT id, data FROM executions WHERE id = ANY(%s)", ids)
        return [(data, runs[execution_id]) for execution_id, data in executions]


def wall(moment: float) -> datetime:
    """A ``time.time()`` of this process as a stored (UTC) date."""
    return datetime.fromtimestamp(moment, UTC)


@asynccontextmanager
async def bench_cluster(**env: str) -> AsyncIterator[BenchCluster]:
    """A fresh schema and a folder for its processes; every process is killed and the schema
    dropped at the end. ``env``: ``LANNER_*`` settings of every component."""
    url = pg_url()
    schema = f"bench_{new_id()[:10].lower()}"
    with tempfile.TemporaryDirectory(prefix="lanner-bench-cluster-") as tmp:
        root = Path(tmp)
        settings = {
            "LANNER_DATABASE_URL": url,
            "LANNER_DATABASE_SCHEMA": schema,
            "LANNER_STORAGE_DIR": str(root / "storage"),  # what an object store is to several hosts
            "LANNER_LOG_LEVEL": "WARNING",
            **env,
        }
        bench = BenchCluster(Cluster(root, schema, {**cli_env(), **settings}), url)
        try:
            yield bench
        finally:
            bench.cluster.stop_all()
            bench.close()
            if bench.submitter is not None:
                await bench.submitter.store.close()
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
