"""Flow triggers: react to executions that ended (or paused).

The executor queues a trigger event in the transaction that records the state change
(``storage.sql.events``). Here the queued events are handled a batch at a time (oldest
first, ``SchedulerOptions.event_batch``) in one commit: the events are consumed, the
preconditions' progress of every concerned trigger is stored, the executions to start are
created and triggers with a matching ``stopAfter`` are disabled — all or nothing. A crash in
between leaves the events queued; a scheduler that loses the race for any of them writes
nothing, and the next pass reads what is left. One commit per batch rather than per event
keeps ending executions cheap when few or no flows have Flow triggers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from lanner.errors import LannerError
from lanner.storage.ports import TriggerCommit, TriggerEvent, TriggerState
from lanner.triggers import preconditions
from lanner.triggers.conditions import UpstreamExecution
from lanner.triggers.core.flow import FlowTrigger

if TYPE_CHECKING:
    from lanner.engine.scheduler import Deployed, Key, Scheduler

__all__ = ["handle_event", "handle_events", "upstream_variables"]

log = logging.getLogger(__name__)

#: most batches of events handled per pass: a flood of ended executions does not hold up the
#: pass's schedules (the rest is handled at the next pass)
_BATCHES_PER_PASS = 10


def upstream_variables(event: TriggerEvent) -> dict[str, Any]:
    """`trigger.*` of an execution started by a Flow trigger."""
    return {
        "executionId": event.execution_id,
        "namespace": event.namespace,
        "flowId": event.flow_id,
        "state": event.state.value,
        "outputs": event.data.get("outputs") or {},
        "labels": event.data.get("labels") or {},
    }


async def handle_events(scheduler: Scheduler, deployed: dict[Key, Deployed], watchers: list[Deployed]) -> int:
    """Handle the queued events, oldest first, a batch per commit; the number of executions
    started. Stops when a commit loses a race (another scheduler handled one of its events:
    what is left comes at the next pass)."""
    started = 0
    limit = scheduler.options.event_batch
    for _ in range(_BATCHES_PER_PASS):
        events = await scheduler.store.trigger_events(limit)
        if not events:
            break
        commit = TriggerCommit(event_ids=[event.id for event in events])
        for event in events:
            await handle_event(scheduler, event, deployed, watchers, commit)
        if not await scheduler.commit(commit):
            break
        started += len(commit.executions)
        if len(events) < limit:
            break
    return started


async def _state(scheduler: Scheduler, commit: TriggerCommit, key: Key) -> TriggerState | None:
    for pending in commit.states:
        if pending.key == key:
            return pending
    state = await scheduler.store.get_trigger_state(*key)
    if state is not None:
        commit.states.append(state)
    return state


async def handle_event(
    scheduler: Scheduler, event: TriggerEvent, deployed: dict[Key, Deployed], watchers: Iterable[Deployed], commit: TriggerCommit
) -> None:
    """Add to ``commit`` what ``event`` changes: trigger states, executions to start."""
    await _stop_after(scheduler, event, deployed, commit)
    upstream = UpstreamExecution(
        event.execution_id,
        event.namespace,
        event.flow_id,
        event.state,
        event.data.get("labels") or {},
        event.data.get("outputs") or {},
    )
    trigger_variables = upstream_variables(event)
    launcher = scheduler.launcher
    for item in watchers:
        trigger = item.trigger
        assert isinstance(trigger, FlowTrigger)
        if item.disabled or event.state not in trigger.watched_states():
            continue
        variables = launcher.variables(item.index, trigger_variables)
        try:
            met = trigger.matched_conditions(upstream, lambda text, v=variables: launcher.render(text, v))  # type: ignore[misc]
            keys = trigger.condition_keys()
            if keys and not met:
                continue
            if not launcher.conditions_hold(trigger, variables, event.created, upstream):
                continue
            state = await _state(scheduler, commit, item.key)
            if state is None or state.disabled:
                continue
            if keys:
                assert trigger.preconditions is not None
                progress, fired = preconditions.record(
                    trigger.preconditions, keys, met, state.data.get("preconditions") or {}, event.created, event.execution_id
                )
                state.data["preconditions"] = progress
                if not fired:
                    continue
            execution = launcher.execution(item.index, trigger, trigger_variables, scheduler.clock())
        except (LannerError, ValueError) as exc:
            log.warning("flow trigger %s ignored execution %s: %s", ".".join(item.key), event.execution_id, exc)
            continue
        state.last_date = event.created
        state.execution_id = execution.id
        commit.executions.append(execution)


async def _stop_after(scheduler: Scheduler, event: TriggerEvent, deployed: dict[Key, Deployed], commit: TriggerCommit) -> None:
    """Disable the trigger that started this execution if it ends in one of its `stopAfter` states."""
    trigger_id = event.data.get("trigger_id")
    if not trigger_id:
        return
    item = deployed.get((event.namespace, event.flow_id, trigger_id))
    if item is None or item.trigger.canonical_type() != event.data.get("trigger_type"):
        return
    if not item.trigger.stops_after(event.state):
        return
    state = await _state(scheduler, commit, item.key)
    if state is not None and not state.disabled:
        state.disabled = True
        state.next_date = None
        log.info("trigger %s disabled: execution %s ended %s (stopAfter)", ".".join(item.key), event.execution_id, event.state)
