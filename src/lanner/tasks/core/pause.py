"""Pause: hold the execution until it is resumed, or until a delay has passed."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field

from lanner.tasks.base import ExecutableTask

__all__ = ["Pause"]


class Pause(ExecutableTask):
    """Pause the execution: for `pauseDuration`, or until someone resumes it (API, UI, CLI)."""

    type: Literal["lanner.core.Pause", "io.kestra.plugin.core.flow.Pause", "io.kestra.core.tasks.flows.Pause"]
    pauseDuration: timedelta | None = Field(
        default=None, description="Resume automatically after this long (ISO-8601).", examples=["PT5M"]
    )
    delay: timedelta | None = Field(default=None, description="Former name of `pauseDuration`.", examples=["PT30S"])
    behavior: Literal["RESUME", "WARN", "FAIL", "CANCEL"] = Field(
        default="RESUME", description="What happens when the pause duration ends without a manual resume."
    )

    def duration(self) -> timedelta | None:
        return self.pauseDuration or self.delay
