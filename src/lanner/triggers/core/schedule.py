"""Schedule: start an execution at the times a cron expression gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from lanner.triggers import cron
from lanner.triggers.base import Trigger
from lanner.triggers.conditions import check_without_execution

__all__ = ["Backfill", "Schedule", "Tick", "iso"]


def iso(moment: datetime) -> str:
    """ISO-8601 with the offset, ``Z`` for UTC (as `trigger.date` shows it)."""
    return moment.isoformat().replace("+00:00", "Z")


class Tick(BaseModel):
    """One fire time of a schedule, with its neighbours (`trigger.date`, `trigger.next`, `trigger.previous`)."""

    model_config = ConfigDict(frozen=True)

    date: datetime
    next: datetime
    previous: datetime

    def variables(self) -> dict[str, Any]:
        return {"date": iso(self.date), "next": iso(self.next), "previous": iso(self.previous)}


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

    @field_validator("conditions", mode="after")
    @classmethod
    def _date_conditions(cls, value: list[Any] | None) -> list[Any] | None:
        return check_without_execution(value)

    def signature(self) -> str:
        """What the fire times depend on: a change means planning again from now."""
        return f"{self.cron}|{self.withSeconds}|{self.timezone}"

    def tick(self, moment: datetime) -> Tick:
        """The tick at ``moment`` (a fire time) with the fire times around it."""
        local = moment.astimezone(cron.zone(self.timezone))
        return Tick(date=local, next=self.next_fire(local), previous=self.previous_fire(local))

    def plan(
        self,
        next_date: datetime,
        now: datetime,
        *,
        default_policy: str = "ALL",
        late_after: timedelta = timedelta(seconds=60),
        limit: int = 100,
    ) -> tuple[list[datetime], datetime]:
        """The ticks to fire at ``now`` when the schedule was due at ``next_date``, and the next date to wait for.

        A tick older than ``late_after`` was missed (the scheduler was down or busy):
        ``recoverMissedSchedules`` (or ``default_policy``) says whether ALL, the LAST or NONE of
        the missed ticks fire; ``lateMaximumDelay`` drops ticks older than it. At most
        ``limit`` ticks are returned; the next date then points after the last one, so the
        rest comes at the next call.
        """
        if next_date > now:
            return [], next_date
        policy = self.recoverMissedSchedules or default_policy
        start = next_date if policy == "ALL" else max(next_date, now - late_after)
        fire = list(self.fire_times(start - timedelta(microseconds=1), now, limit))
        if policy == "LAST" and not fire:
            latest = self.previous_fire(now + timedelta(microseconds=1))
            fire = [latest] if latest >= next_date else []
        following = self.next_fire(fire[-1]) if len(fire) == limit else self.next_fire(now)
        if self.lateMaximumDelay is not None:
            fire = [t for t in fire if now - t <= self.lateMaximumDelay]
        return fire, following

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
