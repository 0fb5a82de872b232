"""Engine benchmarks (``make bench``): prints one JSON document of figures.

W1  one flow of 40 sequential Return tasks: submit -> terminal state, per-task overhead.
W2  one flow of 200 parallel trivial tasks with a fan-in task.
W3  1,000 executions of a 3-task flow submitted at once (concurrently, as API calls
    would be): executions per second.
W10k  one execution of 10,000 task runs (a ForEach over 10,000 values): seconds to finish,
      and per task run.
webhook  webhook calls -> executions created, over HTTP from a separate load process
         (benchmarks/webhook.py): latency p50/p99/max and calls per second.
W3-multi  W3 on PostgreSQL with a webserver, an executor and 1, 2, 4 worker processes
          (benchmarks/multi_worker.py): executions per second, per-task overhead p50/p99.
backlog  10,000 executions stored while nothing runs, then drained by an executor and two
         worker processes (benchmarks/backlog.py): drain time, memory of every process.
ui  time to interactive in headless Chromium of the flows page with 10,000 flows and of the
    topology of a 500-task flow (tests/e2e/ui_bench.py; skipped without Chromium or a built UI).

Each runs on SQLite (a file in a temporary folder) and on PostgreSQL
(LANNER_BENCH_DATABASE_URL or LANNER_TEST_DATABASE_URL, in a throwaway schema).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from benchmarks.webhook import bench_webhooks
from lanner.engine.engine import Engine, EngineOptions
from lanner.models.ids import new_id
from lanner.models.state import State
from lanner.storage.files import LocalFileStorage
from lanner.storage.ports import ExecutionQuery
from lanner.storage.sql import create_store


def w1_flow(n: int = 40) -> str:
    tasks = "\n".join(f'  - id: t{i}\n    type: io.kestra.plugin.core.debug.Return\n    format: "{i}"' for i in range(n))
    return f"id: w1\nnamespace: bench\ntasks:\n{tasks}\n"


def w2_flow(n: int = 200) -> str:
    tasks = "\n".join(
        f'      - id: p{i}\n        type: io.kestra.plugin.core.debug.Return\n        format: "{i}"' for i in range(n)
    )
    return (
        "id: w2\nnamespace: bench\ntasks:\n  - id: fan_out\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
        f"{tasks}\n  - id: fan_in\n    type: io.kestra.plugin.core.debug.Return\n"
        f'    format: "{{{{ outputs.p0.value }}}}-{{{{ outputs.p{n - 1}.value }}}}"\n'
    )


W3_FLOW = """id: w3
namespace: bench
tasks:
  - id: a
    type: io.kestra.plugin.core.debug.Return
    format: a
  - id: b
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.a.value }}b"
  - id: c
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.b.value }}"
"""


def large_flow(n: int) -> str:
    return f"""id: w10k
namespace: bench
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{{{ range(0, {n - 1}) | list | toJson }}}}"
    concurrencyLimit: 0
    tasks:
      - id: r
        type: io.kestra.plugin.core.debug.Return
        format: "{{{{ taskrun.value }}}}"
