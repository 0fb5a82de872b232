"""Execution statistics: ``POST /api/v1/executions/statistics/daily`` (Kestra's path and shape).

The dashboard's chart reads it: executions created per hour or day and their state, with the
durations of the ended ones. Every bucket of the range is answered, empty ones with zeros, so
a chart needs no gap filling. ``groupBy`` (``hour`` or ``day``) is Lanner's addition; by
default a range up to two days is counted per hour, a longer one per day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from lanner.api.deps import engine_of
from lanner.api.params import param_error
from lanner.models.execution import utcnow
from lanner.models.input_values import format_duration
from lanner.models.state import State
from lanner.storage.ports import ExecutionBucket, StatisticsUnit

__all__ = ["router"]

router = APIRouter(tags=["Executions"])

#: more buckets than this is a mistake (a year per hour), not a chart
MAX_BUCKETS = 2000
_STEP: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
_DEFAULT_SPAN = timedelta(days=30)


class StatisticsRequest(BaseModel):
    """Which executions to count, and how to group them."""

    namespace: str | None = Field(default=None, description="Only this namespace and the ones below it.")
    flowId: str | None = Field(default=None, description="Only this flow (with `namespace`).")
    startDate: datetime | None = Field(
        default=None, description="Count executions created at or after this time (ISO-8601; default 30 days before `endDate`)."
    )
    endDate: datetime | None = Field(default=None, description="Count executions created at or before this time (default now).")
    groupBy: Literal["hour", "day"] | None = Field(
        default=None, description="Bucket size, in UTC; by default `hour` for a range up to two days, `day` beyond."
    )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _floor(value: datetime, unit: StatisticsUnit) -> datetime:
    value = value.replace(minute=0, second=0, microsecond=0)
    return value.replace(hour=0) if unit == "day" else value


def _empty(start: datetime, unit: StatisticsUnit) -> dict[str, Any]:
    return {"startDate": start, "groupBy": unit, "executionCounts": dict.fromkeys(State, 0), "_durations": []}


def _duration(buckets: list[ExecutionBucket]) -> dict[str, Any]:
    ended = sum(bucket.ended for bucket in buckets)
    total = sum(bucket.duration_sum or 0.0 for bucket in buckets)
    lows = [bucket.duration_min for bucket in buckets if bucket.duration_min is not None]
    highs = [bucket.duration_max for bucket in buckets if bucket.duration_max is not None]

    def iso(seconds: float) -> str:
        return format_duration(timedelta(seconds=round(seconds, 3)))

    return {
        "min": iso(min(lows, default=0.0)),
        "avg": iso(total / ended if ended else 0.0),
        "max": iso(max(highs, default=0.0)),
        "sum": iso(total),
        "count": ended,
    }


@router.post("/executions/statistics/daily", summary="Executions per hour or day and state, with their durations")
async def daily_statistics(
    request: Request, body: StatisticsRequest = Body(default_factory=StatisticsRequest)
) -> list[dict[str, Any]]:
    end = _utc(body.endDate) if body.endDate else utcnow()
    start = _utc(body.startDate) if body.startDate else end - _DEFAULT_SPAN
    if start > end:
        raise param_error("startDate", "startDate must be before endDate", where="body")
    unit: StatisticsUnit = body.groupBy or ("hour" if end - start <= timedelta(days=2) else "day")
    first, step = _floor(start, unit), _STEP[unit]
    count = int((end - first) / step) + 1
    if count > MAX_BUCKETS:
        raise param_error(
            "groupBy",
            f"{count} buckets of one {unit} is too many (at most {MAX_BUCKETS}): shorten the range or group by day",
            where="body",
        )
    found = await engine_of(request).store.execution_statistics(body.namespace, body.flowId, start, end, unit)
    rows = {first + index * step: _empty(first + index * step, unit) for index in range(count)}
    for bucket in found:
        row = rows.setdefault(bucket.start, _empty(bucket.start, unit))
        row["executionCounts"][bucket.state] += bucket.count
        row["_durations"].append(bucket)
    return [
        {
            "startDate": row["startDate"],
            "groupBy": row["groupBy"],
            "duration": _duration(row["_durations"]),
            "executionCounts": {str(state): n for state, n in row["executionCounts"].items()},
        }
        for _, row in sorted(rows.items())
    ]
