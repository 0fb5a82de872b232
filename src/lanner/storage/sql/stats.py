"""Counts for monitoring (``/metrics``), read in one transaction of four small queries.

Executions are counted per state on the ``state`` index; the queues and the workers table
hold only pending work and live processes, so they stay small.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from lanner.storage.ports import StoreStats
from lanner.storage.sql.schema import execution_queue, executions, worker_jobs, workers

__all__ = ["read_stats"]


def read_stats(conn: Connection, now: datetime, alive_within: float) -> StoreStats:
    by_state = conn.execute(select(executions.c.state, func.count()).group_by(executions.c.state))
    messages = conn.scalar(select(func.count()).select_from(execution_queue))
    waiting = conn.scalar(select(func.count()).select_from(worker_jobs).where(worker_jobs.c.worker_id.is_(None)))
    running = conn.scalar(select(func.count()).select_from(worker_jobs).where(worker_jobs.c.worker_id.is_not(None)))
    alive = conn.scalar(
        select(func.count())
        .select_from(workers)
        .where(workers.c.dead.is_(False), workers.c.heartbeat >= now - timedelta(seconds=alive_within))
    )
    return StoreStats(
        executions={str(state): int(count) for state, count in by_state},
        executor_messages=int(messages or 0),
        jobs_waiting=int(waiting or 0),
        jobs_running=int(running or 0),
        live_workers=int(alive or 0),
    )
