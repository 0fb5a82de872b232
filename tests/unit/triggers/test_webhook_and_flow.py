"""Webhook and Flow triggers: properties, validation, matching of upstream executions."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from lanner.models.registry import default_registry
from lanner.models.state import State
from lanner.triggers.core.flow import ExecutionFilter, FlowTrigger
from lanner.triggers.core.webhook import Webhook


def webhook(**props: Any) -> Webhook:
    return Webhook.model_validate({"id": "hook", "type": "io.kestra.plugin.core.trigger.Webhook", **props})


def flow_trigger(**props: Any) -> FlowTrigger:
    return FlowTrigger.model_validate({"id": "after", "type": "io.kestra.plugin.core.trigger.Flow", **props})


def test_webhook_defaults_and_url() -> None:
    hook = webhook(key="4wjtkzwVGBM9yKnjm3yv8r")
    assert (hook.wait, hook.returnOutputs, hook.inputs) == (False, False, None)
    assert hook.url_path("company.team", "orders") == "/api/v1/executions/webhook/company.team/orders/4wjtkzwVGBM9yKnjm3yv8r"
    assert Webhook.model_validate({"id": "h", "type": "io.kestra.core.models.triggers.types.Webhook", "key": "k"})


def test_webhook_properties() -> None:
    hook = webhook(key="k", wait=True, returnOutputs=True, inputs={"order": "{{ trigger.body.id }}"},
                   conditions=[{"type": "io.kestra.plugin.core.condition.Expression",
                                "expression": "{{ trigger.body.ok }}"}])  # fmt: skip
    assert hook.inputs == {"order": "{{ trigger.body.id }}"}
    assert hook.conditions is not None and hook.conditions[0].expression == "{{ trigger.body.ok }}"  # type: ignore[attr-defined]


def test_webhook_key_may_be_an_expression() -> None:
    assert webhook(key="{{ secret('HOOK_KEY') }}").key == "{{ secret('HOOK_KEY') }}"


def test_webhook_rejects_execution_conditions() -> None:
    with pytest.raises(ValidationError, match="applies to Flow triggers only"):
        webhook(key="k", conditions=[{"type": "io.kestra.plugin.core.condition.ExecutionFlow", "namespace": "a", "flowId": "b"}])


@pytest.mark.parametrize("key", ["", "a/b", "with space", "x" * 257])
def test_webhook_key_must_fit_in_a_url(key: str) -> None:
    with pytest.raises(ValidationError):
        webhook(key=key)


def test_webhook_key_is_required() -> None:
    with pytest.raises(ValidationError, match="key"):
        webhook()


def test_flow_trigger_defaults_watch_terminal_states_and_paused() -> None:
    trigger = flow_trigger()
    assert State.PAUSED in trigger.watched_states()
    assert State.SUCCESS in trigger.watched_states()
    assert State.RUNNING not in trigger.watched_states()
    assert trigger.concerns("any", "flow", State.FAILED)
    assert not trigger.concerns("any", "flow", State.RUNNING)


def test_flow_trigger_preconditions() -> None:
    trigger = flow_trigger(
        inputs={"date": "{{ trigger.outputs.date }}"},
        preconditions={
            "id": "upstream",
            "flows": [
                {"namespace": "company.team", "flowId": "extract", "states": ["SUCCESS"]},
                {"namespace": "company.team", "flowId": "load", "labels": {"env": "prod"}},
            ],
            "timeWindow": {"type": "SLIDING_WINDOW", "window": "PT12H"},
        },
    )
    assert trigger.matched_flows("company.team", "extract", State.SUCCESS, {}) == [0]
    assert trigger.matched_flows("company.team", "extract", State.FAILED, {}) == []
    assert trigger.matched_flows("company.team", "load", State.WARNING, {"env": "prod"}) == [1]
    assert trigger.matched_flows("company.team", "load", State.WARNING, {"env": "dev"}) == []
    assert trigger.concerns("company.team", "extract", State.SUCCESS)
    assert not trigger.concerns("other", "extract", State.SUCCESS)
    assert trigger.preconditions is not None and trigger.preconditions.resetOnSuccess is True


def test_flow_trigger_where_filters() -> None:
    trigger = flow_trigger(
        states=["FAILED", "WARNING"],
        preconditions={
            "id": "alerts",
            "where": [
                {
                    "id": "company",
                    "filters": [
                        {"field": "NAMESPACE", "type": "STARTS_WITH", "value": "company"},
                        {"field": "FLOW_ID", "type": "NOT_IN", "values": ["noisy"]},
                        {"field": "EXPRESSION", "type": "IS_TRUE", "value": "{{ x }}"},
                    ],
                }
            ],
        },
    )
    assert trigger.concerns("company.team", "etl", State.FAILED)
    assert not trigger.concerns("company.team", "noisy", State.FAILED)
    assert not trigger.concerns("other", "etl", State.FAILED)
    assert not trigger.concerns("company.team", "etl", State.SUCCESS)


@pytest.mark.parametrize(
    ("kind", "value", "values", "actual", "expected"),
    [
        ("EQUAL_TO", "a", None, "a", True),
        ("NOT_EQUAL_TO", "a", None, "a", False),
        ("IN", None, ["a", "b"], "b", True),
        ("ENDS_WITH", "team", None, "company.team", True),
        ("CONTAINS", "pan", None, "company", True),
        ("REGEX", "comp.*", None, "company", True),
        ("PREFIX", "company", None, "company.team", True),
        ("PREFIX", "company", None, "companyx", False),
        ("IS_NULL", None, None, None, True),
        ("IS_NOT_NULL", None, None, None, False),
    ],
)
def test_execution_filter(kind: str, value: str | None, values: list[str] | None, actual: str | None, expected: bool) -> None:
    check = ExecutionFilter.model_validate({"field": "NAMESPACE", "type": kind, "value": value, "values": values})
    assert check.test(actual) is expected


@pytest.mark.parametrize(
    "props",
    [
        {"states": ["DONE"]},
        {"preconditions": {"flows": [{"flowId": "no namespace"}]}},
        {"preconditions": {"timeWindow": {"type": "DAILY_TIME_DEADLINE"}}},
        {"preconditions": {"timeWindow": {"type": "DAILY_TIME_WINDOW", "startTime": "06:00:00"}}},
        {"preconditions": {"where": [{"id": "w", "filters": []}]}},
        {"preconditions": {"unknown": 1}},
    ],
)
def test_flow_trigger_invalid(props: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        flow_trigger(**props)


def test_triggers_are_registered_with_kestra_aliases() -> None:
    registry = default_registry()
    assert registry.triggers["io.kestra.plugin.core.trigger.Flow"] is FlowTrigger
    assert registry.triggers["io.kestra.core.models.triggers.types.Webhook"] is Webhook
    assert registry.canonical("io.kestra.plugin.core.trigger.Schedule") == "lanner.trigger.Schedule"
