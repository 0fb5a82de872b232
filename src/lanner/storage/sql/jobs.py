"""The worker side: claim jobs (a new attempt each), hand back lost ones (finishing: ``finish.py``).

Lock order as in ``executor_tx``: executions, then worker jobs, then task runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from lanner.storage.sql.database import Tx
from lanner.storage.sql.postgres import PostgresDatabase, RawStatement
from lanner.storage.sql.schema import logs, task_runs, worker_jobs, workers

__all__ = [
    "LOST_ATTEMPT_ERROR",
    "NEXT_JOB",
    "claim_jobs",
    "claim_jobs_in_one_statement",
    "insert_logs",
    "next_job_due_on_postgres",
    "requeue_lost_jobs",
]

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


def _due_unclaimed(groups: tuple[str | None, ...]) -> list[ColumnElement[bool]]:
    """Due jobs nobody holds, of these groups (``None``: jobs without a group)."""
    named = [group for group in groups if group is not None]
    clauses: list[ColumnElement[bool]] = []
    # one comparison per group, not an expanding IN: the statement is compiled once (``RawStatement``)
    clauses.extend(_j.c.worker_group == group for group in named)
    if None in groups:
        clauses.append(_j.c.worker_group.is_(None))
    return [
        _j.c.worker_id.is_(None),
        or_(_j.c.not_before.is_(None), _j.c.not_before <= _NOW),
        or_(*clauses) if clauses else false(),
    ]


@lru_cache(maxsize=64)
def _claimable(groups: tuple[str | None, ...]) -> Any:
    """Due unclaimed jobs of these groups with their task runs, oldest first, locked."""
    return (
        select(_j.c.payload, _j.c.worker_group, _j.c.not_before, _j.c.kill_requested, _t)
        .join(_t, _t.c.id == _j.c.task_run_id)
        .where(*_due_unclaimed(groups))
        .order_by(_j.c.created, _j.c.task_run_id)
        .limit(bindparam("limit", type_=Integer()))
        .with_for_update(of=[_j, _t], skip_locked=True)
    )


_UNFINISHED_SQL = ", ".join(f"'{state.value}'" for state in _UNFINISHED)
#: PostgreSQL: a task run's ``data`` after a claim, as ``claim_jobs`` changes it in Python: a
#: last attempt left unfinished (its worker died) failed with ``LOST_ATTEMPT_ERROR``, a new
#: attempt numbered after the others appended, RUNNING appended to the history
_CLAIMED_DATA = (
    "jsonb_set(jsonb_set(data, '{attempts}',"
    f" CASE WHEN data->'attempts'->-1->>'state' IN ({_UNFINISHED_SQL})"
    " THEN jsonb_set(data->'attempts', '{-1}', (data->'attempts'->-1) || CAST(:lost_json AS jsonb)"
    " || jsonb_build_object('history', coalesce(data->'attempts'->-1->'history', '[]'::jsonb)"
    " || jsonb_build_array(CAST(:lost_change_json AS jsonb))))"
    " ELSE coalesce(data->'attempts', '[]'::jsonb) END"
    " || jsonb_build_array(CAST(:attempt_json AS jsonb)"
    " || jsonb_build_object('number', jsonb_array_length(coalesce(data->'attempts', '[]'::jsonb)) + 1))),"
    " '{history}', coalesce(data->'history', '[]'::jsonb) || jsonb_build_array(CAST(:change_json AS jsonb)))"
)


@lru_cache(maxsize=64)
def _claim_statement(groups: tuple[str | None, ...]) -> Any:
    """PostgreSQL: the whole claim as one statement, atomic without a transaction: the due
    jobs locked (others' skipped), their task runs moved to RUNNING with a new attempt (in
    SQL: nothing is read or decoded here), the jobs given to the worker with that attempt's
    number. Locks in the order of ``executor_tx``: jobs, then task runs."""
    picked = (
        select(_j.c.task_run_id)
        .where(*_due_unclaimed(groups))
        .order_by(_j.c.created, _j.c.task_run_id)
        .limit(bindparam("limit", type_=Integer()))
        .with_for_update(skip_locked=True)
        .cte("picked")
    )
    runs = (
        update(_t)
        .where(_t.c.id == picked.c.task_run_id)
        .values(
            state=State.RUNNING.value,
            attempt_count=text("jsonb_array_length(coalesce(data->'attempts', '[]'::jsonb)) + 1"),
            data=text(_CLAIMED_DATA),
        )
        .returning(_t.c.id, _t.c.attempt_count)
        .cte("runs")
    )
    claimed = (
        update(_j)
        .where(_j.c.task_run_id == runs.c.id)
        .values(
            worker_id=bindparam("claimer"),
            claimed_at=bindparam("claimed_at_now", type_=_j.c.claimed_at.type),
            attempt=runs.c.attempt_count,
        )
        .returning(*_j.c)
        .cte("claimed")
    )
    return select(claimed).order_by(claimed.c.created, claimed.c.task_run_id)


@lru_cache(maxsize=64)
def _raw_claim(groups: tuple[str | None, ...]) -> RawStatement:
    return RawStatement(_claim_statement(groups))


async def claim_jobs_in_one_statement(
    db: PostgresDatabase, worker_id: str, groups: Sequence[str | None], limit: int, now: datetime
) -> list[WorkerJob]:
    """PostgreSQL: ``claim_jobs`` in one statement (``_claim_statement``), run on the worker's
    lane through asyncpg directly (an idle worker runs it for every job of its group)."""
    attempt = Attempt(0, State.RUNNING, [StateChange(State.RUNNING, now)], worker_id).to_json()
    del attempt["number"]  # set in SQL
    params = {
        "now": now,
        "limit": limit,
        "claimer": worker_id,
        "claimed_at_now": now,
        "lost_json": codec.dumps({"state": State.FAILED.value, "error": LOST_ATTEMPT_ERROR}),
        "lost_change_json": codec.dumps(StateChange(State.FAILED, now).to_json()),
        "attempt_json": codec.dumps(attempt),
        "change_json": codec.dumps(StateChange(State.RUNNING, now).to_json()),
    }
    rows = await db.fetch("claim", _raw_claim(tuple(groups)), params)
    return [_claimed_job(row, row["task_run_id"], row["execution_id"], row["attempt"], worker_id) for row in rows]


#: when the next delayed job nobody holds is due
NEXT_JOB = select(func.min(_j.c.not_before)).where(_j.c.worker_id.is_(None), _j.c.not_before > _NOW)
_RAW_NEXT_JOB = RawStatement(NEXT_JOB)


async def next_job_due_on_postgres(db: PostgresDatabase, now: datetime) -> datetime | None:
    """PostgreSQL: ``NEXT_JOB`` on the claim lane (a worker asks after each empty claim)."""
    rows = await db.fetch("claim", _RAW_NEXT_JOB, {"now": now})
    due: datetime | None = rows[0][0] if rows else None
    return due


def _claimed_job(columns: Mapping[Any, Any], task_run_id: str, execution_id: str, attempt: int, worker_id: str) -> WorkerJob:
    """The job a claim hands its worker: the job's own ``columns`` (an asyncpg record or a
    SQLAlchemy row's mapping), the rest given."""
    return WorkerJob(
        task_run_id=task_run_id,
        execution_id=execution_id,
        attempt=attempt,
        payload=columns["payload"],
        worker_group=columns["worker_group"],
        not_before=columns["not_before"],
        worker_id=worker_id,
        kill_requested=columns["kill_requested"],
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
        claimed.append(_claimed_job(row._mapping, run.id, run.execution_id, number, worker_id))
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
