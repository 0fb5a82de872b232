"""Flow trigger: start an execution when executions of other flows change state."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lanner.models.state import TERMINAL_STATES, State
from lanner.triggers.base import Trigger
from lanner.triggers.conditions import UpstreamExecution

__all__ = ["ExecutionFilter", "FlowCondition", "FlowTrigger", "Preconditions", "TimeWindow", "WhereCondition"]

#: the states a Flow trigger reacts to when `states` is unset (Kestra's default)
DEFAULT_STATES = frozenset(TERMINAL_STATES | {State.PAUSED})


class FlowCondition(BaseModel):
    """An upstream flow whose executions satisfy a precondition."""

    model_config = ConfigDict(extra="forbid")

    namespace: str = Field(description="Namespace of the upstream flow.", examples=["company.team"])
    flowId: str | None = Field(
        default=None, description="Id of the upstream flow; any flow of the namespace when unset.", examples=["extract"]
    )
    states: list[State] | None = Field(
        default=None,
        description="Execution states that count (by default any state the trigger watches).",
        examples=[["SUCCESS"]],
    )
    labels: dict[str, str] | None = Field(
        default=None, description="Labels the upstream execution must carry.", examples=[{"env": "prod"}]
    )

    def matches(self, namespace: str, flow_id: str, state: State, labels: Mapping[str, str]) -> bool:
        if namespace != self.namespace or (self.flowId is not None and flow_id != self.flowId):
            return False
        if self.states is not None and state not in self.states:
            return False
        return all(labels.get(key) == value for key, value in (self.labels or {}).items())


class ExecutionFilter(BaseModel):
    """A test on one field of the upstream execution."""

    model_config = ConfigDict(extra="forbid")

    field: Literal["FLOW_ID", "NAMESPACE", "STATE", "EXPRESSION"] = Field(
        description="Field tested; EXPRESSION tests `value` as an expression.", examples=["NAMESPACE"]
    )
    type: Literal[
        "EQUAL_TO",
        "NOT_EQUAL_TO",
        "IN",
        "NOT_IN",
        "IS_TRUE",
        "IS_FALSE",
        "IS_NULL",
        "IS_NOT_NULL",
        "STARTS_WITH",
        "ENDS_WITH",
        "REGEX",
        "CONTAINS",
        "PREFIX",
    ] = Field(description="Comparison made.", examples=["STARTS_WITH"])
    value: str | None = Field(default=None, description="Value compared with.", examples=["company"])
    values: list[str] | None = Field(default=None, description="Values for IN and NOT_IN.", examples=[["FAILED", "WARNING"]])

    def test(self, actual: str | None) -> bool | None:
        """Whether the field value passes; None when it cannot be decided here (expressions)."""
        if self.field == "EXPRESSION":
            return None
        kind, value, values = self.type, self.value, self.values or []
        if kind == "IS_NULL":
            return actual is None
        if kind == "IS_NOT_NULL":
            return actual is not None
        if actual is None:
            return False
        tests = {
            "EQUAL_TO": lambda: actual == value,
            "NOT_EQUAL_TO": lambda: actual != value,
            "IN": lambda: actual in values,
            "NOT_IN": lambda: actual not in values,
            "STARTS_WITH": lambda: value is not None and actual.startswith(value),
            "PREFIX": lambda: value is not None and (actual == value or actual.startswith(value + ".")),
            "ENDS_WITH": lambda: value is not None and actual.endswith(value),
            "CONTAINS": lambda: value is not None and value in actual,
            "REGEX": lambda: value is not None and re.fullmatch(value, actual) is not None,
            "IS_TRUE": lambda: actual.lower() == "true",
            "IS_FALSE": lambda: actual.lower() == "false",
        }
        return bool(tests[kind]())

    def test_expression(self, rendered: Any) -> bool:
        """An EXPRESSION filter: ``rendered`` is the value of the expression in `value`."""
        if self.type == "IS_NULL":
            return rendered is None
        if self.type == "IS_NOT_NULL":
            return rendered is not None
        text = "" if rendered is None else str(rendered).strip()
        truthy = text.lower() not in ("", "false", "0", "null", "none")
        if self.type == "IS_FALSE":
            return not truthy
        if self.type in ("IN", "NOT_IN"):
            return (text in (self.values or [])) == (self.type == "IN")
        return truthy


class WhereCondition(BaseModel):
    """Filters on the upstream execution, combined with `operand`."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$", description="Condition identifier.", examples=["company_failures"])
    filters: list[ExecutionFilter] = Field(
        min_length=1,
        description="Filters on the execution.",
        examples=[[{"field": "NAMESPACE", "type": "STARTS_WITH", "value": "company"}]],
    )
    operand: Literal["AND", "OR"] = Field(
        default="AND", description="Whether all filters (AND) or any (OR) must pass.", examples=["OR"]
    )

    def matches(self, namespace: str, flow_id: str, state: State, render: Callable[[str], Any] | None = None) -> bool:
        """Whether the upstream execution passes; EXPRESSION filters count only with ``render``."""
        fields = {"NAMESPACE": namespace, "FLOW_ID": flow_id, "STATE": state.value}
        results: list[bool | None] = []
        for f in self.filters:
            if f.field != "EXPRESSION":
                results.append(f.test(fields.get(f.field)))
            elif render is not None:
                results.append(f.test_expression(render(f.value or "")))
        decided = [r for r in results if r is not None]
        if not decided:
            return True
        return all(decided) if self.operand == "AND" else any(decided)


