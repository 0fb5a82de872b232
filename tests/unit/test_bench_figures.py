"""The figures of the multi-process benchmark sections, computed from stored timestamps and
memory samples (benchmarks/overhead.py, benchmarks/memory.py); no process is started."""

from __future__ import annotations

import os
from typing import Any

import pytest
from benchmarks.memory import Sample, status_kib, summarise
from benchmarks.overhead import overheads, percentile, phases, summary_ms


def _at(second: float) -> dict[str, str]:
    return {"date": f"2026-11-30T10:00:{second:06.3f}Z"}


def _history(*changes: tuple[str, float]) -> list[dict[str, Any]]:
    return [{"state": state, **_at(second)} for state, second in changes]


def _task_run(created: float, running: float, ended: float, attempts: list[tuple[float, float]]) -> dict[str, Any]:
    return {
        "history": _history(("CREATED", created), ("RUNNING", running), ("SUCCESS", ended)),
        "attempts": [{"history": _history(("RUNNING", start), ("SUCCESS", end))} for start, end in attempts],
    }


def test_overhead_is_each_task_end_after_it_could_start_less_its_own_run() -> None:
    execution = {"history": _history(("CREATED", 0.0), ("RUNNING", 0.010), ("SUCCESS", 0.500))}
    task_runs = [
        _task_run(0.010, 0.011, 0.100, [(0.090, 0.095)]),  # ready at 0: 100 ms, 5 ms of its own
        _task_run(0.120, 0.121, 0.300, [(0.150, 0.160), (0.200, 0.290)]),  # two attempts: 100 ms of its own
        _task_run(0.310, 0.311, 0.400, [(0.350, 0.350)]),
    ]
    per_task, end_lags = overheads([(execution, task_runs)])
    assert per_task == pytest.approx([0.095, 0.100, 0.100])
    assert end_lags == pytest.approx([0.100])
    found = phases([(execution, task_runs)])
    assert found["to_created"] == pytest.approx([0.010, 0.020, 0.010])
    assert found["to_running"] == pytest.approx([0.080, 0.030, 0.040])
    assert found["to_recorded"] == pytest.approx([0.005, 0.010, 0.050])


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.99) == 99
    assert percentile([3.0], 0.99) == 3
    assert summary_ms([0.001, 0.002, 0.010]) == {"p50_ms": 2.0, "p99_ms": 10.0, "max_ms": 10.0}
    assert summary_ms([]) == {}


def test_flat_memory_has_a_zero_slope_and_growth_shows() -> None:
    flat = [Sample(float(t), t * 100, {1: 100 * 1024, 2: 100 * 1024 + t * 1024}) for t in range(11)]
    figures = summarise(flat, 1, 0, 10)
    assert figures["slope_mib_per_1000_executions"] == 0
    assert figures["end_over_start"] == 1
    assert figures["rss_mib_at_0_25_50_75_100_pct"] == [100.0] * 5
    growing = summarise(flat, 2, 0, 10)  # 1 MiB more per 100 executions
    assert growing["slope_mib_per_1000_executions"] == pytest.approx(10)
    assert growing["slope_second_half"] == pytest.approx(10)
    assert growing["rss_start_mib"] == 100 and growing["rss_end_mib"] == 110
    assert growing["rss_mib_at_0_25_50_75_100_pct"] == [100.0, 103.0, 105.0, 108.0, 110.0]
    assert summarise(flat, 1, 20, 30) == {"samples": 0}  # no sample in the window


def test_resident_memory_is_read_from_proc() -> None:
    rss, peak = status_kib(os.getpid()), status_kib(os.getpid(), "VmHWM")
    assert rss is not None and peak is not None and 0 < rss <= peak
    assert status_kib(2**22 + 12345) is None  # above pid_max: no such process
