"""Log: write messages to the task's logs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from lanner.tasks.base import LogLevel, Output, RunnableTask
from lanner.tasks.context import RunContext

__all__ = ["Log"]


class Log(RunnableTask):
    """Write one or more messages to the logs of the execution, at the chosen level.

    The flow's or task's `logLevel` still decides which levels are kept.
    """

    type: Literal["lanner.core.Log", "io.kestra.plugin.core.log.Log", "io.kestra.core.tasks.log.Log"]
    message: str | list[str] = Field(
        description="The message, or a list of messages each logged as its own line; expressions are rendered.",
        examples=["{{ task.id }} started at {{ taskrun.startDate }}", ["first message", "second message"]],
    )
    level: LogLevel = Field(default="INFO", description="Level of the log lines.", examples=["DEBUG"])

    async def run(self, ctx: RunContext) -> Output | None:
        messages = [self.message] if isinstance(self.message, str) else list(self.message)
        for message in messages:
            ctx.logger.log(self.level, str(await ctx.render(message)))
        return None
