"""Resident memory of processes, sampled while a workload runs (Linux ``/proc``).

``Sampler`` reads ``VmRSS`` of each process every ``interval`` seconds in a thread, with a
progress figure (executions ended so far) taken at the same moment, so memory can be read
against work done. ``summarise`` turns one process's samples over a window into the figures
the benchmark prints: start, end, peak, their ratio, and the least-squares slope in MiB per
1,000 executions ended (near 0 when memory is flat), over the whole window and over its
second half (once caches and connections are warm).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Sample", "Sampler", "status_kib", "summarise"]


def status_kib(pid: int, key: str = "VmRSS") -> int | None:
    """``key`` (``VmRSS``: resident now, ``VmHWM``: resident peak) of ``/proc/<pid>/status``, in KiB;
    None once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


@dataclass(frozen=True)
class Sample:
    at: float  # time.time()
    progress: int  # executions ended
    rss_kib: dict[int, int]  # pid -> VmRSS


@dataclass
class Sampler:
    """Samples ``pids`` until stopped; ``progress()`` is called at each sample (from the thread)."""

    pids: list[int]
    progress: Callable[[], int]
    interval: float = 0.5
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling, after one last sample (so a short workload still has one)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        self.sample()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.sample()
            self._stop.wait(max(self.interval - (time.monotonic() - started), 0))

    def sample(self) -> None:
        done = self.progress()
        rss = {pid: kib for pid in self.pids if (kib := status_kib(pid)) is not None}
        self.samples.append(Sample(time.time(), done, rss))


def _mib(kib: float) -> float:
    return round(kib / 1024, 1)


def _slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 without spread in x)."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def summarise(samples: list[Sample], pid: int, start: float, end: float) -> dict[str, Any]:
    """Figures of ``pid`` over the samples taken between ``start`` and ``end`` (``time.time()``)."""
    window = [(s.progress, s.rss_kib[pid]) for s in samples if start <= s.at <= end and pid in s.rss_kib]
    if not window:
        return {"samples": 0}
    first, last = window[0][1], window[-1][1]
    total = window[-1][0]
    by_progress = [next(kib for done, kib in window if done >= total * q / 4) for q in range(5)]
    return {
        "samples": len(window),
        "rss_start_mib": _mib(first),
        "rss_end_mib": _mib(last),
        "rss_max_sampled_mib": _mib(max(kib for _, kib in window)),
        "end_over_start": round(last / first, 3),
        "slope_mib_per_1000_executions": round(_slope(window) / 1024 * 1000, 2),
        # after warm-up (first connections, caches): the slope a leak would show
        "slope_second_half": round(_slope([p for p in window if p[0] >= total / 2]) / 1024 * 1000, 2),
        "rss_mib_at_0_25_50_75_100_pct": [_mib(kib) for kib in by_progress],
    }