class TimeWindow(BaseModel):
    """The period within which every precondition must be met."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["DURATION_WINDOW", "SLIDING_WINDOW", "DAILY_TIME_DEADLINE", "DAILY_TIME_WINDOW"] = Field(
        default="DURATION_WINDOW",
        description="DURATION_WINDOW: fixed windows of `window`; SLIDING_WINDOW: the last `window`; "
        "DAILY_TIME_DEADLINE: each day before `deadline`; DAILY_TIME_WINDOW: each day between `startTime` and `endTime`.",
        examples=["SLIDING_WINDOW"],
    )
    window: timedelta | None = Field(default=None, description="Window length (ISO-8601), 1 day by default.", examples=["PT12H"])
    windowAdvance: timedelta | None = Field(
        default=None, description="Offset of the fixed windows from midnight.", examples=["PT6H"]
    )
    deadline: time | None = Field(default=None, description="Daily deadline (DAILY_TIME_DEADLINE).", examples=["09:00:00"])
    startTime: time | None = Field(default=None, description="Daily start (DAILY_TIME_WINDOW).", examples=["06:00:00"])
    endTime: time | None = Field(default=None, description="Daily end (DAILY_TIME_WINDOW).", examples=["09:00:00"])

    @model_validator(mode="after")
    def _fields_for_type(self) -> TimeWindow:
        if self.type == "DAILY_TIME_DEADLINE" and self.deadline is None:
            raise ValueError("a DAILY_TIME_DEADLINE window needs `deadline`")
        if self.type == "DAILY_TIME_WINDOW" and (self.startTime is None or self.endTime is None):
            raise ValueError("a DAILY_TIME_WINDOW window needs `startTime` and `endTime`")
        return self


class Preconditions(BaseModel):
    """What upstream executions must happen, within a time window, before the flow starts."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        default=None,
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$",
        description="Identifier of the precondition set.",
        examples=["upstream"],
    )
    flows: list[FlowCondition] | None = Field(
        default=None,
        description="Upstream flows whose executions are awaited.",
        examples=[[{"namespace": "company.team", "flowId": "extract", "states": ["SUCCESS"]}]],
    )
    where: list[WhereCondition] | None = Field(
        default=None,
        description="Filters on any upstream execution.",
        examples=[[{"id": "failures", "filters": [{"field": "STATE", "type": "IN", "values": ["FAILED"]}]}]],
    )
    timeWindow: TimeWindow | None = Field(
        default=None,
        description="Period in which all preconditions must be met.",
        examples=[{"type": "DURATION_WINDOW", "window": "PT12H"}],
    )
    resetOnSuccess: bool = Field(
        default=True,
        description="Start counting again after the preconditions were met once in the window.",
        examples=[False],
    )


class FlowTrigger(Trigger):
    """Start an execution when executions of other flows reach given states.

    The execution sees the upstream execution as `{{ trigger.executionId }}`, `{{ trigger.namespace }}`,
    `{{ trigger.flowId }}`, `{{ trigger.state }}` and its outputs as `{{ trigger.outputs }}`.
    """

    type: Literal[
        "lanner.trigger.Flow",
        "io.kestra.plugin.core.trigger.Flow",
        "io.kestra.core.models.triggers.types.Flow",
    ] = Field(description="Flow trigger.")
    states: list[State] | None = Field(
        default=None,
        description="Upstream execution states watched; by default every terminal state and PAUSED.",
        examples=[["SUCCESS", "WARNING"]],
    )
    preconditions: Preconditions | None = Field(
        default=None,
        description="Upstream executions to wait for.",
        examples=[{"id": "upstream", "flows": [{"namespace": "company.team", "flowId": "extract"}]}],
    )
    inputs: dict[str, Any] | None = Field(
        default=None,
        description="Inputs of the executions started (expressions over `trigger.outputs` allowed).",
        examples=[{"date": "{{ trigger.outputs.date }}"}],
    )

    def watched_states(self) -> frozenset[State]:
        return frozenset(self.states) if self.states is not None else DEFAULT_STATES

    def condition_keys(self) -> list[str]:
        """One key per precondition (`flows` entries, then `where` entries), under which progress is kept."""
        pre = self.preconditions
        if pre is None:
            return []
        return [f"flows.{i}" for i in range(len(pre.flows or []))] + [f"where.{w.id}" for w in pre.where or []]

    def matched_conditions(self, upstream: UpstreamExecution, render: Callable[[str], Any] | None = None) -> list[str]:
        """Keys of the preconditions this upstream execution meets (empty when its state is not watched)."""
        if upstream.state not in self.watched_states():
            return []
        pre = self.preconditions
        if pre is None:
            return []
        keys = [f"flows.{i}" for i in self.matched_flows(upstream.namespace, upstream.flow_id, upstream.state, upstream.labels)]
        for where in pre.where or []:
            if where.matches(upstream.namespace, upstream.flow_id, upstream.state, render):
                keys.append(f"where.{where.id}")
        return keys

    def concerns(self, namespace: str, flow_id: str, state: State, labels: Mapping[str, str] | None = None) -> bool:
        """Whether an upstream execution in ``state`` is relevant: a watched state, and one precondition met
        (expression filters aside)."""
        upstream = UpstreamExecution("", namespace, flow_id, state, dict(labels or {}))
        if state not in self.watched_states():
            return False
        return not self.condition_keys() or bool(self.matched_conditions(upstream))

    def matched_flows(self, namespace: str, flow_id: str, state: State, labels: Mapping[str, Any]) -> list[int]:
        """Indexes of the `preconditions.flows` entries this upstream execution satisfies."""
        flows = self.preconditions.flows if self.preconditions else None
        str_labels = {str(k): str(v) for k, v in labels.items()}
        return [i for i, cond in enumerate(flows or []) if cond.matches(namespace, flow_id, state, str_labels)]
