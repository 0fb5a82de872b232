"""Initial schema: flows, executions, task runs, the executor's queue, worker jobs, workers,
logs and the KV store; on PostgreSQL, the NOTIFY triggers that wake executors and workers.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the types in schema.py as of this revision.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)

# The payload is the schema, so stores in different schemas of one database ignore each other.
_PG_NOTIFY = [
    """
    CREATE FUNCTION lanner_notify_executor() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('lanner_executor', TG_TABLE_SCHEMA);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION lanner_notify_worker() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('lanner_worker', TG_TABLE_SCHEMA);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER execution_queue_notify AFTER INSERT ON execution_queue
    FOR EACH STATEMENT EXECUTE FUNCTION lanner_notify_executor()
    """,
    """
    CREATE TRIGGER worker_jobs_insert_notify AFTER INSERT ON worker_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION lanner_notify_worker()
    """,
    """
    CREATE TRIGGER worker_jobs_release_notify AFTER UPDATE OF worker_id ON worker_jobs
    FOR EACH ROW WHEN (OLD.worker_id IS NOT NULL AND NEW.worker_id IS NULL)
    EXECUTE FUNCTION lanner_notify_worker()
    """,
]


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("namespace", sa.String(), primary_key=True),
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("revision", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "executions",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("namespace", sa.String(), nullable=False),
        sa.Column("flow_id", sa.String(), nullable=False),
        sa.Column("flow_revision", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.String()),
        sa.Column("created", TIMESTAMP, nullable=False),
        sa.Column("updated", TIMESTAMP, nullable=False),
        sa.Column("ended", TIMESTAMP),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_index("ix_executions_flow_state", "executions", ["namespace", "flow_id", "state"])
    op.create_index("ix_executions_created", "executions", ["created"])
    op.create_index("ix_executions_state", "executions", ["state"])
    op.create_index("ix_executions_parent_id", "executions", ["parent_id"])
    op.create_table(
        "task_runs",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("execution_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("parent_id", sa.String()),
        sa.Column("value", sa.Text()),
        sa.Column("iteration", sa.Integer()),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("data", JSON, nullable=False),
    )
    op.create_index("ix_task_runs_execution_seq", "task_runs", ["execution_id", "seq"])
    op.create_table(
        "execution_queue",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("execution_id", sa.String(), nullable=False),
        sa.Column("not_before", TIMESTAMP),
        sa.Column("action", sa.String(32)),
        sa.Column("payload", JSON),
    )
    op.create_index("ix_execution_queue_execution_id", "execution_queue", ["execution_id"])
    op.create_table(
        "worker_jobs",
        sa.Column("task_run_id", sa.String(), primary_key=True),
        sa.Column("execution_id", sa.String(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker_group", sa.String()),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("not_before", TIMESTAMP),
        sa.Column("worker_id", sa.String()),
        sa.Column("claimed_at", TIMESTAMP),
        sa.Column("kill_requested", sa.Boolean(), nullable=False),
        sa.Column("created", TIMESTAMP, nullable=False),
    )
    op.create_index("ix_worker_jobs_worker_id", "worker_jobs", ["worker_id"])
    op.create_index("ix_worker_jobs_execution_id", "worker_jobs", ["execution_id"])
    op.create_table(
        "workers",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("worker_group", sa.String()),
        sa.Column("hostname", sa.String(), nullable=False),
        sa.Column("started", TIMESTAMP, nullable=False),
        sa.Column("heartbeat", TIMESTAMP, nullable=False),
        sa.Column("dead", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "logs",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("execution_id", sa.String(), nullable=False),
        sa.Column("namespace", sa.String(), nullable=False),
        sa.Column("flow_id", sa.String(), nullable=False),
        sa.Column("task_id", sa.String()),
        sa.Column("task_run_id", sa.String()),
        sa.Column("attempt", sa.Integer()),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("timestamp", TIMESTAMP, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("ix_logs_execution_id", "logs", ["execution_id"])
    op.create_table(
        "kv",
        sa.Column("namespace", sa.String(), primary_key=True),
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", JSON),
        sa.Column("expires_at", TIMESTAMP),
        sa.Column("updated", TIMESTAMP, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_NOTIFY:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS lanner_notify_executor() CASCADE")
        op.execute("DROP FUNCTION IF EXISTS lanner_notify_worker() CASCADE")
    for table in ("kv", "logs", "workers", "worker_jobs", "execution_queue", "task_runs", "executions", "flows"):
        op.drop_table(table)
