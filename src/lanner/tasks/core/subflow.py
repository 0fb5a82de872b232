"""Subflow: start an execution of another flow and, by default, wait for it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from lanner.tasks.base import ExecutableTask

__all__ = ["Subflow"]


class Subflow(ExecutableTask):
    """Start an execution of another flow; its `outputs` become this task's outputs.

    Outputs: `executionId`, `state`, and `outputs` (the child flow's outputs, when waited for).
    """

    type: Literal[
        "lanner.core.Subflow",
        "io.kestra.plugin.core.flow.Subflow",
        "io.kestra.core.tasks.flows.Subflow",
        "io.kestra.core.tasks.flows.Flow",
    ]
    namespace: str = Field(description="Namespace of the flow to start.", examples=["company.team"])
    flowId: str = Field(description="Id of the flow to start.", examples=["load_orders"])
    revision: int | None = Field(default=None, description="Revision to run; the latest when unset.")
    inputs: dict[str, Any] | None = Field(
        default=None, description="Inputs of the child execution (expressions allowed).", examples=[{"date": "{{ inputs.date }}"}]
    )
    labels: dict[str, str] | list[dict[str, str]] | None = Field(default=None, description="Labels of the child execution.")
    wait: bool = Field(default=True, description="Wait for the child execution to end before going on.")
    transmitFailed: bool = Field(default=True, description="When waiting, a failed child execution fails this task.")
    inheritLabels: bool = Field(default=False, description="Copy this execution's labels to the child.")

    def label_map(self) -> dict[str, str]:
        if isinstance(self.labels, list):
            return {item["key"]: item["value"] for item in self.labels}
        return dict(self.labels or {})
