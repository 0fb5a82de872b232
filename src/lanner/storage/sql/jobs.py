"""The worker side: claim jobs (a new attempt each), hand back lost ones (finishing: ``finish.py``).

Lock order as in ``executor_tx``: executions, then worker jobs, then task runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, bindparam, column, false, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from lanner.models.execution import Attempt, LogEntry, StateChange
from lanner.models.state import State
from lanner.storage.ports import WorkerJob
from lanner.storage.sql import codec
from lanner.storage.sql.codec import Encoded
from lanner.storage.sql.database import Tx
from lanner.storage.sql.pg_write import json_array
from lanner.storage.sql.schema import logs, task_runs, worker_jobs, workers

__all__ = ["LOST_ATTEMPT_ERROR", "claim_jobs", "insert_logs", "requeue_lost_jobs"]

LOST_ATTEMPT_ERROR = "worker lost; attempt resubmitted"
_UNFINISHED = (State.RUNNING, State.CREATED)

_j = worker_jobs
_t = task_runs

_CLAIM_JOB = (
    update(_j)
    .where(_j.c.task_run_id == bindparam("b_id"))
    .values(worker_id=bindparam("b_worker"), claimed_at=bindparam("b_now"), attempt=bindparam("b_attempt"))
)
_UPDATE_TASK_RUN = (
    update(_t)
    .where(_t.c.id == bindparam("b_id"))
    .values(
        state=bindparam("b_state"),
        attempt_count=bindparam("b_attempts"),
        data=bindparam("b_data", type_=_t.c.data.type),
    )
)

#: PostgreSQL: ``_CLAIM_JOB`` and ``_UPDATE_TASK_RUN`` for every claimed job, in one statement
_PG_CLAIM_UPDATES = text(
    """
    WITH claimed AS (
        UPDATE worker_jobs SET worker_id = r.b_worker, claimed_at = r.b_now, attempt = r.b_attempt
        FROM jsonb_to_recordset(CAST(:jobs AS jsonb))
            AS r(b_id varchar, b_worker varchar, b_now timestamptz, b_attempt integer)
        WHERE worker_jobs.task_run_id = r.b_id
    )
    UPDATE task_runs SET state = r.b_state, attempt_count = r.b_attempts, data = r.b_data
    FROM jsonb_to_recordset(CAST(:runs AS jsonb)) AS r(b_id varchar, b_state varchar, b_attempts integer, b_data jsonb)
    WHERE task_runs.id = r.b_id
    """
)

_NOW = bindparam("now", type_=_j.c.not_before.type)
_INSERT_LOGS = insert(logs)
_MARK_DEAD = (
    update(workers)
    .where(workers.c.dead.is_(False), workers.c.heartbeat < bindparam("cutoff", type_=workers.c.heartbeat.type))
    .values(dead=True)
)
_RELEASE_ALL = update(_j).where(_j.c.worker_id.is_not(None)).values(worker_id=None, claimed_at=None)
_RELEASE_LOST = (
    update(_j)
    .where(_j.c.worker_id.is_not(None), _j.c.worker_id.not_in(select(workers.c.id).where(workers.c.dead.is_(False))))
    .values(worker_id=None, claimed_at=None)
)


@lru_cache(maxsize=64)
def _claimable(groups: tuple[str | None, ...]) -> Any:
    """Due unclaimed jobs of these groups with their task runs, oldest first, locked."""
    named = [group for group in groups if group is not None]
    clauses: list[ColumnElement[bool]] = []
    if named:
        clauses.append(_j.c.worker_group.in_(named))
    if None in groups:
        clauses.append(_j.c.worker_group.is_(None))
    return (
        select(_j.c.payload, _j.c.worker_group, _j.c.not_before, _j.c.kill_requested, _t)
        .join(_t, _t.c.id == _j.c.task_run_id)
        .where(
            _j.c.worker_id.is_(None),
            or_(_j.c.not_before.is_(None), _j.c.not_before <= _NOW),
            or_(*clauses) if clauses else false(),
        )
        .order_by(_j.c.created, _j.c.task_run_id)
        .limit(bindparam("limit", type_=Integer()))
        .with_for_update(of=[_j, _t], skip_locked=True)
    )


def claim_jobs(tx: Tx, worker_id: str, groups: Sequence[str | None], limit: int, now: datetime) -> list[WorkerJob]:
    rows = tx.conn.execute(_claimable(tuple(groups)), {"now": now, "limit": limit}).all()
    if not rows:
        return []
    claimed: list[WorkerJob] = []
    job_updates: list[dict[str, Any]] = []
    run_updates: list[dict[str, Any]] = []
    for row in rows:
        run = codec.task_run_from_row(row)
        if run.attempts and run.attempts[-1].state in _UNFINISHED:
            # Its worker died mid-attempt: that attempt failed, this claim starts the next one.
            lost = run.attempts[-1]
            lost.set_state(State.FAILED, now)
            lost.error = LOST_ATTEMPT_ERROR
        number = len(run.attempts) + 1
        run.attempts.append(Attempt(number, State.RUNNING, [StateChange(State.RUNNING, now)], worker_id))
        run.set_state(State.RUNNING, now)
        encoded = codec.task_run_row(run)
        run_updates.append({"b_id": run.id, "b_state": encoded["state"], "b_attempts": number, "b_data": encoded["data"]})
        job_updates.append({"b_id": run.id, "b_worker": worker_id, "b_now": now, "b_attempt": number})
        claimed.append(
            WorkerJob(
                task_run_id=run.id,
                execution_id=run.execution_id,
                attempt=number,
                payload=row.payload,
                worker_group=row.worker_group,
                not_before=row.not_before,
                worker_id=worker_id,
                kill_requested=row.kill_requested,
            )
        )
    if tx.conn.dialect.name == "postgresql":
        # both updates in one statement: one round trip less on every task a worker claims
        tx.conn.execute(_PG_CLAIM_UPDATES, {"jobs": Encoded(json_array(job_updates)), "runs": Encoded(json_array(run_updates))})
    else:
        tx.conn.execute(_CLAIM_JOB, job_updates)
        tx.conn.execute(_UPDATE_TASK_RUN, run_updates)
    return claimed


#: the columns of a log row, as ``jsonb_to_recordset`` reads them
LOG_COLUMNS = (
    ("execution_id", String()),
    ("namespace", String()),
    ("flow_id", String()),
    ("task_id", String()),
    ("task_run_id", String()),
    ("attempt", Integer()),
    ("level", String()),
    ("timestamp", DateTime(timezone=True)),
    ("message", Text()),
)


def log_recordset() -> Any:
    """PostgreSQL: the rows of the JSON array bound as ``logs_json``, as a table ``entry``."""
    return (
        func.jsonb_to_recordset(bindparam("logs_json", type_=JSONB()))
        .table_valued(*(column(name, type_) for name, type_ in LOG_COLUMNS))
        .render_derived(name="entry", with_types=True)
    )


_ENTRIES = log_recordset()
#: PostgreSQL: any number of log lines in one statement with one parameter (an executemany
#: of single-row INSERTs costs a round trip per few rows)
_INSERT_LOGS_FROM_JSON = insert(logs).from_select(
    [name for name, _ in LOG_COLUMNS], select(*(_ENTRIES.c[name] for name, _ in LOG_COLUMNS))
)


def insert_logs(tx: Tx, entries: Sequence[LogEntry]) -> None:
    if not entries:
        return
    rows = [codec.log_row(entry) for entry in entries]
    if tx.conn.dialect.name == "postgresql":
        tx.conn.execute(_INSERT_LOGS_FROM_JSON, {"logs_json": rows})
    else:
        tx.conn.execute(_INSERT_LOGS, rows)


def requeue_lost_jobs(tx: Tx, dead_after_seconds: float, all_workers: bool, now: datetime) -> int:
    """Declare silent workers dead; release the jobs of dead or unknown workers (or all)."""
    tx.conn.execute(_MARK_DEAD, {"cutoff": now - timedelta(seconds=dead_after_seconds)})
    released = tx.conn.execute(_RELEASE_ALL if all_workers else _RELEASE_LOST)
    if released.rowcount:
        tx.signal("worker")
    return int(released.rowcount)
