"""Executions counted per hour or day and state, for the dashboard's chart and Kestra's
``/executions/statistics/daily``: one ``GROUP BY`` on the ``created`` index.

The bucket is computed in SQL on both backends: PostgreSQL truncates the UTC timestamp with
``date_trunc``; SQLite, which stores naive UTC text, cuts it with ``strftime``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Float, cast, func, literal, or_, select

from lanner.models.state import State
from lanner.storage.ports import ExecutionBucket, StatisticsUnit
from lanner.storage.sql.schema import executions

__all__ = ["read_execution_statistics"]

_SQLITE_FORMATS: dict[str, str] = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d 00:00:00"}


def _bucket(dialect: str, unit: StatisticsUnit) -> Any:
    created = executions.c.created
    if dialect == "postgresql":
        return func.date_trunc(literal(unit), func.timezone(literal("UTC"), created))
    return func.strftime(literal(_SQLITE_FORMATS[unit]), created)


def _seconds(dialect: str) -> Any:
    """Created-to-ended seconds (NULL while running)."""
    e = executions.c
    if dialect == "postgresql":
        return func.extract("epoch", e.ended - e.created)
    return (func.julianday(e.ended) - func.julianday(e.created)) * literal(86400.0)


def _start(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ms(seconds: Any) -> float | None:
    """Seconds to the millisecond (SQLite's julian days are off by some microseconds)."""
    return None if seconds is None else round(float(seconds), 3)


def read_execution_statistics(
    conn: Connection, namespace: str | None, flow_id: str | None, start: datetime, end: datetime, unit: StatisticsUnit
) -> list[ExecutionBucket]:
    dialect = conn.dialect.name
    e = executions.c
    bucket = _bucket(dialect, unit).label("bucket")
    seconds = cast(_seconds(dialect), Float)
    query = (
        select(bucket, e.state, func.count(), func.min(seconds), func.max(seconds), func.sum(seconds), func.count(e.ended))
        .where(e.created >= start, e.created <= end)
        .group_by(bucket, e.state)
        .order_by(bucket, e.state)
    )
    if namespace:
        query = query.where(or_(e.namespace == namespace, e.namespace.startswith(namespace + ".", autoescape=True)))
    if flow_id:
        query = query.where(e.flow_id == flow_id)
    return [
        ExecutionBucket(
            start=_start(row[0]),
            state=State(row[1]),
            count=int(row[2]),
            duration_min=_ms(row[3]),
            duration_max=_ms(row[4]),
            duration_sum=_ms(row[5]),
            ended=int(row[6]),
        )
        for row in conn.execute(query)
    ]
