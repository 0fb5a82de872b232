"""Trigger conditions: Kestra's date, execution and logical conditions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from lanner.models.state import State
from lanner.triggers.conditions import AnyCondition, ConditionContext, UpstreamExecution

_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyCondition)
MONDAY = datetime(2024, 1, 1, 9, tzinfo=UTC)  # the first Monday of January 2024


def condition(short: str, **props: Any) -> Any:
    return _ADAPTER.validate_python({"type": f"io.kestra.plugin.core.condition.{short}", **props})


def render(template: str, variables: Mapping[str, Any]) -> Any:
    return {"{{ yes }}": True, "{{ no }}": False, "{{ trigger.outputs.rows > 0 }}": variables["rows"] > 0}[template]


def ctx(date: datetime = MONDAY, upstream: UpstreamExecution | None = None, rows: int = 1) -> ConditionContext:
    return ConditionContext({"rows": rows}, render, date, upstream)


@pytest.mark.parametrize(
    ("short", "props", "date", "holds"),
    [
        ("DayWeek", {"dayOfWeek": "MONDAY"}, MONDAY, True),
        ("DayWeek", {"dayOfWeek": "TUESDAY"}, MONDAY, False),
        ("DayWeekInMonth", {"dayOfWeek": "MONDAY", "dayInMonth": "FIRST"}, MONDAY, True),
        ("DayWeekInMonth", {"dayOfWeek": "MONDAY", "dayInMonth": "SECOND"}, datetime(2024, 1, 8, tzinfo=UTC), True),
        ("DayWeekInMonth", {"dayOfWeek": "MONDAY", "dayInMonth": "LAST"}, datetime(2024, 1, 29, tzinfo=UTC), True),
        ("DayWeekInMonth", {"dayOfWeek": "MONDAY", "dayInMonth": "LAST"}, datetime(2024, 1, 22, tzinfo=UTC), False),
        ("DateTimeBetween", {"after": "2023-12-31T00:00:00Z", "before": "2024-01-02T00:00:00Z"}, MONDAY, True),
        ("DateTimeBetween", {"after": "2024-01-02T00:00:00Z"}, MONDAY, False),
        ("TimeBetween", {"after": "08:00:00", "before": "10:00:00"}, MONDAY, True),
        ("Weekend", {}, MONDAY, False),
        ("Weekend", {}, datetime(2024, 1, 6, tzinfo=UTC), True),
        ("Expression", {"expression": "{{ yes }}"}, MONDAY, True),
        ("Not", {"conditions": [{"type": "io.kestra.plugin.core.condition.Weekend"}]}, MONDAY, True),
        ("Or", {"conditions": [{"type": "io.kestra.plugin.core.condition.Weekend"},
                               {"type": "io.kestra.plugin.core.condition.Expression", "expression": "{{ no }}"}]}, MONDAY, False),
    ],
)  # fmt: skip
def test_date_and_logical_conditions(short: str, props: dict[str, Any], date: datetime, holds: bool) -> None:
    assert condition(short, **props).holds(ctx(date)) is holds


def test_execution_conditions() -> None:
    upstream = UpstreamExecution("e1", "company.sync", "airbyte", State.FAILED, {"env": "prod"}, {"rows": 3})
    assert condition("ExecutionStatus", **{"in": ["FAILED"]}).holds(ctx(upstream=upstream))
    assert not condition("ExecutionStatus", notIn=["FAILED"]).holds(ctx(upstream=upstream))
    assert condition("ExecutionFlow", namespace="company.sync", flowId="airbyte").holds(ctx(upstream=upstream))
    assert condition("ExecutionNamespace", namespace="company", comparison="PREFIX").holds(ctx(upstream=upstream))
    assert not condition("ExecutionNamespace", namespace="company").holds(ctx(upstream=upstream))
    assert condition("ExecutionLabels", labels=[{"key": "env", "value": "prod"}]).holds(ctx(upstream=upstream))
    assert condition("ExecutionOutputs", expression="{{ trigger.outputs.rows > 0 }}").holds(ctx(upstream=upstream, rows=3))
    assert not condition("ExecutionFlow", namespace="a", flowId="b").holds(ctx())  # no upstream execution


@pytest.mark.parametrize(
    "data",
    [
        {"type": "io.kestra.plugin.core.condition.PublicHoliday"},
        {"type": "io.kestra.plugin.core.condition.DayWeek", "dayOfWeek": "MONDAYS"},
        {"type": "io.kestra.plugin.core.condition.DayWeek", "dayOfWeek": "MONDAY", "typo": 1},
        {"type": "io.kestra.plugin.core.condition.Not", "conditions": []},
    ],
)
def test_invalid_conditions_are_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _ADAPTER.validate_python(data)


def test_legacy_names() -> None:
    legacy = _ADAPTER.validate_python({"type": "io.kestra.core.models.conditions.types.DayWeekCondition", "dayOfWeek": "MONDAY"})
    assert legacy.holds(ctx())
