"""The scheduler with many scheduled flows deployed, in one process (SQLite or PostgreSQL).

``flows`` flows each with a Schedule trigger that does not fire during the run (03:00 on
1 January), plus W3's flow; the engine runs every loop, as ``lanner server local`` does.

- ``first_pass_s``: the first pass after a start, which reads and parses every flow once;
- ``pass_ms``: passes with no flow changed since (what runs every second): p50 and max of 20;
- ``w3_sequential_p50_ms``: W3 executions run one after the other while the scheduler runs:
  each ended execution wakes it for its trigger events only, so the deployed schedules must
  not slow executions down.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.run import W3_FLOW, engine_on, timed_run

__all__ = ["bench_scheduler"]


def scheduled_flows(count: int) -> list[tuple[str, str, str]]:
    log = "  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    trigger = "  - id: yearly\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: '0 3 1 1 *'\n"
    return [
        ("bench.scheduled", f"s{i}", f"id: s{i}\nnamespace: bench.scheduled\ntasks:\n{log}triggers:\n{trigger}")
        for i in range(count)
    ]


async def bench_one(backend: str, flows: int, passes: int = 20, sequential: int = 50) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lanner-bench-scheduler-") as tmp:
        async with engine_on(backend, Path(tmp)) as engine:
            await engine.store.save_flows(scheduled_flows(flows))
            await engine.deploy(W3_FLOW)
            scheduler = engine.scheduler
            started = time.perf_counter()
            await scheduler.run_once()  # the running loop may be parsing too: the cache is shared
            first = time.perf_counter() - started
            timings = []
            for _ in range(passes):
                started = time.perf_counter()
                await scheduler.run_once()
                timings.append((time.perf_counter() - started) * 1000)
            await timed_run(engine, "w3")  # warm-up
            runs = [(await timed_run(engine, "w3"))[0] * 1000 for _ in range(sequential)]
    return {
        "flows": flows,
        "first_pass_s": round(first, 2),
        "pass_ms": {"p50": round(statistics.median(timings), 2), "max": round(max(timings), 2)},
        "w3_sequential_p50_ms": round(statistics.median(runs), 2),
    }


async def bench_scheduler(backends: list[str], flows: int) -> dict[str, Any]:
    return {backend: await bench_one(backend, flows) for backend in backends}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--flows", type=int, default=5000)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    print(json.dumps(asyncio.run(bench_scheduler(backends, args.flows)), indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
