"""Webhook: start an execution when an HTTP request reaches the flow's webhook URL."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from lanner.triggers.base import Trigger
from lanner.triggers.conditions import check_without_execution

__all__ = ["Webhook"]


class Webhook(Trigger):
    """Start an execution on `POST|GET|PUT /api/v1/executions/webhook/{namespace}/{flowId}/{key}`.

    The execution sees the request as `{{ trigger.body }}`, `{{ trigger.headers }}` and
    `{{ trigger.parameters }}`.
    """

    type: Literal[
        "lanner.trigger.Webhook",
        "io.kestra.plugin.core.trigger.Webhook",
        "io.kestra.core.models.triggers.types.Webhook",
    ] = Field(description="Webhook trigger.")
    key: str = Field(
        min_length=1,
        max_length=256,
        pattern=r"^(?:[^/\s]+|\{\{.*\}\})$",
        description="Secret part of the webhook URL; whoever knows it can start the flow, so make it hard to guess. "
        "An expression such as `{{ secret('WEBHOOK_KEY') }}` keeps it out of the flow source.",
        examples=["4wjtkzwVGBM9yKnjm3yv8r", "{{ secret('ORDERS_WEBHOOK_KEY') }}"],
    )
    wait: bool = Field(default=False, description="Answer the HTTP request only once the execution has ended.", examples=[True])
    returnOutputs: bool = Field(
        default=False,
        description="With `wait`, answer with the flow's outputs instead of the execution.",
        examples=[True],
    )
    inputs: dict[str, Any] | None = Field(
        default=None,
        description="Inputs of the executions started (expressions over `trigger.body` allowed).",
        examples=[{"order": "{{ trigger.body.id }}"}],
    )

    @field_validator("conditions", mode="after")
    @classmethod
    def _request_conditions(cls, value: list[Any] | None) -> list[Any] | None:
        return check_without_execution(value)

    def url_path(self, namespace: str, flow_id: str) -> str:
        """Path of the webhook endpoint for this trigger."""
        return f"/api/v1/executions/webhook/{namespace}/{flow_id}/{self.key}"
