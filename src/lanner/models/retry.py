"""Retry policies shared by tasks and flows (Kestra's ``retry`` property)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ConstantRetry", "ExponentialRetry", "RandomRetry", "Retry"]


class _RetryBase(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"type": "constant", "interval": "PT10S", "maxAttempts": 3}]}
    )

    maxAttempts: int | None = Field(
        default=None,
        ge=1,
        description="Total number of attempts, the first one included. Unlimited when unset (then set `maxDuration`).",
        examples=[3],
    )
    maxDuration: timedelta | None = Field(
        default=None,
        description="Stop retrying once this much time has passed since the first attempt started (ISO-8601 duration).",
        examples=["PT1H"],
    )
    warningOnRetry: bool = Field(
        default=False,
        description="End in WARNING instead of SUCCESS when the task succeeded only after a retry.",
    )
    behavior: Literal["RETRY_FAILED_TASK", "CREATE_NEW_EXECUTION"] = Field(
        default="RETRY_FAILED_TASK",
        description="On a flow-level retry: retry the failed task in the same execution, or start a new execution of the flow.",
    )

    def delay(self, attempt: int) -> timedelta:
        """Delay before attempt number ``attempt + 1`` (``attempt`` counts from 1)."""
        raise NotImplementedError

    def allows(self, attempts_made: int, elapsed: timedelta) -> bool:
        """Whether another attempt may start after ``attempts_made`` attempts."""
        if self.maxAttempts is not None and attempts_made >= self.maxAttempts:
            return False
        if self.maxDuration is not None and elapsed + self.delay(attempts_made) > self.maxDuration:
            return False
        return self.maxAttempts is not None or self.maxDuration is not None


class ConstantRetry(_RetryBase):
    """Wait the same `interval` between attempts."""

    type: Literal["constant"]
    interval: timedelta = Field(description="Time between two attempts (ISO-8601 duration).", examples=["PT30S"])

    def delay(self, attempt: int) -> timedelta:
        return self.interval


class ExponentialRetry(_RetryBase):
    """Multiply the wait by `delayFactor` after each attempt, up to `maxInterval`."""

    type: Literal["exponential"]
    interval: timedelta = Field(description="Wait before the second attempt.", examples=["PT1S"])
    maxInterval: timedelta | None = Field(default=None, description="Longest wait between attempts.", examples=["PT5M"])
    delayFactor: float = Field(default=2.0, gt=0, description="Factor applied to the wait after each attempt.")

    def delay(self, attempt: int) -> timedelta:
        wait = self.interval * (self.delayFactor ** max(attempt - 1, 0))
        if self.maxInterval is not None and wait > self.maxInterval:
            return self.maxInterval
        return wait


class RandomRetry(_RetryBase):
    """Wait a random time between `minInterval` and `maxInterval`."""

    type: Literal["random"]
    minInterval: timedelta = Field(description="Shortest wait.", examples=["PT1S"])
    maxInterval: timedelta = Field(description="Longest wait.", examples=["PT10S"])

    def delay(self, attempt: int) -> timedelta:
        low, high = self.minInterval.total_seconds(), self.maxInterval.total_seconds()
        return timedelta(seconds=random.uniform(low, max(low, high)))


Retry = Annotated[ConstantRetry | ExponentialRetry | RandomRetry, Field(discriminator="type")]
