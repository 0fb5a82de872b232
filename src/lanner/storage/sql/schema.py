"""The tables, as SQLAlchemy Core metadata: the one description of the database schema.

Migrations ``0001`` and ``0002`` (triggers) create exactly these tables (a test compares the migrated database with
this metadata). On PostgreSQL it also adds the triggers that ``NOTIFY`` the executor and the
workers; they are DDL history, kept in the migration only.

Large, schemaless parts of executions and task runs live in a JSON ``data`` column; every
column the engine filters or sorts on is a real column.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

__all__ = [
    "JSON_TYPE",
    "UtcDateTime",
    "execution_queue",
    "executions",
    "flows",
    "flows_version",
    "kv",
    "logs",
    "metadata",
    "task_runs",
    "trigger_events",
    "triggers",
    "worker_jobs",
    "workers",
]

#: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere
JSON_TYPE: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")

# SQLite's INTEGER PRIMARY KEY is the rowid alias only for INTEGER, not BIGINT.
_SERIAL = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in and out; SQLite, which has no zone, stores naive UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Lanner stores timezone-aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

flows = Table(
    "flows",
    metadata,
    Column("namespace", String, primary_key=True),
    Column("id", String, primary_key=True),
    Column("revision", Integer, primary_key=True, autoincrement=False),
    Column("source", Text, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("updated", UtcDateTime, nullable=False),
)

#: one row (id 1): a counter a trigger on ``flows`` raises with every change (migration 0004)
flows_version = Table(
    "flows_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

executions = Table(
    "executions",
    metadata,
    Column("id", String, primary_key=True),
    Column("namespace", String, nullable=False),
    Column("flow_id", String, nullable=False),
    Column("flow_revision", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("parent_id", String),
    Column("created", UtcDateTime, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
    Column("ended", UtcDateTime),
    # inputs, labels, variables, outputs, trigger, history, meta, parent_task_run_id, original_id
    Column("data", JSON_TYPE, nullable=False),
    Index("ix_executions_flow_state", "namespace", "flow_id", "state"),
    Index("ix_executions_created", "created"),
    Index("ix_executions_state", "state"),
    Index("ix_executions_parent_id", "parent_id"),
)

task_runs = Table(
    "task_runs",
    metadata,
    Column("id", String, primary_key=True),
    Column("execution_id", String, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("task_id", String, nullable=False),
    Column("parent_id", String),
    Column("value", Text),
    Column("iteration", Integer),
    Column("state", String(16), nullable=False),
    Column("attempt_count", Integer, nullable=False, default=0),
    # attempts, outputs, history, meta
    Column("data", JSON_TYPE, nullable=False),
    Index("ix_task_runs_execution_seq", "execution_id", "seq"),
)

#: the executor's messages: "look at this execution (again)", optionally carrying a user action
execution_queue = Table(
    "execution_queue",
    metadata,
    Column("id", _SERIAL, primary_key=True, autoincrement=True),
    Column("execution_id", String, nullable=False),
    Column("not_before", UtcDateTime),
    Column("action", String(32)),
    Column("payload", JSON_TYPE),
    Index("ix_execution_queue_execution_id", "execution_id"),
)

worker_jobs = Table(
    "worker_jobs",
    metadata,
    Column("task_run_id", String, primary_key=True),
    Column("execution_id", String, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("worker_group", String),
    Column("payload", JSON_TYPE, nullable=False),
    Column("not_before", UtcDateTime),
    Column("worker_id", String),
    Column("claimed_at", UtcDateTime),
    Column("kill_requested", Boolean, nullable=False, default=False),
    # first in, first out among due jobs
    Column("created", UtcDateTime, nullable=False),
    Index("ix_worker_jobs_worker_id", "worker_id"),
    Index("ix_worker_jobs_execution_id", "execution_id"),
)

workers = Table(
    "workers",
    metadata,
    Column("id", String, primary_key=True),
    Column("worker_group", String),
    Column("hostname", String, nullable=False),
    Column("started", UtcDateTime, nullable=False),
    Column("heartbeat", UtcDateTime, nullable=False),
    Column("dead", Boolean, nullable=False, default=False),
)

logs = Table(
    "logs",
    metadata,
    Column("id", _SERIAL, primary_key=True, autoincrement=True),
    Column("execution_id", String, nullable=False),
    Column("namespace", String, nullable=False),
    Column("flow_id", String, nullable=False),
    Column("task_id", String),
    Column("task_run_id", String),
    Column("attempt", Integer),
    Column("level", String(8), nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_logs_execution_id", "execution_id"),
)

kv = Table(
    "kv",
    metadata,
    Column("namespace", String, primary_key=True),
    Column("key", String, primary_key=True),
    Column("value", JSON_TYPE),
    Column("expires_at", UtcDateTime),
    Column("updated", UtcDateTime, nullable=False),
)

#: per-trigger state kept by the scheduler; every write is fenced on ``version``
triggers = Table(
    "triggers",
    metadata,
    Column("namespace", String, primary_key=True),
    Column("flow_id", String, primary_key=True),
    Column("trigger_id", String, primary_key=True),
    Column("type", String, nullable=False),
    Column("next_date", UtcDateTime),
    Column("last_date", UtcDateTime),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("execution_id", String),
    Column("locked_by", String),
    Column("locked_until", UtcDateTime),
    # polling state, preconditions met so far, backfill
    Column("data", JSON_TYPE, nullable=False),
    Column("version", Integer, nullable=False, default=0),
    Column("updated", UtcDateTime, nullable=False),
)

#: executions that reached a state Flow triggers react to, queued in the executor's transaction
trigger_events = Table(
    "trigger_events",
    metadata,
    Column("id", _SERIAL, primary_key=True, autoincrement=True),
    Column("execution_id", String, nullable=False),
    Column("namespace", String, nullable=False),
    Column("flow_id", String, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created", UtcDateTime, nullable=False),
    # labels, outputs, id of the trigger that started the execution
    Column("data", JSON_TYPE, nullable=False),
)
