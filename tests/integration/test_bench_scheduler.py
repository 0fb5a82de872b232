"""The scheduler section of ``make bench`` runs end to end on a tiny size (no duration is
asserted: the figures are printed by ``make bench``, never tested)."""

from __future__ import annotations

from benchmarks.scheduler import bench_one


async def test_scheduler_section_runs_with_scheduled_flows_deployed() -> None:
    figures = await bench_one("sqlite", flows=20, passes=2, sequential=2)
    assert figures["flows"] == 20
    assert figures["first_pass_s"] > 0
    assert set(figures["pass_ms"]) == {"p50", "max"} and figures["pass_ms"]["max"] >= figures["pass_ms"]["p50"] > 0
    assert figures["w3_sequential_p50_ms"] > 0  # every W3 execution succeeded (timed_run checks)
