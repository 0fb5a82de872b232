"""Trigger conditions: Kestra's condition types that limit when a trigger starts an execution.

Date conditions (``DayWeek``, ``DayWeekInMonth``, ``DateTimeBetween``, ``TimeBetween``,
``Weekend``) test ``date``, ``{{ trigger.date }}`` by default; execution conditions
(``ExecutionStatus``, ``ExecutionFlow``, ``ExecutionNamespace``, ``ExecutionLabels``,
``ExecutionOutputs``) test the upstream execution of a Flow trigger; ``Expression``, ``Not``
and ``Or`` work everywhere. An unknown condition type is rejected when the flow is validated.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from lanner.models.flow import Label
from lanner.models.state import State

__all__ = [
    "CONDITION_TYPES",
    "AnyCondition",
    "Condition",
    "ConditionContext",
    "UpstreamExecution",
    "all_hold",
    "check_without_execution",
]

DayOfWeek = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
_DAYS: tuple[str, ...] = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_TRIGGER_DATE = "{{ trigger.date }}"


@dataclass(frozen=True, slots=True)
class UpstreamExecution:
    """The execution a Flow trigger reacts to."""

    id: str
    namespace: str
    flow_id: str
    state: State
    labels: Mapping[str, str] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ConditionContext:
    """What conditions are evaluated against."""

    #: expression variables (``trigger``, ``flow``…)
    variables: dict[str, Any]
    #: renders an expression with ``variables`` (typed result)
    render: Callable[[str, Mapping[str, Any]], Any]
    #: the trigger date (schedule tick, webhook call, upstream end)
    date: datetime
    execution: UpstreamExecution | None = None


class Condition(BaseModel):
    """Properties every condition has."""

    model_config = ConfigDict(extra="forbid")

    #: the upstream execution is needed (Flow triggers only)
    needs_execution: ClassVar[bool] = False

    id: str | None = Field(default=None, description="Condition identifier.", examples=["business_days"])

    def holds(self, ctx: ConditionContext) -> bool:
        raise NotImplementedError

    def _date(self, ctx: ConditionContext, template: str) -> datetime:
        if template.strip() == _TRIGGER_DATE:
            return ctx.date
        value = ctx.render(template, ctx.variables)
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            raise ValueError(f"condition date {template!r} gave {value!r}, not an ISO-8601 date-time") from None


def _names(short: str) -> tuple[str, str, str]:
    return (
        f"io.kestra.plugin.core.condition.{short}",
        f"io.kestra.plugin.core.condition.{short}Condition",
        f"io.kestra.core.models.conditions.types.{short}Condition",
    )


class DayWeek(Condition):
    """Hold on one day of the week."""

    type: Literal[_names("DayWeek")] = Field(description="Day of week condition.")  # type: ignore[valid-type]
    dayOfWeek: DayOfWeek = Field(description="The day.", examples=["MONDAY"])
    date: str = Field(default=_TRIGGER_DATE, description="Date tested (expression).")

    def holds(self, ctx: ConditionContext) -> bool:
        return _DAYS[self._date(ctx, self.date).weekday()] == self.dayOfWeek


class DayWeekInMonth(Condition):
    """Hold on the first, second, third, fourth or last given weekday of the month."""

    type: Literal[_names("DayWeekInMonth")] = Field(description="Day of week in month condition.")  # type: ignore[valid-type]
    dayOfWeek: DayOfWeek = Field(description="The day.", examples=["MONDAY"])
    dayInMonth: Literal["FIRST", "SECOND", "THIRD", "FOURTH", "LAST"] = Field(
        description="Which one in the month.", examples=["FIRST"]
    )
    date: str = Field(default=_TRIGGER_DATE, description="Date tested (expression).")

    def holds(self, ctx: ConditionContext) -> bool:
        day = self._date(ctx, self.date)
        if _DAYS[day.weekday()] != self.dayOfWeek:
            return False
        if self.dayInMonth == "LAST":
            return day.day + 7 > calendar.monthrange(day.year, day.month)[1]
        return (day.day - 1) // 7 == ("FIRST", "SECOND", "THIRD", "FOURTH").index(self.dayInMonth)


class DateTimeBetween(Condition):
    """Hold between two date-times (either bound optional)."""

    type: Literal[_names("DateTimeBetween")] = Field(description="Date-time range condition.")  # type: ignore[valid-type]
    after: datetime | None = Field(
        default=None, description="The date must be after this one.", examples=["2024-01-01T00:00:00Z"]
    )
    before: datetime | None = Field(
        default=None, description="The date must be before this one.", examples=["2025-01-01T00:00:00Z"]
    )
    date: str = Field(default=_TRIGGER_DATE, description="Date tested (expression).")

    def holds(self, ctx: ConditionContext) -> bool:
        day = self._date(ctx, self.date)
        return (self.after is None or day > self.after) and (self.before is None or day < self.before)


class TimeBetween(Condition):
    """Hold between two times of the day (in the date's own time zone)."""

    type: Literal[_names("TimeBetween")] = Field(description="Time of day range condition.")  # type: ignore[valid-type]
    after: time | None = Field(default=None, description="The time must be after this one.", examples=["09:00:00"])
    before: time | None = Field(default=None, description="The time must be before this one.", examples=["17:00:00"])
    date: str = Field(default=_TRIGGER_DATE, description="Date tested (expression).")

    def holds(self, ctx: ConditionContext) -> bool:
        moment = self._date(ctx, self.date).time().replace(tzinfo=None)
        return (self.after is None or moment > self.after) and (self.before is None or moment < self.before)


class Weekend(Condition):
    """Hold on Saturdays and Sundays."""

    type: Literal[_names("Weekend")] = Field(description="Weekend condition.")  # type: ignore[valid-type]
    date: str = Field(default=_TRIGGER_DATE, description="Date tested (expression).")

    def holds(self, ctx: ConditionContext) -> bool:
        return self._date(ctx, self.date).weekday() >= 5


class Expression(Condition):
    """Hold when the expression is true."""

    type: Literal[_names("Expression")] = Field(description="Expression condition.")  # type: ignore[valid-type]
    expression: str = Field(description="Expression that must be true.", examples=["{{ trigger.body.ok }}"])

    def holds(self, ctx: ConditionContext) -> bool:
        return _truthy(ctx.render(self.expression, ctx.variables))


class Not(Condition):
    """Hold when none of the conditions holds."""

    type: Literal[_names("Not")] = Field(description="Negation.")  # type: ignore[valid-type]
    conditions: list[AnyCondition] = Field(min_length=1, description="Conditions negated.")

    def holds(self, ctx: ConditionContext) -> bool:
        return not any(c.holds(ctx) for c in self.conditions)


class Or(Condition):
    """Hold when any of the conditions holds."""

    type: Literal[_names("Or")] = Field(description="Disjunction.")  # type: ignore[valid-type]
    conditions: list[AnyCondition] = Field(min_length=1, description="Conditions, one of which must hold.")

    def holds(self, ctx: ConditionContext) -> bool:
        return any(c.holds(ctx) for c in self.conditions)


class _OnExecution(Condition):
    needs_execution: ClassVar[bool] = True

    def holds(self, ctx: ConditionContext) -> bool:
        return ctx.execution is not None and self.test(ctx.execution, ctx)

    def test(self, execution: UpstreamExecution, ctx: ConditionContext) -> bool:
        raise NotImplementedError


class ExecutionStatus(_OnExecution):
    """Hold when the upstream execution's state is in `in` and not in `notIn`."""

    type: Literal[_names("ExecutionStatus")] = Field(description="Execution state condition.")  # type: ignore[valid-type]
    in_: list[State] | None = Field(default=None, alias="in", description="Accepted states.", examples=[["SUCCESS"]])
    notIn: list[State] | None = Field(default=None, description="Refused states.", examples=[["FAILED"]])

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def test(self, execution: UpstreamExecution, ctx: ConditionContext) -> bool:
        return (self.in_ is None or execution.state in self.in_) and execution.state not in (self.notIn or [])


class ExecutionFlow(_OnExecution):
    """Hold when the upstream execution is of this flow."""

    type: Literal[_names("ExecutionFlow")] = Field(description="Upstream flow condition.")  # type: ignore[valid-type]
    namespace: str = Field(description="Namespace of the flow.", examples=["company.team"])
    flowId: str = Field(description="Id of the flow.", examples=["extract"])

    def test(self, execution: UpstreamExecution, ctx: ConditionContext) -> bool:
        return execution.namespace == self.namespace and execution.flow_id == self.flowId


class ExecutionNamespace(_OnExecution):
    """Hold when the upstream execution's namespace equals, starts or ends with `namespace`."""

    type: Literal[_names("ExecutionNamespace")] = Field(description="Upstream namespace condition.")  # type: ignore[valid-type]
    namespace: str = Field(description="Namespace compared with.", examples=["company"])
    comparison: Literal["EQUALS", "PREFIX", "SUFFIX"] | None = Field(default=None, description="How to compare.")
    prefix: bool = Field(default=False, description="Former way to ask for PREFIX.")

    def test(self, execution: UpstreamExecution, ctx: ConditionContext) -> bool:
        how = self.comparison or ("PREFIX" if self.prefix else "EQUALS")
        if how == "PREFIX":
            return execution.namespace.startswith(self.namespace)
        if how == "SUFFIX":
            return execution.namespace.endswith(self.namespace)
        return execution.namespace == self.namespace


class ExecutionLabels(_OnExecution):
    """Hold when the upstream execution carries all these labels."""

    type: Literal[_names("ExecutionLabels")] = Field(description="Upstream labels condition.")  # type: ignore[valid-type]
    labels: dict[str, str] | list[Label] = Field(description="Labels required.", examples=[{"env": "prod"}])

    def test(self, execution: UpstreamExecution, ctx: ConditionContext) -> bool:
        wanted = {lb.key: lb.value for lb in self.labels} if isinstance(self.labels, list) else self.labels
        return all(execution.labels.get(k) == v for k, v in wanted.items())


class ExecutionOutputs(_OnExecution):
    """Hold when the expression over the upstream execution's outputs (`trigger.outputs`) is true."""

    type: Literal[_names("ExecutionOutputs")] = Field(description="Upstream outputs condition.")  # type: ignore[valid-type]
    expression: str = Field(description="Expression that must be true.", examples=["{{ trigger.outputs.rows > 0 }}"])

    def test(self, execution: UpstreamExecution, ctx: ConditionContext) -> bool:
        return bool(execution.outputs) and _truthy(ctx.render(self.expression, ctx.variables))


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "0", "null", "none")
    return bool(value)


