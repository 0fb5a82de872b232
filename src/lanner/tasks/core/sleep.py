"""Sleep: wait for a duration, stopping at once when the attempt is killed."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Literal

from pydantic import Field

from lanner.errors import TaskFailure
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext
from lanner.tasks.core._duration import parse_duration

__all__ = ["Sleep"]


class Sleep(RunnableTask):
    """Wait for a duration before the flow goes on (pacing, back-off, waiting for a system to settle).

    The wait holds a worker slot; to wait for a long time or for a condition, prefer a trigger.
    """

    type: Literal["lanner.core.Sleep", "io.kestra.plugin.core.flow.Sleep", "io.kestra.core.tasks.flows.Sleep"]
    duration: timedelta | str = Field(
        description="How long to wait, as an ISO-8601 duration; expressions are rendered.",
        examples=["PT5S", "PT1M30S"],
    )

    async def run(self, ctx: RunContext) -> Output | None:
        duration = self.duration if isinstance(self.duration, timedelta) else await ctx.render(self.duration)
        delay = parse_duration(duration, "duration")
        if delay < timedelta(0):
            raise TaskFailure(f"`duration` must not be negative, got {delay}", retryable=False)
        ctx.logger.info(f"waiting for {delay}")
        sleeping = asyncio.ensure_future(asyncio.sleep(delay.total_seconds()))
        killed = asyncio.ensure_future(ctx.killed())
        try:
            done, _ = await asyncio.wait({sleeping, killed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            killed.cancel()
        if sleeping not in done:
            raise TaskFailure("the sleep was interrupted: the attempt was killed", retryable=False)
        return None
