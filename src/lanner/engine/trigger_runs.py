"""Executions started by triggers: the variables triggers see, their conditions, and the new
execution (inputs and labels rendered, inputs typed) — built here, stored by the caller."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lanner.engine.flow_index import FlowIndex
from lanner.expressions import Renderer
from lanner.models.execution import Execution
from lanner.models.ids import new_id
from lanner.models.input_values import resolve_inputs
from lanner.models.state import State
from lanner.triggers.base import Trigger
from lanner.triggers.conditions import ConditionContext, UpstreamExecution, all_hold

__all__ = ["Launcher"]


@dataclass(slots=True)
class Launcher:
    """Renders what triggers declare and builds the executions they start."""

    renderer: Renderer
    functions: dict[str, Callable[..., Any]]

    def variables(self, index: FlowIndex, trigger: Mapping[str, Any]) -> dict[str, Any]:
        """What a trigger's expressions see: `trigger`, `flow`, `vars`, `labels`."""
        flow = index.flow
        return {
            "trigger": dict(trigger),
            "flow": {"id": flow.id, "namespace": flow.namespace, "revision": index.revision},
            "vars": dict(flow.variables or {}),
            "labels": flow.label_map(),
        }

    def render(self, template: str, variables: Mapping[str, Any]) -> Any:
        return self.renderer.render_typed(template, variables, self.functions)

    def conditions_hold(
        self,
        trigger: Trigger,
        variables: dict[str, Any],
        date: datetime,
        upstream: UpstreamExecution | None = None,
    ) -> bool:
        """Whether every condition of the trigger holds (raises ``LannerError`` when one cannot be evaluated)."""
        if not trigger.conditions:
            return True
        ctx = ConditionContext(variables, self.render, date, upstream)
        return all_hold(trigger.conditions, ctx)  # type: ignore[arg-type]

    def execution(
        self,
        index: FlowIndex,
        trigger: Trigger,
        trigger_variables: Mapping[str, Any],
        now: datetime,
        *,
        inputs: Mapping[str, Any] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Execution:
        """A new CREATED execution of ``index`` started by ``trigger`` (raises ``LannerError`` on bad inputs)."""
        flow = index.flow
        variables = self.variables(index, trigger_variables)
        declared = getattr(trigger, "inputs", None) or {}
        raw = self.renderer.render_value({**declared, **dict(inputs or {})}, variables, self.functions)
        resolved = resolve_inputs(flow.inputs or [], raw)
        rendered_labels = self.renderer.render_value(trigger.label_map(), variables, self.functions)
        all_labels = {**flow.label_map(), **rendered_labels, **dict(labels or {})}
        execution = Execution(
            id=new_id(),
            namespace=flow.namespace,
            flow_id=flow.id,
            flow_revision=index.revision,
            state=State.CREATED,
            inputs=resolved,
            labels={str(k): str(v) for k, v in all_labels.items()},
            variables=dict(flow.variables or {}),
            trigger={"id": trigger.id, "type": trigger.canonical_type(), "variables": dict(trigger_variables)},
            created=now,
        )
        execution.set_state(State.CREATED, now)
        return execution
