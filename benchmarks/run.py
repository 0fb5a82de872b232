"""Engine benchmarks (``make bench``): prints one JSON document of figures.

W1  one flow of 40 sequential Return tasks: submit -> terminal state, per-task overhead.
W2  one flow of 200 parallel trivial tasks with a fan-in task.
W3  1,000 executions of a 3-task flow submitted at once: executions per second.

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

from lanner.engine.engine import Engine, EngineOptions
from lanner.models.ids import new_id
from lanner.models.state import State
from lanner.storage.files import LocalFileStorage
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
    final = await engine.wait(execution.id, timeout=300, poll=0.5)
    elapsed = time.perf_counter() - started
    if final.execution.state != State.SUCCESS:
        raise RuntimeError(f"{flow_id} ended {final.execution.state}")
    return elapsed, len(final.task_runs)


async def bench_backend(backend: str, repeat: int, w3_count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lanner-bench-") as tmp:
        async with engine_on(backend, Path(tmp)) as engine:
            for source in (w1_flow(), w2_flow(), W3_FLOW):
                await engine.deploy(source)
            await timed_run(engine, "w1")  # warm-up: caches, connections
            w1 = [(await timed_run(engine, "w1"))[0] for _ in range(repeat)]
            w2 = [(await timed_run(engine, "w2"))[0] for _ in range(repeat)]
            started = time.perf_counter()
            ids = [(await engine.submit("bench", "w3")).id for _ in range(w3_count)]
            submitted = time.perf_counter() - started
            for execution_id in ids:
                final = await engine.wait(execution_id, timeout=600, poll=0.5)
                if final.execution.state != State.SUCCESS:
                    raise RuntimeError(f"w3 execution ended {final.execution.state}")
            w3_total = time.perf_counter() - started
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
    }


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--w3", type=int, default=1000)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    results: dict[str, Any] = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}}
    for backend in backends:
        results[backend] = await bench_backend(backend, args.repeat, args.w3)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
