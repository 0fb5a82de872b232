"""What users do to triggers through the API: list them, disable or enable them, unlock a
polling trigger, and backfill a schedule (start, pause, resume, delete).

Each change is a fenced write of the trigger state, retried on a lost race, so it never
overwrites what a scheduler committed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lanner.engine.scheduler import Deployed
from lanner.errors import ConflictError, InputError, Issue, NotFoundError
from lanner.models.input_values import resolve_inputs
from lanner.storage.ports import TriggerCommit, TriggerState
from lanner.triggers.core.schedule import Schedule

if TYPE_CHECKING:
    from lanner.engine.engine import Engine

__all__ = ["TriggerView", "backfill", "change_backfill", "find", "search", "set_disabled", "unlock"]


@dataclass(slots=True)
class TriggerView:
    """A trigger of a deployed flow with its state."""

    item: Deployed
    state: TriggerState


async def search(
    engine: Engine, namespace: str | None = None, flow_id: str | None = None, q: str | None = None
) -> list[TriggerView]:
    """Every trigger of the deployed flows (``namespace`` also matches the namespaces below it)."""
    scheduler = engine.scheduler
    deployed = await scheduler.deployed()
    states = await scheduler.sync(deployed, engine.clock())
    views = []
    for key, item in sorted(deployed.items()):
        ns, flow, _ = key
        if namespace and ns != namespace and not ns.startswith(namespace + "."):
            continue
        if flow_id and flow != flow_id:
            continue
        if q and not any(q.lower() in part.lower() for part in key):
            continue
        if key in states:
            views.append(TriggerView(item, states[key]))
    return views


async def find(engine: Engine, namespace: str, flow_id: str, trigger_id: str) -> TriggerView:
    found = await search(engine, namespace, flow_id)
    for view in found:
        if view.item.key == (namespace, flow_id, trigger_id):
            return view
    raise NotFoundError(f"flow {namespace}.{flow_id} has no trigger {trigger_id!r}")


async def _update(
    engine: Engine, namespace: str, flow_id: str, trigger_id: str, change: Callable[[TriggerView], None]
) -> TriggerView:
    for _ in range(10):
        view = await find(engine, namespace, flow_id, trigger_id)
        change(view)
        if await engine.store.commit_triggers(TriggerCommit([view.state])):
            engine.scheduler.wake()
            return view
    raise ConflictError(f"trigger {namespace}.{flow_id}.{trigger_id} changes too often; try again")


async def set_disabled(engine: Engine, namespace: str, flow_id: str, trigger_id: str, disabled: bool) -> TriggerView:
    """Disable or enable the trigger; a schedule enabled again starts from now (nothing missed is recovered)."""

    def change(view: TriggerView) -> None:
        if view.state.disabled != disabled:
            view.state.disabled = disabled
            if isinstance(view.item.trigger, Schedule):
                view.state.next_date = None

    return await _update(engine, namespace, flow_id, trigger_id, change)


async def unlock(engine: Engine, namespace: str, flow_id: str, trigger_id: str) -> TriggerView:
    """Release the lock of a trigger whose poll never finished (its scheduler died)."""

    def change(view: TriggerView) -> None:
        if view.state.locked_by is None and view.state.locked_until is None:
            raise ConflictError(f"trigger {namespace}.{flow_id}.{trigger_id} is not locked")
        view.state.locked_by = None
        view.state.locked_until = None

    return await _update(engine, namespace, flow_id, trigger_id, change)


async def backfill(
    engine: Engine,
    namespace: str,
    flow_id: str,
    trigger_id: str,
    start: datetime,
    end: datetime | None = None,
    inputs: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
) -> TriggerView:
    """Start executions for every tick of the schedule in ``[start, end]`` (``end``: now), from the oldest."""
    end = end or engine.clock()
    if start.tzinfo is None or end.tzinfo is None:
        raise InputError([Issue("give start and end with a time zone, e.g. 2024-01-01T00:00:00Z", path="backfill")])
    if end < start:
        raise InputError([Issue("end is before start", path="backfill.end")])
    view = await find(engine, namespace, flow_id, trigger_id)
    if not isinstance(view.item.trigger, Schedule):
        raise ConflictError(f"trigger {trigger_id!r} is a {view.item.trigger.type}: only Schedule triggers backfill")
    trigger = view.item.trigger
    merged = {**(trigger.inputs or {}), **dict(inputs or {})}
    if not any("{{" in str(value) for value in merged.values()):
        resolve_inputs(view.item.index.flow.inputs or [], merged)  # bad inputs fail now, not at each tick
    record = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "inputs": dict(inputs or {}),
        "labels": {str(k): str(v) for k, v in (labels or {}).items()},
        "paused": False,
        "current": None,
        "created": engine.clock().isoformat(),
    }

    def change(view: TriggerView) -> None:
        view.state.data["backfill"] = dict(record)

    return await _update(engine, namespace, flow_id, trigger_id, change)


async def change_backfill(engine: Engine, namespace: str, flow_id: str, trigger_id: str, action: str) -> TriggerView:
    """``pause``, ``unpause`` or ``delete`` the trigger's backfill."""

    def change(view: TriggerView) -> None:
        current = view.state.data.get("backfill")
        if not current:
            raise ConflictError(f"trigger {namespace}.{flow_id}.{trigger_id} has no backfill")
        if action == "delete":
            view.state.data.pop("backfill")
        else:
            view.state.data["backfill"] = {**current, "paused": action == "pause"}

    return await _update(engine, namespace, flow_id, trigger_id, change)
