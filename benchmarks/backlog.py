"""Backlog: ``count`` executions of W3's flow stored while nothing runs them, then drained.

On PostgreSQL in a fresh schema: a ``lanner server webserver`` starts alone, the flow is
deployed through its API and ``count`` executions are created through the store. Then one
``lanner server executor`` and ``workers`` ``lanner server worker`` processes start and drain
the backlog. Every 0.5 s the resident memory (``VmRSS``) of every component process is sampled
together with the number of executions ended so far.

- ``drain_s``: from the first execution leaving CREATED to the last one ending (stored dates);
  ``executions_per_s``: ``count`` over it; ``start_lag_s``: from launching the executor and
  workers to the first execution leaving CREATED (process start, imports, connections);
- per process (``memory``): RSS at the start and the end of the drain, their ratio, the
  sampled maximum, the kernel's high-water mark (``peak_rss_mib``, ``VmHWM``: the true peak,
  between samples too), RSS at 0/25/50/75/100 % of the executions ended, and the
  least-squares slope of RSS over executions ended (MiB per 1,000 executions: near 0 when flat).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from benchmarks.cluster import bench_cluster, wall
from benchmarks.memory import Sampler, status_kib, summarise
from benchmarks.run import W3_FLOW

__all__ = ["bench_backlog"]


async def bench_backlog(count: int, workers: int = 2, batch: int = 2000) -> dict[str, Any]:
    async with bench_cluster() as bench:
        [web] = await bench.start(("web", "webserver"))
        await bench.deploy(W3_FLOW)
        started = time.time()
        ids: list[str] = []
        for offset in range(0, count, batch):  # in slices: 10,000 coroutines at once only add memory here
            ids += await bench.submit("w3", min(batch, count - offset))
        inserted = time.time() - started

        sampler = Sampler([web.pid], bench.ended)
        sampler.start()
        try:
            launched = time.time()
            components = [web] + await bench.start(("exec", "executor"), *((f"w{i}", "worker") for i in range(1, workers + 1)))
            sampler.pids = [c.pid for c in components]
            await bench.wait_ended(ids, timeout=max(300, count / 5), interval=0.25)
        finally:
            sampler.stop()
        peaks = {c.name: status_kib(c.pid, "VmHWM") for c in components}
        rows = await asyncio.to_thread(
            bench.sql,
            "SELECT min((data->'history'->1->>'date')::timestamptz), max((data->'history'->-1->>'date')::timestamptz)"
            " FROM executions WHERE id = ANY(%s)",
            ids,
        )
        first_running, last_end = rows[0]
    drain = (last_end - first_running).total_seconds()
    window = (first_running.timestamp(), sampler.samples[-1].at)  # from the drain's start to the last sample
    return {
        "count": count,
        "workers": workers,
        "insert_s": round(inserted, 2),
        "start_lag_s": round((first_running - wall(launched)).total_seconds(), 2),
        "drain_s": round(drain, 2),
        "executions_per_s": round(count / drain, 1),
        "memory": {
            c.name: {
                "kind": c.kind,
                "peak_rss_mib": round((peaks[c.name] or 0) / 1024, 1),
                **summarise(sampler.samples, c.pid, *window),
            }
            for c in components
        },
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="executions stored before anything runs them")
    parser.add_argument("--workers", type=int, default=2, help="worker processes draining them")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(bench_backlog(args.count, args.workers)), indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
