"""Schedule triggers: fire the due ticks (and the ticks of a backfill) of one schedule.

The state's ``next_date`` is the next tick to fire. A pass that finds it due computes the ticks
to fire (``Schedule.plan``: missed ticks per ``recoverMissedSchedules``), builds their
executions and commits them with the advanced ``next_date``, fenced on the state version: two
schedulers racing for the same tick write it once, and a crash before the commit leaves the
tick due for the next pass.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from lanner.errors import LannerError
from lanner.models.execution import Execution
from lanner.storage.ports import TriggerCommit, TriggerState
from lanner.triggers.core.schedule import Schedule

if TYPE_CHECKING:
    from lanner.engine.scheduler import Deployed, Scheduler

__all__ = ["backfill_ticks", "declared_backfill", "fire_due", "launch_tick"]

log = logging.getLogger(__name__)


def launch_tick(
    scheduler: Scheduler,
    item: Deployed,
    moment: datetime,
    now: datetime,
    *,
    inputs: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
) -> Execution | None:
    """The execution for the tick at ``moment``, or None if its conditions do not hold or it cannot start."""
    trigger = item.trigger
    assert isinstance(trigger, Schedule)
    tick = trigger.tick(moment)
    launcher = scheduler.launcher
    variables = tick.variables()
    try:
        if not launcher.conditions_hold(trigger, launcher.variables(item.index, variables), tick.date):
            return None
        return launcher.execution(item.index, trigger, variables, now, inputs=inputs, labels=labels)
    except (LannerError, ValueError) as exc:
        log.warning("schedule %s skipped the tick of %s: %s", ".".join(item.key), variables["date"], exc)
        return None


async def fire_due(scheduler: Scheduler, item: Deployed, state: TriggerState, now: datetime) -> int:
    """Fire what is due for one schedule; returns the number of executions started."""
    trigger = item.trigger
    assert isinstance(trigger, Schedule)
    if item.disabled or state.disabled:
        if state.next_date is None:
            return 0
        state.next_date = None  # enabled again later: it starts from then, nothing is recovered
        await scheduler.commit(TriggerCommit([state]))
        return 0
    if state.next_date is None or state.data.get("signature") != trigger.signature():
        state.next_date = trigger.next_fire(now)
        state.data["signature"] = trigger.signature()
        await scheduler.commit(TriggerCommit([state]))
        return 0
    started = 0
    if state.next_date <= now:
        options = scheduler.options
        ticks, following = trigger.plan(
            state.next_date,
            now,
            default_policy=options.recover_missed_schedules,
            late_after=options.late_after,
            limit=options.batch,
        )
        executions = [ex for moment in ticks if (ex := launch_tick(scheduler, item, moment, now)) is not None]
        state.next_date = following
        if ticks:
            state.last_date = ticks[-1]
        if executions:
            state.execution_id = executions[-1].id
        if not await scheduler.commit(TriggerCommit([state], executions)):
            return 0  # another scheduler fired it
        started += len(executions)
    if state.data.get("backfill"):
        started += await _backfill(scheduler, item, state, now)
    return started


def declared_backfill(trigger: Schedule, now: datetime) -> dict[str, Any] | None:
    """The backfill a schedule declares with its `backfill` property, started when the trigger is first seen."""
    declared = trigger.backfill
    if declared is None:
        return None
    start, end = declared.start, declared.end or now
    return {
        "start": (start if start.tzinfo else start.replace(tzinfo=UTC)).isoformat(),
        "end": (end if end.tzinfo else end.replace(tzinfo=UTC)).isoformat(),
        "inputs": dict(declared.inputs or {}),
        "labels": dict(declared.labels or {}),
        "paused": False,
        "current": None,
        "created": now.isoformat(),
    }


def backfill_ticks(trigger: Schedule, backfill: dict[str, Any], limit: int) -> tuple[list[datetime], bool]:
    """The next ticks of a backfill and whether it is then complete."""
    start = datetime.fromisoformat(backfill["start"])
    end = datetime.fromisoformat(backfill["end"])
    current = backfill.get("current")
    after = datetime.fromisoformat(current) if current else start - timedelta(microseconds=1)
    ticks = list(trigger.fire_times(after, end, limit))
    return ticks, len(ticks) < limit


async def _backfill(scheduler: Scheduler, item: Deployed, state: TriggerState, now: datetime) -> int:
    backfill = dict(state.data["backfill"])
    if backfill.get("paused"):
        return 0
    trigger = item.trigger
    assert isinstance(trigger, Schedule)
    ticks, complete = backfill_ticks(trigger, backfill, scheduler.options.batch)
    inputs, labels = backfill.get("inputs") or {}, backfill.get("labels") or {}
    executions = [
        ex for moment in ticks if (ex := launch_tick(scheduler, item, moment, now, inputs=inputs, labels=labels)) is not None
    ]
    if ticks:
        backfill["current"] = ticks[-1].isoformat()
    if complete:
        state.data.pop("backfill")
    else:
        state.data["backfill"] = backfill
    if executions:
        state.execution_id = executions[-1].id
    return len(executions) if await scheduler.commit(TriggerCommit([state], executions)) else 0
