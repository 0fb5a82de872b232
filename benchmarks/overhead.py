"""Per-task orchestration overhead, computed from the timestamps an execution stores.

For task run *k* of a sequential flow:

    overhead(k) = end(k) - ready(k) - own(k)

- ``ready(k)``: when the task could start: the end of task run *k-1*, or the execution's
  creation for the first task;
- ``end(k)``: the task run's terminal state date;
- ``own(k)``: the time the task's own code ran: each attempt's first RUNNING to its
  terminal state, summed over attempts.

So it is every millisecond the orchestrator added around the task: the executor noticing the
predecessor's end and creating the task run, the job reaching a worker, the worker recording
the result. Under a burst it also holds the time the task waited behind others (queueing).
``end_lag`` is what remains after the last task: its end to the execution's end.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

__all__ = ["ended_at", "overheads", "percentile", "phases", "summary_ms"]

Stored = tuple[dict[str, Any], list[dict[str, Any]]]


def _date(change: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(change["date"]).replace("Z", "+00:00"))


def _end(history: list[dict[str, Any]]) -> datetime:
    return _date(history[-1])


def ended_at(execution: dict[str, Any]) -> datetime:
    """The stored execution's last state change (its end, once terminal)."""
    return _end(execution["history"])


def _own_seconds(task_run: dict[str, Any]) -> float:
    total = 0.0
    for attempt in task_run.get("attempts") or ():
        changes = attempt.get("history") or []
        running = [c for c in changes if c["state"] == "RUNNING"]
        if running:
            total += (_end(changes) - _date(running[0])).total_seconds()
    return total


def overheads(stored: list[Stored]) -> tuple[list[float], list[float]]:
    """Seconds of overhead of every task run, and the end lag of every execution."""
    per_task: list[float] = []
    end_lags: list[float] = []
    for execution, task_runs in stored:
        history = execution["history"]
        ready = _date(history[0])
        for task_run in task_runs:
            end = _end(task_run["history"])
            per_task.append((end - ready).total_seconds() - _own_seconds(task_run))
            ready = end
        end_lags.append((_end(history) - ready).total_seconds())
    return per_task, end_lags


def phases(stored: list[Stored]) -> dict[str, list[float]]:
    """Where each task run's overhead goes, in seconds: ``to_created`` (ready -> the executor
    created the task run), ``to_running`` (created -> its first attempt runs on a worker:
    the job's way to the worker) and ``to_recorded`` (its last attempt ended -> the task run
    ended: the result recorded)."""
    found: dict[str, list[float]] = {"to_created": [], "to_running": [], "to_recorded": []}
    for execution, task_runs in stored:
        ready = _date(execution["history"][0])
        for task_run in task_runs:
            created, end = _date(task_run["history"][0]), _end(task_run["history"])
            attempts = [a["history"] for a in task_run.get("attempts") or () if a.get("history")]
            if attempts:
                found["to_created"].append((created - ready).total_seconds())
                found["to_running"].append((_date(attempts[0][0]) - created).total_seconds())
                found["to_recorded"].append((end - _end(attempts[-1])).total_seconds())
            ready = end
    return found


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.5: median, 0.99: p99) of ``values``."""
    ordered = sorted(values)
    return ordered[max(math.ceil(len(ordered) * fraction) - 1, 0)]


def summary_ms(values: list[float]) -> dict[str, float]:
    """p50, p99 and max, in milliseconds."""
    if not values:
        return {}
    return {name: round(percentile(values, q) * 1000, 2) for name, q in (("p50_ms", 0.5), ("p99_ms", 0.99), ("max_ms", 1.0))}
