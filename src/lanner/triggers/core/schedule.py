"""Schedule: start an execution at the times a cron expression gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from lanner.triggers import cron
from lanner.triggers.base import Trigger

__all__ = ["Backfill", "Schedule"]


class Backfill(BaseModel):
    """Start executions for the past fire times of the schedule (Kestra's former `backfill` property)."""

    model_config = ConfigDict(extra="forbid")

    start: datetime = Field(description="First moment to backfill from (ISO-8601).", examples=["2024-01-01T00:00:00Z"])
    end: datetime | None = Field(
        default=None, description="Last moment to backfill (now when unset).", examples=["2024-02-01T00:00:00Z"]
    )
    inputs: dict[str, Any] | None = Field(
        default=None, description="Inputs of the backfill executions.", examples=[{"full_refresh": True}]
    )
    labels: dict[str, str] | None = Field(
        default=None, description="Labels of the backfill executions.", examples=[{"backfill": "true"}]
    )


class Schedule(Trigger):
    """Start an execution each time the cron expression fires, in `timezone` (UTC by default).

    The execution sees `{{ trigger.date }}` (the scheduled time), `{{ trigger.next }}` and
    `{{ trigger.previous }}`.
    """

    type: Literal[
        "lanner.trigger.Schedule",
        "io.kestra.plugin.core.trigger.Schedule",
        "io.kestra.core.models.triggers.types.Schedule",
    ] = Field(description="Schedule trigger.")
    withSeconds: bool = Field(
        default=False, description="The cron expression has 6 fields, seconds first, instead of 5.", examples=[True]
    )
    cron: str = Field(
        description="When to fire: 5 fields (minute hour day-of-month month day-of-week), 6 with `withSeconds`, "
        "or a nickname: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly.",
        examples=["0 9 * * 1-5", "*/15 * * * *", "@daily"],
    )
    timezone: str = Field(
        default="UTC", description="Time zone the cron expression is read in (IANA name).", examples=["Europe/Paris"]
    )
    inputs: dict[str, Any] | None = Field(
        default=None, description="Inputs of the executions started (expressions allowed).", examples=[{"env": "prod"}]
    )
    recoverMissedSchedules: Literal["ALL", "LAST", "NONE"] | None = Field(
        default=None,
        description="Fire times missed while the scheduler was down: start them ALL, only the LAST one, or NONE. "
        "Unset means the server's setting (ALL by default).",
        examples=["LAST"],
    )
    lateMaximumDelay: timedelta | None = Field(
        default=None,
        description="Skip a scheduled execution that could not start within this delay (ISO-8601).",
        examples=["PT1H"],
    )
    backfill: Backfill | None = Field(
        default=None,
        description="Past fire times to start executions for.",
        examples=[{"start": "2024-01-01T00:00:00Z", "end": "2024-02-01T00:00:00Z"}],
    )

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str, info: ValidationInfo) -> str:
        cron.check_cron(value, bool(info.data.get("withSeconds", False)))  # a CronError is a ValueError with a hint
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        cron.zone(value)
        return value

    def next_fire(self, after: datetime) -> datetime:
        """The first fire time strictly after ``after`` (a naive moment is UTC), in the trigger's time zone."""
        return cron.next_fire(self.cron, after, with_seconds=self.withSeconds, timezone=self.timezone)

    def previous_fire(self, before: datetime) -> datetime:
        """The last fire time strictly before ``before``."""
        return cron.previous_fire(self.cron, before, with_seconds=self.withSeconds, timezone=self.timezone)

    def fire_times(self, start: datetime, end: datetime, limit: int | None = None) -> Iterator[datetime]:
        """Fire times in ``(start, end]``, oldest first."""
        return cron.fire_times(self.cron, start, end, with_seconds=self.withSeconds, timezone=self.timezone, limit=limit)

    def missed(self, last: datetime, now: datetime, default: str = "ALL", limit: int | None = None) -> list[datetime]:
        """Fire times in ``(last, now]`` to start after a downtime, per ``recoverMissedSchedules``.

        ``default`` is the server's policy when the trigger sets none; ``limit`` caps ALL.
        """
        policy = self.recoverMissedSchedules or default
        if policy == "NONE":
            return []
        if policy == "LAST":
            latest = self.previous_fire(now + timedelta(microseconds=1))
            return [latest] if latest > (last if last.tzinfo else last.replace(tzinfo=UTC)) else []
        return list(self.fire_times(last, now, limit))