_CLASSES: tuple[type[Condition], ...] = (
    DayWeek,
    DayWeekInMonth,
    DateTimeBetween,
    TimeBetween,
    Weekend,
    Expression,
    Not,
    Or,
    ExecutionStatus,
    ExecutionFlow,
    ExecutionNamespace,
    ExecutionLabels,
    ExecutionOutputs,
)
#: every accepted condition type name -> its class
CONDITION_TYPES: dict[str, type[Condition]] = {
    name: cls
    for cls in _CLASSES
    for name in cls.model_fields["type"].annotation.__args__  # type: ignore[union-attr]
}


def _tag(value: Any) -> str | None:
    name = value.get("type") if isinstance(value, Mapping) else getattr(value, "type", None)
    cls = CONDITION_TYPES.get(name) if isinstance(name, str) else None
    return cls.__name__ if cls is not None else None


_SHORT = ", ".join(cls.__name__ for cls in _CLASSES)
if TYPE_CHECKING:
    AnyCondition = Condition
else:
    #: any condition, chosen by its `type`
    AnyCondition = Annotated[
        Union[tuple(Annotated[cls, Tag(cls.__name__)] for cls in _CLASSES)],  # noqa: UP007 - built at run time
        Discriminator(
            _tag,
            custom_error_type="unknown_condition",
            custom_error_message=f"unknown condition type; use io.kestra.plugin.core.condition.X with X one of {_SHORT}",
        ),
    ]

for _cls in (Not, Or):
    _cls.model_rebuild()


def all_hold(conditions: list[Condition] | None, ctx: ConditionContext) -> bool:
    """Whether every condition holds (no conditions: True)."""
    return all(c.holds(ctx) for c in conditions or [])


def check_without_execution(conditions: list[Any] | None) -> list[Any] | None:
    """Reject execution conditions where there is no upstream execution (schedules, webhooks)."""
    for cond in conditions or []:
        if isinstance(cond, Condition) and cond.needs_execution:
            raise ValueError(f"condition {cond.__class__.__name__} applies to Flow triggers only")
        if isinstance(cond, Not | Or):
            check_without_execution(cond.conditions)
    return conditions
