"""Trigger base class: what starts executions of a flow automatically.

A trigger type is one pydantic model, registered like a task (``lanner.plugins`` entry point)
and written in the flow's ``triggers`` list. Triggers describe *when* an execution starts; the
scheduler and the API decide *that* it starts. This module never imports tasks.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from lanner.models.flow import Label
from lanner.models.plugin import PluginModel
from lanner.models.state import State
from lanner.triggers.conditions import AnyCondition, Condition

__all__ = ["Condition", "Label", "Trigger"]


class Trigger(PluginModel):
    """Properties every trigger has."""

    plugin_kind: ClassVar[str] = "trigger"

    id: str = Field(
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$",
        max_length=100,
        description="Trigger identifier, unique in the flow; the scheduler keeps its state under this id.",
        examples=["daily"],
    )
    type: str = Field(description="Trigger type.")
    description: str | None = Field(
        default=None, description="Markdown description of the trigger.", examples=["Every weekday at 9:00"]
    )
    disabled: bool = Field(default=False, description="A disabled trigger starts nothing.", examples=[True])
    conditions: list[AnyCondition] | None = Field(
        default=None,
        description="Conditions that must all hold for the trigger to start an execution.",
        examples=[[{"type": "io.kestra.plugin.core.condition.Weekend"}]],
    )
    stopAfter: list[State] | None = Field(
        default=None,
        description="Disable the trigger once an execution it started ends in one of these states.",
        examples=[["FAILED"]],
    )
    labels: dict[str, str] | list[Label] | None = Field(
        default=None,
        description="Labels added to the executions this trigger starts; a map or a list of `{key, value}`.",
        examples=[{"source": "schedule"}],
    )

    @field_validator("labels", mode="after")
    @classmethod
    def _labels_as_map(cls, value: dict[str, str] | list[Label] | None) -> dict[str, str] | None:
        if isinstance(value, list):
            return {label.key: label.value for label in value}
        return value

    def label_map(self) -> dict[str, str]:
        return dict(self.labels or {})  # type: ignore[arg-type]

    def stops_after(self, state: State) -> bool:
        """Whether an execution ending in ``state`` disables this trigger."""
        return state in (self.stopAfter or [])
