"""Tasks acting on the execution itself: Fail and Labels."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanner.errors import TaskFailure
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext
from lanner.tasks.flowable_utils import is_truthy

__all__ = ["Fail", "Label", "Labels"]

_SYSTEM_PREFIX = "system."


class Fail(RunnableTask):
    """Fail the task, always or when a condition is true, with a message of your choice.

    Typical uses: a `Switch` branch that must never be reached, or a check on the outputs of
    earlier tasks. The flow's `errors` tasks then run.
    """

    type: Literal["lanner.core.Fail", "io.kestra.plugin.core.execution.Fail", "io.kestra.core.tasks.executions.Fail"]
    condition: str | bool | None = Field(
        default=None,
        description="When set, fail only if it renders to a true value (false, 0, an empty value "
        "and 'false' are false). Unset, the task always fails.",
        examples=["{{ outputs.count.vars.rows == 0 }}"],
    )
    errorMessage: str = Field(
        default="Task failure",
        description="The failure message; expressions are rendered.",
        examples=["No rows were loaded for {{ inputs.date }}"],
    )

    async def run(self, ctx: RunContext) -> Output | None:
        if self.condition is not None and not is_truthy(await ctx.render(self.condition)):
            return None
        raise TaskFailure(str(await ctx.render(self.errorMessage)))  # the worker logs it


class Label(BaseModel):
    """One label, as `key` and `value`."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="Label name.", examples=["team"])
    value: Any = Field(description="Label value; expressions are rendered.", examples=["{{ inputs.team }}"])


class Labels(RunnableTask):
    """Add labels to the execution, or replace the values of existing ones.

    Labels whose name starts with `system.` are reserved and fail the task.
    """

    type: Literal["lanner.core.Labels", "io.kestra.plugin.core.execution.Labels", "io.kestra.core.tasks.executions.Labels"]
    labels: dict[str, Any] | list[Label] | str = Field(
        description="A map of label names to values, a list of `key`/`value` pairs, or an expression rendering to a JSON map.",
        examples=[{"customer": "{{ trigger.body.customerId }}"}, [{"key": "order", "value": "{{ inputs.order }}"}]],
    )

    async def run(self, ctx: RunContext) -> Output | None:
        labels = await self._render(ctx)
        reserved = sorted(key for key in labels if key.startswith(_SYSTEM_PREFIX))
        if reserved:
            raise TaskFailure(
                f"labels starting with `{_SYSTEM_PREFIX}` are set by Lanner only: {', '.join(reserved)}",
                retryable=False,
            )
        ctx.set_labels(labels)
        return None

    async def _render(self, ctx: RunContext) -> dict[str, str]:
        if isinstance(self.labels, str):
            rendered = await ctx.render(self.labels)
            try:
                parsed = json.loads(rendered) if isinstance(rendered, str) else rendered
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise TaskFailure(f"`labels` must render to a JSON map, got {str(rendered)[:200]!r}", retryable=False)
            pairs = list(parsed.items())
        elif isinstance(self.labels, list):
            pairs = [(label.key, label.value) for label in self.labels]
        else:
            pairs = list(self.labels.items())
        labels: dict[str, str] = {}
        for key, value in pairs:
            name = str(await ctx.render(str(key)))
            rendered_value = await ctx.render(value)
            labels[name] = rendered_value if isinstance(rendered_value, str) else json.dumps(rendered_value)
        return labels
