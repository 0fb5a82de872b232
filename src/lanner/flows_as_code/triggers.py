"""Which triggers a flow change starts, stops or reschedules.

A trigger is *active* when its flow exists, neither the flow nor the trigger is ``disabled``.
Comparing a flow's triggers before and after a change gives:

- ``start``: active after, not before (a new flow or trigger, or one enabled again);
- ``stop``: active before, not after (a deleted flow or trigger, or one disabled);
- ``change``: active before and after, with another definition (for a schedule, the
  ``cron`` / ``timezone`` shown before → after).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lanner.flows.source import load_yaml

__all__ = ["TriggerChange", "trigger_changes"]


@dataclass(frozen=True, slots=True)
class TriggerChange:
    action: Literal["start", "stop", "change"]
    namespace: str
    flow_id: str
    trigger_id: str
    type: str
    #: what fires it (a schedule's cron and timezone), before and after
    before: str | None = None
    after: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "triggerId": self.trigger_id,
            "type": self.type,
            "before": self.before,
            "after": self.after,
        }


def _active_triggers(source: str | None) -> dict[str, dict[str, Any]]:
    """The active triggers of a flow's source by id (none for no source or a disabled flow)."""
    if source is None:
        return {}
    data = load_yaml(source).data
    if not isinstance(data, Mapping) or data.get("disabled") is True:
        return {}
    triggers = data.get("triggers")
    if not isinstance(triggers, list):
        return {}
    found = {}
    for trigger in triggers:
        if isinstance(trigger, Mapping) and isinstance(trigger.get("id"), str) and trigger.get("disabled") is not True:
            found[trigger["id"]] = dict(trigger)
    return found


def _fires(trigger: Mapping[str, Any]) -> str:
    """What makes the trigger fire, in a few words."""
    cron = trigger.get("cron") or trigger.get("expression")
    if isinstance(cron, str):
        zone = trigger.get("timezone")
        return f"cron {cron!r}" + (f" ({zone})" if isinstance(zone, str) else "")
    interval = trigger.get("interval")
    if isinstance(interval, str):
        return f"every {interval}"
    return str(trigger.get("type", "?")).rsplit(".", 1)[-1]


def trigger_changes(namespace: str, flow_id: str, before: str | None, after: str | None) -> list[TriggerChange]:
    """The trigger changes of replacing source ``before`` by ``after`` (None: no flow)."""
    old, new = _active_triggers(before), _active_triggers(after)
    changes: list[TriggerChange] = []
    for trigger_id in [*new, *(t for t in old if t not in new)]:
        was, will = old.get(trigger_id), new.get(trigger_id)
        type_name = str((will or was or {}).get("type", ""))
        if was is None and will is not None:
            changes.append(TriggerChange("start", namespace, flow_id, trigger_id, type_name, None, _fires(will)))
        elif will is None and was is not None:
            changes.append(TriggerChange("stop", namespace, flow_id, trigger_id, type_name, _fires(was), None))
        elif was != will and was is not None and will is not None:
            changes.append(TriggerChange("change", namespace, flow_id, trigger_id, type_name, _fires(was), _fires(will)))
    return changes
