"""The multi-process benchmark sections (``W3-multi`` and ``backlog`` of ``make bench``) run
end to end on tiny sizes, with real processes on a throwaway PostgreSQL schema. No duration
is asserted: the figures are printed by ``make bench``, never tested."""

from __future__ import annotations

import psycopg
import pytest
from benchmarks.backlog import bench_backlog
from benchmarks.cluster import pg_url
from benchmarks.multi_worker import bench_multi_worker

from ..conftest import _pg_connection

pytestmark = pytest.mark.postgres


async def _schemas() -> set[str]:
    await (await _pg_connection()).close()  # skips (fails in CI) without PostgreSQL
    with psycopg.connect(pg_url()) as conn:
        rows = conn.execute("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'bench_%'")
        return {row[0] for row in rows}


async def test_w3_multi_runs_on_two_worker_processes() -> None:
    before = await _schemas()
    figures = await bench_multi_worker(2, 12, warmup=2, sequential=2)
    assert (figures["workers"], figures["count"]) == (2, 12)
    assert figures["executions_per_s"] > 0
    for run in ("burst_overhead", "sequential_overhead"):
        assert set(figures[run]["per_task"]) == {"p50_ms", "p99_ms", "max_ms"}
        assert figures[run]["per_task"]["p50_ms"] > 0
    assert set(figures["peak_rss_mib"]) == {"web", "exec", "w1", "w2"}
    assert await _schemas() == before  # its schema is dropped


async def test_backlog_is_drained_with_memory_sampled() -> None:
    figures = await bench_backlog(30, workers=1)
    assert figures["count"] == 30 and figures["drain_s"] > 0
    assert set(figures["memory"]) == {"web", "exec", "w1"}
    assert figures["memory"]["exec"]["kind"] == "executor"
    assert figures["memory"]["web"]["samples"] >= 1
    assert all(process["peak_rss_mib"] > 0 for process in figures["memory"].values())
