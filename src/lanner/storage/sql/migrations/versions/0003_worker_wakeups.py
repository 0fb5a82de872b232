"""PostgreSQL: wake workers only for jobs they can claim.

A job the executor hands straight to a worker of its own process is inserted already
assigned; waking every worker for it made each one query for work it could not take. The
NOTIFY now fires for rows left unassigned (inserted so, released, or re-queued for a retry).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_UP = [
    "DROP TRIGGER IF EXISTS worker_jobs_insert_notify ON worker_jobs",
    "DROP TRIGGER IF EXISTS worker_jobs_release_notify ON worker_jobs",
    """
    CREATE TRIGGER worker_jobs_insert_notify AFTER INSERT ON worker_jobs
    FOR EACH ROW WHEN (NEW.worker_id IS NULL) EXECUTE FUNCTION lanner_notify_worker()
    """,
    """
    CREATE TRIGGER worker_jobs_release_notify AFTER UPDATE ON worker_jobs
    FOR EACH ROW WHEN (NEW.worker_id IS NULL) EXECUTE FUNCTION lanner_notify_worker()
    """,
]
_DOWN = [
    "DROP TRIGGER IF EXISTS worker_jobs_insert_notify ON worker_jobs",
    "DROP TRIGGER IF EXISTS worker_jobs_release_notify ON worker_jobs",
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
    if op.get_bind().dialect.name == "postgresql":
        for statement in _UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _DOWN:
            op.execute(statement)
