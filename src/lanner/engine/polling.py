"""Polling triggers: lock, poll, then store the new state and the executions in one commit.

The lock (``locked_by``/``locked_until`` in the trigger state, taken by a fenced commit)
keeps other schedulers from polling the same trigger meanwhile; it expires after
``poll_lock`` if the poller died, and ``POST /triggers/{ns}/{flow}/{trigger}/unlock`` releases
it at once. The state a poll returns is stored only with the executions it asked for.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import TYPE_CHECKING, Any

from lanner.errors import LannerError
from lanner.storage.ports import TriggerCommit, TriggerState
from lanner.triggers.polling import PollContext, PollingTrigger

if TYPE_CHECKING:
    from datetime import datetime

    from lanner.engine.scheduler import Deployed, Scheduler

__all__ = ["poll_if_due"]

log = logging.getLogger(__name__)


async def poll_if_due(scheduler: Scheduler, item: Deployed, state: TriggerState, now: datetime) -> int:
    """Poll the trigger if it is due and not locked; returns the number of executions started."""
    trigger = item.trigger
    assert isinstance(trigger, PollingTrigger)
    if item.disabled or state.disabled:
        return 0
    if state.next_date is not None and state.next_date > now:
        return 0
    if state.locked_until is not None and state.locked_until > now:
        return 0
    state.locked_by = scheduler.id
    state.locked_until = now + scheduler.options.poll_lock
    if not await scheduler.commit(TriggerCommit([state])):
        return 0  # another scheduler polls it
    launcher = scheduler.launcher
    base = launcher.variables(item.index, {})
    ctx = PollContext(
        namespace=item.key[0],
        flow_id=item.key[1],
        trigger_id=item.key[2],
        now=now,
        state=copy.deepcopy(state.data.get("poll") or {}),
        render=lambda value: launcher.renderer.render_value(value, base, launcher.functions),
        evaluate=lambda template, extra: launcher.renderer.render_typed(template, {**base, **extra}, launcher.functions),
    )
    executions = []
    try:
        timeout = scheduler.options.poll_lock.total_seconds() * 0.9
        found = await asyncio.wait_for(trigger.poll(ctx), timeout)
        for variables in found:
            executions.append(launcher.execution(item.index, trigger, variables, scheduler.clock()))
        state.data["poll"] = ctx.state
    except (Exception, TimeoutError) as exc:  # the next poll tries again from the last stored state
        error: Any = exc if isinstance(exc, LannerError) else repr(exc)
        log.warning("polling trigger %s failed: %s", ".".join(item.key), error)
        executions = []
    finished = scheduler.clock()
    state.locked_by = None
    state.locked_until = None
    state.next_date = trigger.next_poll(finished)
    state.last_date = finished
    if executions:
        state.execution_id = executions[-1].id
    return len(executions) if await scheduler.commit(TriggerCommit([state], executions)) else 0
