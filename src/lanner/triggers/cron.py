"""Cron expressions as Kestra reads them: 5 fields, or 6 with seconds first, or a nickname.

Pure functions over ``croniter``: check an expression, and find the fire times after or
before a moment in a time zone (daylight saving time included).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter

__all__ = ["NICKNAMES", "CronError", "check_cron", "fire_times", "next_fire", "previous_fire", "zone"]

#: the nicknames Kestra accepts, as 5-field expressions
NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_FIELDS = "minute hour day-of-month month day-of-week"
_PROBE = datetime(2000, 1, 1, tzinfo=UTC)


class CronError(ValueError):
    """The cron expression is invalid; ``hint`` shows the expected shape."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _expand(expression: str, with_seconds: bool) -> str:
    text = " ".join(expression.split())
    if text.lower() in NICKNAMES:
        text = NICKNAMES[text.lower()]
        return "0 " + text if with_seconds else text
    return text


@lru_cache(maxsize=4096)
def check_cron(expression: str, with_seconds: bool = False) -> str:
    """The expression in 5 (or 6) plain fields; raises ``CronError`` when it is invalid or never fires.

    Remembered per expression (a pure function; croniter's checks cost ~0.3 ms, paid by every
    flow parsed and every next fire time computed)."""
    expected = 6 if with_seconds else 5
    shape = ("second " if with_seconds else "") + _FIELDS
    example = "'0 0 9 * * 1-5'" if with_seconds else "'0 9 * * 1-5'"
    hint = f"{expected} fields: {shape}, e.g. {example}, or a nickname such as @daily"
    text = _expand(expression, with_seconds)
    if text.startswith("@"):
        raise CronError(f"unknown cron nickname {expression.strip()!r}", "use one of " + ", ".join(NICKNAMES))
    count = len(text.split())
    if count != expected:
        more = "" if with_seconds or count != 6 else " (set `withSeconds: true` for a seconds field)"
        fields = f"{count} field{'s' if count != 1 else ''}"
        raise CronError(f"invalid cron expression {expression!r}: {fields} instead of {expected}{more}", hint)
    if not croniter.is_valid(text, second_at_beginning=with_seconds):
        raise CronError(f"invalid cron expression {expression!r}", hint)
    try:
        croniter(text, _PROBE, second_at_beginning=with_seconds).get_next(datetime)
    except (CroniterError, ValueError):
        raise CronError(f"cron expression {expression!r} never fires", hint) from None
    return text


def zone(name: str | None) -> ZoneInfo:
    """The time zone named ``name`` (UTC when None); raises ``ValueError`` for an unknown name."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(tz)


def next_fire(expression: str, after: datetime, *, with_seconds: bool = False, timezone: str | None = None) -> datetime:
    """The first fire time strictly after ``after`` (naive means UTC), aware, in the schedule's time zone."""
    tz = zone(timezone)
    text = check_cron(expression, with_seconds)
    result: datetime = croniter(text, _local(after, tz), second_at_beginning=with_seconds).get_next(datetime)
    return result


def previous_fire(expression: str, before: datetime, *, with_seconds: bool = False, timezone: str | None = None) -> datetime:
    """The last fire time strictly before ``before`` (naive means UTC), aware, in the schedule's time zone."""
    tz = zone(timezone)
    text = check_cron(expression, with_seconds)
    result: datetime = croniter(text, _local(before, tz), second_at_beginning=with_seconds).get_prev(datetime)
    return result


def fire_times(
    expression: str,
    start: datetime,
    end: datetime,
    *,
    with_seconds: bool = False,
    timezone: str | None = None,
    limit: int | None = None,
) -> Iterator[datetime]:
    """Fire times in ``(start, end]``, oldest first, at most ``limit`` of them (backfills, missed schedules)."""
    tz = zone(timezone)
    text = check_cron(expression, with_seconds)
    it = croniter(text, _local(start, tz), second_at_beginning=with_seconds)
    stop = _local(end, tz)
    count = 0
    while limit is None or count < limit:
        moment: datetime = it.get_next(datetime)
        if moment > stop:
            return
        count += 1
        yield moment
