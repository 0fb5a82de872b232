"""Tasks that only produce outputs from expressions: Return and OutputValues."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import Field

from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext

__all__ = ["OutputValues", "Return"]


class Return(RunnableTask):
    """Render a text and return it as the `value` output, for debugging or to compute a value once.

    The rendered text is logged at DEBUG. Metrics: `length` (characters) and `duration`.
    """

    type: Literal["lanner.core.Return", "io.kestra.plugin.core.debug.Return", "io.kestra.core.tasks.debugs.Return"]
    format: str | None = Field(
        default=None,
        description="The text to render; the result is `{{ outputs.<task>.value }}`.",
        examples=["{{ task.id }} > {{ taskrun.startDate }}"],
    )

    async def run(self, ctx: RunContext) -> Output:
        start = time.perf_counter()
        value = None if self.format is None else str(await ctx.render(self.format))
        if value is not None:
            ctx.logger.debug(value)
        ctx.metric("length", len(value or ""), "counter")
        ctx.metric("duration", time.perf_counter() - start, "timer")
        return {"value": value}


class OutputValues(RunnableTask):
    """Render values and return them as outputs, read as `{{ outputs.<task>.values.<name> }}`."""

    type: Literal[
        "lanner.core.OutputValues",
        "io.kestra.plugin.core.output.OutputValues",
        "io.kestra.core.tasks.outputs.OutputValues",
    ]
    values: dict[str, Any] = Field(
        default_factory=dict,
        description="Output names and values; expressions in them are rendered.",
        examples=[{"greeting": "hello {{ inputs.name }}", "rows": "{{ outputs.count.vars.rows }}"}],
    )

    async def run(self, ctx: RunContext) -> Output:
        return {"values": await ctx.render(dict(self.values))}
