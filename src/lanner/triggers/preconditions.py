"""Flow trigger preconditions: which upstream executions were seen in the current time window.

Pure functions over a JSON state the scheduler stores with the trigger
(``{"window": <start>, "met": {<condition key>: {"date", "executionId"}}}``), so the progress
towards "every upstream flow succeeded today" survives restarts. Moments are the upstream
executions' end times, in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from lanner.triggers.core.flow import Preconditions, TimeWindow

__all__ = ["record", "window_start"]

_DAY = timedelta(days=1)


def _midnight(at: datetime) -> datetime:
    return datetime.combine(at.date(), time(0), tzinfo=UTC)


def window_start(window: TimeWindow, at: datetime) -> datetime | None:
    """Start of the window ``at`` falls in; None when ``at`` is outside every window
    (after a daily deadline, outside the daily hours). Sliding windows have no fixed start."""
    at = at.astimezone(UTC)
    if window.type == "DURATION_WINDOW":
        length = window.window or _DAY
        base = _midnight(at) + (window.windowAdvance or timedelta(0))
        while base > at:
            base -= _DAY
        return base + length * ((at - base) // length)
    if window.type == "DAILY_TIME_DEADLINE":
        assert window.deadline is not None
        return _midnight(at) if at.time() <= window.deadline else None
    if window.type == "DAILY_TIME_WINDOW":
        assert window.startTime is not None and window.endTime is not None
        if window.startTime <= at.time() <= window.endTime:
            return datetime.combine(at.date(), window.startTime, tzinfo=UTC)
        return None
    return None


def record(
    pre: Preconditions, keys: list[str], met_keys: list[str], state: dict[str, Any], at: datetime, execution_id: str
) -> tuple[dict[str, Any], bool]:
    """The new state after an upstream execution ending at ``at`` met ``met_keys``, and whether
    every one of ``keys`` is now met in the window (the trigger fires)."""
    window = pre.timeWindow or TimeWindow()
    at = at.astimezone(UTC)
    met: dict[str, dict[str, str]] = dict(state.get("met") or {})
    new_state: dict[str, Any]
    if window.type == "SLIDING_WINDOW":
        oldest = at - (window.window or _DAY)
        met = {k: v for k, v in met.items() if datetime.fromisoformat(v["date"]) >= oldest}
        new_state = {"window": None}
    else:
        start = window_start(window, at)
        if start is None:  # outside the window: the execution counts for nothing
            return state, False
        if state.get("window") != start.isoformat():
            met = {}
        new_state = {"window": start.isoformat()}
    for key in met_keys:
        met[key] = {"date": at.isoformat(), "executionId": execution_id}
    fired = bool(met_keys) and all(key in met for key in keys)
    if fired and pre.resetOnSuccess:
        met = {}
    new_state["met"] = met
    return new_state, fired
