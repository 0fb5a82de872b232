"""Batched deletes of ended executions and old log lines (retention and the Purge tasks).

Each call deletes at most ``limit`` rows in one short transaction, oldest first, so the
caller loops and other components keep going between batches. Executions are picked with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL: one an executor is processing right now, or
another process is purging, is left for a later batch. The delete itself checks the state
again, so an execution restarted meanwhile is kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, func, or_, select

from lanner.models.state import TERMINAL_STATES
from lanner.storage.ports import LogPurge, PurgedExecution, PurgeQuery
from lanner.storage.sql.database import Tx
from lanner.storage.sql.schema import execution_queue, executions, logs, task_runs, worker_jobs

__all__ = ["purge_executions", "purge_logs"]


def _in_namespace(column: Any, namespace: str) -> Any:
    return or_(column == namespace, column.startswith(namespace + ".", autoescape=True))


def _no_pending_message() -> Any:
    return ~exists().where(execution_queue.c.execution_id == executions.c.id)


def purge_executions(tx: Tx, query: PurgeQuery, limit: int) -> tuple[list[PurgedExecution], int]:
    """Delete one batch of ended executions with their rows; returns them and the log lines deleted."""
    e = executions
    wanted = query.states if query.states is not None else TERMINAL_STATES
    states = sorted(state.value for state in wanted if state in TERMINAL_STATES)
    if not states:
        return [], 0
    ended = [e.c.state.in_(states), e.c.ended.is_not(None), _no_pending_message()]
    where = [*ended, e.c.ended < query.end, e.c.created < query.end]
    if query.start is not None:
        where.append(e.c.created >= query.start)
    if query.namespace:
        where.append(e.c.namespace == query.namespace if query.flow_id else _in_namespace(e.c.namespace, query.namespace))
    if query.flow_id:
        where.append(e.c.flow_id == query.flow_id)
    candidates = select(e.c.id).where(*where).order_by(e.c.created, e.c.id).limit(max(limit, 1))
    ids = list(tx.conn.execute(candidates.with_for_update(of=e, skip_locked=True)).scalars())
    if not ids:
        return [], 0
    gone = tx.conn.execute(delete(e).where(e.c.id.in_(ids), *ended).returning(e.c.id, e.c.namespace, e.c.flow_id)).all()
    deleted_ids = [row.id for row in gone]
    if not deleted_ids:
        return [], 0
    counts: dict[str, int] = dict(
        tx.conn.execute(
            select(task_runs.c.execution_id, func.count())
            .where(task_runs.c.execution_id.in_(deleted_ids))
            .group_by(task_runs.c.execution_id)
        ).all()
    )
    for table in (task_runs, execution_queue, worker_jobs):
        tx.conn.execute(delete(table).where(table.c.execution_id.in_(deleted_ids)))
    log_count = 0
    if query.logs:
        log_count = tx.conn.execute(delete(logs).where(logs.c.execution_id.in_(deleted_ids))).rowcount or 0
    purged = [PurgedExecution(row.id, row.namespace, row.flow_id, int(counts.get(row.id, 0))) for row in gone]
    return purged, int(log_count)


def purge_logs(tx: Tx, query: LogPurge, limit: int) -> int:
    """Delete one batch of log lines; returns how many."""
    where = [logs.c.timestamp < query.end]
    if query.start is not None:
        where.append(logs.c.timestamp >= query.start)
    if query.namespace:
        where.append(logs.c.namespace == query.namespace if query.flow_id else _in_namespace(logs.c.namespace, query.namespace))
    if query.flow_id:
        where.append(logs.c.flow_id == query.flow_id)
    if query.execution_id:
        where.append(logs.c.execution_id == query.execution_id)
    if query.levels:
        where.append(logs.c.level.in_([level.upper() for level in query.levels]))
    # lines are written in time order: walking the primary key finds the old ones first, with no
    # index on the timestamp
    batch = select(logs.c.id).where(*where).order_by(logs.c.id).limit(max(limit, 1)).scalar_subquery()
    return int(tx.conn.execute(delete(logs).where(logs.c.id.in_(batch))).rowcount or 0)