"""


@asynccontextmanager
async def engine_on(backend: str, tmp: Path) -> AsyncIterator[Engine]:
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        url = os.environ.get("LANNER_BENCH_DATABASE_URL") or os.environ.get(
            "LANNER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        )
        schema = f"bench_{new_id()[:10].lower()}"
    store = create_store(url, schema=schema)
    await store.migrate()
    engine = Engine(
        store, LocalFileStorage(tmp / "storage"), EngineOptions(work_root=tmp / "work", worker_threads=64, executor_batch=128)
    )
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()
        if schema is not None:
            await store.drop_schema()  # type: ignore[attr-defined]
        await store.close()


async def timed_run(engine: Engine, flow_id: str) -> tuple[float, int]:
    started = time.perf_counter()
    execution = await engine.submit("bench", flow_id)
    final = await engine.wait(execution.id, timeout=1800, poll=0.5)
    elapsed = time.perf_counter() - started
    if final.execution.state != State.SUCCESS:
        raise RuntimeError(f"{flow_id} ended {final.execution.state}")
    return elapsed, len(final.task_runs)


async def wait_all(engine: Engine, flow_id: str, count: int, timeout: float = 600) -> None:
    """Until ``count`` executions of the flow ended (one count query every 20 ms, so that
    waiting costs the engine next to nothing), then check they all succeeded."""
    terminal = [state for state in State if state.is_terminal]
    deadline = time.perf_counter() + timeout
    while True:
        ended = await engine.store.search_executions(ExecutionQuery(namespace="bench", flow_id=flow_id, states=terminal, size=1))
        if ended.total >= count:
            break
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{flow_id}: {ended.total} of {count} executions ended after {timeout}s")
        await asyncio.sleep(0.02)
    succeeded = await engine.store.search_executions(
        ExecutionQuery(namespace="bench", flow_id=flow_id, states=[State.SUCCESS], size=1)
    )
    if succeeded.total != count:
        raise RuntimeError(f"{flow_id}: only {succeeded.total} of {count} executions succeeded")


async def bench_backend(backend: str, repeat: int, w3_count: int, large_count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lanner-bench-") as tmp:
        async with engine_on(backend, Path(tmp)) as engine:
            for source in (w1_flow(), w2_flow(), W3_FLOW):
                await engine.deploy(source)
            await timed_run(engine, "w1")  # warm-up: caches, connections
            w1 = [(await timed_run(engine, "w1"))[0] for _ in range(repeat)]
            w2 = [(await timed_run(engine, "w2"))[0] for _ in range(repeat)]
            started = time.perf_counter()
            ids = [e.id for e in await asyncio.gather(*(engine.submit("bench", "w3") for _ in range(w3_count)))]
            submitted = time.perf_counter() - started
            await wait_all(engine, "w3", len(ids))
            w3_total = time.perf_counter() - started
            large: float | None = None
            large_runs = 0
            if large_count:
                await engine.deploy(large_flow(large_count))
                large, large_runs = await timed_run(engine, "w10k")
    w1_median = statistics.median(w1)
    return {
        "W1_sequential_40": {"median_s": round(w1_median, 4), "per_task_ms": round(w1_median / 40 * 1000, 3), "runs": len(w1)},
        "W2_parallel_200": {
            "median_s": round(statistics.median(w2), 4),
            "per_task_ms": round(statistics.median(w2) / 201 * 1000, 3),
        },
        "W3_executions": {
            "count": w3_count,
            "total_s": round(w3_total, 3),
            "submit_s": round(submitted, 3),
            "executions_per_s": round(w3_count / w3_total, 1),
        },
        **(
            {
                "W10k_one_large_execution": {
                    "task_runs": large_runs,
                    "total_s": round(large, 2),
                    "per_task_run_ms": round(large / large_runs * 1000, 3),
                }
            }
            if large is not None
            else {}
        ),
    }


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--w3", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10_000, help="task runs of W10k (0: skip it)")
    parser.add_argument("--dbt", action=argparse.BooleanOptionalAction, default=True, help="dbt overhead (benchmarks/dbt.py)")
    parser.add_argument("--webhook", type=int, default=5000, help="calls per webhook run (0: skip it; benchmarks/webhook.py)")
    parser.add_argument(
        "--w3-multi", type=int, default=2000, help="executions per W3-multi run (0: skip it; benchmarks/multi_worker.py)"
    )
    parser.add_argument(
        "--backlog", type=int, default=10_000, help="executions of the backlog (0: skip it; benchmarks/backlog.py)"
    )
    parser.add_argument(
        "--scheduler-flows", type=int, default=5000, help="scheduled flows deployed (0: skip it; benchmarks/scheduler.py)"
    )
    parser.add_argument("--ui", action=argparse.BooleanOptionalAction, default=True, help="UI figures (tests/e2e/ui_bench.py)")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    results: dict[str, Any] = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}}
    for backend in backends:
        results[backend] = await bench_backend(backend, args.repeat, args.w3, args.large)
    if args.dbt:
        from benchmarks.dbt import bench_dbt

        results["dbt"] = await bench_dbt()
    if args.webhook:
        results["webhook"] = await bench_webhooks(backends, args.webhook)
    if args.w3_multi and "postgres" in backends:
        from benchmarks.multi_worker import bench_w3_multi  # imports this module: not at the top

        results["W3_multi_postgres"] = await bench_w3_multi(args.w3_multi)
    if args.backlog and "postgres" in backends:
        from benchmarks.backlog import bench_backlog

        results["backlog_postgres"] = await bench_backlog(args.backlog)
    if args.scheduler_flows:
        from benchmarks.scheduler import bench_scheduler  # imports this module: not at the top

        results["scheduler"] = await bench_scheduler(backends, args.scheduler_flows)
    if args.ui:
        try:
            from tests.e2e.ui_bench import bench_ui
        except ImportError as exc:  # playwright is a dev dependency
            results["ui"] = {"skipped": f"the UI figures need playwright: {exc}"}
        else:
            results["ui"] = await bench_ui()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
