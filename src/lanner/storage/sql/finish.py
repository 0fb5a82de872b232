"""A worker finishing an attempt: fenced on job ownership, one transaction.

The job row is released only if this worker still holds this attempt of it (``DELETE`` or,
for a retry, ``UPDATE … WHERE worker_id = :worker AND attempt = :attempt``); when no row
matches, nothing at all is written. Then the task run gets the attempt, state and outputs
(updated in SQL: nothing is read or decoded), the logs are stored, and a message wakes the
executor. Dynamic task runs the task reported (``JobResult.task_runs``) are inserted in the
same transaction (``dynamic_runs.py``): one more statement, only when there are some.

That is five statements: on PostgreSQL, with BEGIN and COMMIT, seven round trips for the
busiest write of the engine. So PostgreSQL runs the same steps as ONE statement of
data-modifying CTEs, all keyed on the released job row (no row: no effect); only a finish
that also sets execution labels takes the general path, which locks the execution first,
in the lock order the executor uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy import true as sql_true

from lanner.models.execution import LogEntry, StateChange, TaskRun
from lanner.models.state import State
from lanner.storage.ports import FinishedAttempt, JobResult, WorkerJob
from lanner.storage.sql import codec
from lanner.storage.sql.database import Tx
from lanner.storage.sql.dynamic_runs import insert_dynamic_runs, pg_params, pg_select
from lanner.storage.sql.jobs import LOG_COLUMNS, insert_logs, log_recordset
from lanner.storage.sql.schema import execution_queue, executions, logs, task_runs, worker_jobs

__all__ = ["finish_job", "finish_job_in_one_statement", "finish_jobs", "one_statement_possible"]

_j = worker_jobs
_t = task_runs

# Bind names differ from column names: SQLAlchemy reserves those inside UPDATE statements.
_HELD = (
    (_j.c.task_run_id == bindparam("held_id"))
    & (_j.c.worker_id == bindparam("held_worker"))
    & (_j.c.attempt == bindparam("held_attempt", type_=Integer()))
)
_INSERT_MESSAGE = insert(execution_queue)
#: the ended jobs of a batch that their workers still hold, released in one statement
_RELEASE_ENDED = (
    delete(_j)
    .where(tuple_(_j.c.task_run_id, _j.c.worker_id, _j.c.attempt).in_(bindparam("keys", expanding=True)))
    .returning(_j.c.task_run_id, _j.c.worker_id, _j.c.attempt)
)

# The last attempt replaced (or the first added), the new state appended to the history,
# the outputs set.
_FINISHED_DATA = {
    "postgresql": (
        "jsonb_set(jsonb_set(jsonb_set(data,"
        " '{attempts}', (coalesce(data->'attempts', '[]'::jsonb) - (-1))"
        " || jsonb_build_array(CAST(:attempt_json AS jsonb))),"
        " '{history}', coalesce(data->'history', '[]'::jsonb) || jsonb_build_array(CAST(:change_json AS jsonb))),"
        " '{outputs}', CAST(:outputs_json AS jsonb))"
    ),
    "sqlite": (
        "json_set(data,"
        " CASE WHEN json_array_length(data, '$.attempts') > 0 THEN '$.attempts[#-1]' ELSE '$.attempts[#]' END,"
        " json(:attempt_json), '$.history[#]', json(:change_json), '$.outputs', json(:outputs_json))"
    ),
}
# data.labels merged with new labels in SQL: no read, no lost update.
_MERGED_LABELS = {
    "postgresql": "jsonb_set(data, '{labels}', coalesce(data->'labels', '{}'::jsonb) || CAST(:labels_json AS jsonb))",
    "sqlite": ("json_set(data, '$.labels', json(json_patch(coalesce(json_extract(data, '$.labels'), '{}'), :labels_json)))"),
}


@lru_cache(maxsize=4)
def _release(retrying: bool) -> Any:
    """Give the job up if this worker still holds this attempt: gone, or queued for the retry."""
    if retrying:
        released: Any = (
            update(_j)
            .where(_HELD)
            .values(
                worker_id=None,
                claimed_at=None,
                not_before=bindparam("retry_at", type_=_j.c.not_before.type),
                created=bindparam("queued_at", type_=_j.c.created.type),
            )
        )
    else:
        released = delete(_j).where(_HELD)
    return released.returning(_j.c.task_run_id, _j.c.execution_id)


@lru_cache(maxsize=8)
def _finish_task_run(dialect: str) -> Any:
    return (
        update(_t)
        .where(_t.c.id == bindparam("held_id"))
        .values(
            state=bindparam("run_state"),
            attempt_count=case((_t.c.attempt_count == 0, 1), else_=_t.c.attempt_count),
            data=text(_FINISHED_DATA[dialect]),
        )
    )


@lru_cache(maxsize=8)
def _merge_labels(dialect: str) -> Any:
    return update(executions).where(executions.c.id == bindparam("execution")).values(data=text(_MERGED_LABELS[dialect]))


def _params(job: WorkerJob, result: JobResult, now: datetime) -> dict[str, Any]:
    return {
        "held_id": job.task_run_id,
        "held_worker": job.worker_id,
        "held_attempt": job.attempt,
        "retry_at": result.retry_at,
        "queued_at": now,
        "run_state": result.state.value,
        "attempt_json": codec.dumps(result.attempt.to_json()),
        "change_json": codec.dumps(StateChange(result.state, now).to_json()),
        "outputs_json": codec.dumps(result.outputs),
    }


def finish_job(tx: Tx, dialect: str, job: WorkerJob, result: JobResult, entries: Sequence[LogEntry], now: datetime) -> bool:
    """The general path (labels too); False (and the transaction aborted) if the job is no longer ours."""
    if result.labels:
        # First, as the executor does: executions are locked before jobs and task runs.
        tx.conn.execute(_merge_labels(dialect), {"execution": job.execution_id, "labels_json": codec.dumps(result.labels)})
    (accepted,) = finish_jobs(tx, dialect, [FinishedAttempt(job, result, entries)], now)
    if not accepted:
        tx.abort()
    return accepted


def one_statement_possible(dialect: str, result: JobResult) -> bool:
    return dialect == "postgresql" and not result.labels


@lru_cache(maxsize=4)
def _finish_statement(retrying: bool, dynamic: bool = False) -> Any:
    """PostgreSQL: release, task run, logs and message (and dynamic task runs) as one
    statement; its result: 1 or 0 rows released."""
    released = _release(retrying).cte("released")
    finished = (
        update(_t)
        .where(_t.c.id == released.c.task_run_id)
        .values(
            state=bindparam("run_state"),
            attempt_count=case((_t.c.attempt_count == 0, 1), else_=_t.c.attempt_count),
            data=text(_FINISHED_DATA["postgresql"]),
        )
        .cte("finished")
    )
    entries = log_recordset()
    logged = (
        insert(logs)
        .from_select(
            [name for name, _ in LOG_COLUMNS],
            select(*(entries.c[name] for name, _ in LOG_COLUMNS)).select_from(released).join(entries, sql_true()),
        )
        .cte("logged")
    )
    queued = insert(execution_queue).from_select(["execution_id"], select(released.c.execution_id)).cte("queued")
    ctes = [finished, logged, queued]
    if dynamic:
        ctes.append(pg_select(released).cte("children"))
    return select(func.count()).select_from(released).add_cte(*ctes)


def finish_job_in_one_statement(tx: Tx, job: WorkerJob, result: JobResult, entries: Sequence[LogEntry], now: datetime) -> bool:
    """The PostgreSQL path (no labels): atomic as a single statement, no transaction needed."""
    retrying = result.state is State.RETRYING
    params = _params(job, result, now)
    params["logs_json"] = [codec.log_row(entry) for entry in entries]
    dynamic = bool(result.task_runs)
    if dynamic:
        params["dynamic_json"] = pg_params(result.task_runs or ())
    if not tx.conn.execute(_finish_statement(retrying, dynamic), params).scalar():
        return False
    _signal(tx, retrying)
    return True


def finish_jobs(tx: Tx, dialect: str, finished: Sequence[FinishedAttempt], now: datetime) -> list[bool]:
    """Several label-free finishes in one transaction, each fenced on its own (a job no longer
    ours is skipped, nothing written for it), in a handful of statements whatever their number:
    one fenced DELETE for all ended jobs, one batched UPDATE of their task runs, one INSERT of
    their logs, one of their messages, and one of their dynamic task runs if they have some.
    (Retries re-queue their job one UPDATE each: rare.)"""
    accepted = [False] * len(finished)
    ended = [i for i, item in enumerate(finished) if item.result.state is not State.RETRYING]
    held: set[tuple[str, str | None, int]] = set()
    if ended:
        keys = [(finished[i].job.task_run_id, finished[i].job.worker_id, finished[i].job.attempt) for i in ended]
        released = tx.conn.execute(_RELEASE_ENDED, {"keys": sorted(keys)})
        held = {(row.task_run_id, row.worker_id, row.attempt) for row in released}
    params: list[dict[str, Any]] = []
    entries: list[LogEntry] = []
    messages: list[dict[str, str]] = []
    children: list[TaskRun] = []
    for i, item in enumerate(finished):
        job = item.job
        retrying = item.result.state is State.RETRYING
        one = _params(job, item.result, now)
        if retrying:
            if tx.conn.execute(_release(True), one).first() is None:
                continue
            tx.signal("worker")
        elif (job.task_run_id, job.worker_id, job.attempt) not in held:
            continue
        accepted[i] = True
        params.append(one)
        entries.extend(item.logs)
        messages.append({"execution_id": job.execution_id})
        if item.result.task_runs:
            children.extend(item.result.task_runs)
    if params:
        tx.conn.execute(_finish_task_run(dialect), params)
        insert_logs(tx, entries)
        insert_dynamic_runs(tx, children)
        tx.conn.execute(_INSERT_MESSAGE, messages)
        tx.signal("executor")
    return accepted


def _signal(tx: Tx, retrying: bool) -> None:
    tx.signal("executor")
    if retrying:
        tx.signal("worker")
