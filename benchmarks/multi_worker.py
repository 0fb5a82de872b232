"""W3-multi: W3's 3-task flow on PostgreSQL with the components as separate processes.

For each worker count N (1, 2, 4): a fresh schema; one ``lanner server webserver``, one
``lanner server executor`` and N ``lanner server worker`` processes (default settings: 32
threads per worker, executor batches of 64). The flow is deployed through the webserver's
API; ``warmup`` executions run first (uncounted), then ``count`` executions are created at
once through the store, and the benchmark waits for the last to end.

- ``executions_per_s``: ``count`` over the time from the first submission to the last stored
  end of an execution;
- ``burst_overhead``: per-task overhead (``benchmarks/overhead.py``) of those executions,
  p50/p99/max: under a burst it is mostly the time a task waits behind the others;
- ``sequential_overhead``: the same for ``sequential`` executions run one after the other on
  the idle cluster: the latency the orchestrator adds to a task when it is not queueing, and
  the median of each of its phases (``benchmarks.overhead.phases``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from benchmarks.cluster import BenchCluster, bench_cluster, wall
from benchmarks.memory import status_kib
from benchmarks.overhead import ended_at, overheads, phases, summary_ms
from benchmarks.run import W3_FLOW

__all__ = ["bench_multi_worker", "bench_w3_multi"]


async def _sequential(bench: BenchCluster, count: int) -> list[str]:
    """``count`` executions, each submitted once the previous one ended."""
    ids = []
    for _ in range(count):
        [execution_id] = await bench.submit("w3", 1)
        await bench.wait_one_ended(execution_id, timeout=60)
        ids.append(execution_id)
    return ids


async def bench_multi_worker(workers: int, count: int, warmup: int = 50, sequential: int = 100) -> dict[str, Any]:
    async with bench_cluster() as bench:
        components = await bench.start(
            ("web", "webserver"), ("exec", "executor"), *((f"w{i}", "worker") for i in range(1, workers + 1))
        )
        await bench.deploy(W3_FLOW)
        await bench.wait_ended(await bench.submit("w3", warmup), timeout=120)

        started = time.time()
        ids = await bench.submit("w3", count)
        submitted = time.time() - started
        await bench.wait_ended(ids, timeout=max(120, count / 5))
        stored = await asyncio.to_thread(bench.stored, ids)
        last_end = max(ended_at(execution) for execution, _ in stored)
        total = (last_end - wall(started)).total_seconds()
        burst_tasks, burst_lags = overheads(stored)

        quiet = await asyncio.to_thread(bench.stored, await _sequential(bench, sequential))
        quiet_tasks, quiet_lags = overheads(quiet)
        peaks = {c.name: status_kib(c.pid, "VmHWM") for c in components}
    return {
        "workers": workers,
        "count": count,
        "submit_s": round(submitted, 3),
        "total_s": round(total, 3),
        "executions_per_s": round(count / total, 1),
        "burst_overhead": {"per_task": summary_ms(burst_tasks), "end_lag": summary_ms(burst_lags)},
        "sequential_overhead": {
            "executions": sequential,
            "per_task": summary_ms(quiet_tasks),
            "end_lag": summary_ms(quiet_lags),
            "phases_p50_ms": {name: summary_ms(values).get("p50_ms") for name, values in phases(quiet).items()},
        },
        "peak_rss_mib": {name: round(kib / 1024, 1) for name, kib in peaks.items() if kib is not None},
    }


async def bench_w3_multi(count: int, worker_counts: tuple[int, ...] = (1, 2, 4)) -> dict[str, Any]:
    """``bench_multi_worker`` for each worker count, one after the other."""
    return {f"{n}_workers": await bench_multi_worker(n, count) for n in worker_counts}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000, help="executions of each run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="worker process counts, one run each")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(bench_w3_multi(args.count, tuple(args.workers))), indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
