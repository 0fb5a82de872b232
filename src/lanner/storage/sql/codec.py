"""Rows to records and back: executions, task runs, flows, jobs, logs, KV entries.

Filtered and sorted fields are columns; the rest of a record travels in the ``data`` JSON
column, written with the models' own ``to_json`` helpers.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Row

from lanner.models.execution import Attempt, Execution, LogEntry, StateChange, TaskRun
from lanner.models.state import State
from lanner.storage.ports import KVEntry, StoredFlow, WorkerJob

__all__ = [
    "Encoded",
    "dumps",
    "encode",
    "execution_from_row",
    "execution_row",
    "flow_from_row",
    "job_row",
    "kv_from_row",
    "log_from_row",
    "log_row",
    "task_run_from_row",
    "task_run_row",
]


def _default(value: Any) -> Any:
    # Task outputs and inputs may hold dates and decimals; store them the way they render.
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")


class Encoded(str):
    """JSON text encoded ahead of time (a snapshot of a record when it was saved); stored as is."""

    __slots__ = ()


def dumps(value: Any) -> str:
    """The engines' JSON serializer."""
    if type(value) is Encoded:
        return value
    return json.dumps(value, default=_default, separators=(",", ":"))


def encode(value: Any) -> Encoded:
    return Encoded(dumps(value))


def _history(items: list[dict[str, Any]] | None) -> list[StateChange]:
    return [StateChange.from_json(item) for item in items or ()]


def execution_row(execution: Execution) -> dict[str, Any]:
    """Columns of an execution row, ``updated`` excepted; ``data`` is encoded now (a snapshot)."""
    return {
        "id": execution.id,
        "namespace": execution.namespace,
        "flow_id": execution.flow_id,
        "flow_revision": execution.flow_revision,
        "state": execution.state.value,
        "parent_id": execution.parent_id,
        "created": execution.created,
        "ended": execution.end_date,
        "data": encode(
            {
                "inputs": execution.inputs,
                "labels": execution.labels,
                "variables": execution.variables,
                "outputs": execution.outputs,
                "trigger": execution.trigger,
                "history": [change.to_json() for change in execution.history],
                "meta": execution.meta,
                "parent_task_run_id": execution.parent_task_run_id,
                "original_id": execution.original_id,
            }
        ),
    }


def execution_from_row(row: Row[Any]) -> Execution:
    data: dict[str, Any] = row.data
    return Execution(
        id=row.id,
        namespace=row.namespace,
        flow_id=row.flow_id,
        flow_revision=row.flow_revision,
        state=State(row.state),
        inputs=data.get("inputs") or {},
        labels=data.get("labels") or {},
        variables=data.get("variables") or {},
        outputs=data.get("outputs"),
        trigger=data.get("trigger"),
        history=_history(data.get("history")),
        parent_id=row.parent_id,
        parent_task_run_id=data.get("parent_task_run_id"),
        original_id=data.get("original_id"),
        created=row.created,
        meta=data.get("meta") or {},
    )


def task_run_row(task_run: TaskRun) -> dict[str, Any]:
    return {
        "id": task_run.id,
        "execution_id": task_run.execution_id,
        "seq": task_run.seq,
        "task_id": task_run.task_id,
        "parent_id": task_run.parent_id,
        "value": task_run.value,
        "iteration": task_run.iteration,
        "state": task_run.state.value,
        "attempt_count": len(task_run.attempts),
        "data": encode(
            {
                "attempts": [attempt.to_json() for attempt in task_run.attempts],
                "outputs": task_run.outputs,
                "history": [change.to_json() for change in task_run.history],
                "meta": task_run.meta,
            }
        ),
    }


def task_run_from_row(row: Row[Any]) -> TaskRun:
    return task_run_from_data(row, row.data)


def task_run_from_data(row: Row[Any], data: dict[str, Any]) -> TaskRun:
    """A task run from its row's columns and its decoded ``data``."""
    return TaskRun(
        id=row.id,
        execution_id=row.execution_id,
        task_id=row.task_id,
        state=State(row.state),
        parent_id=row.parent_id,
        value=row.value,
        iteration=row.iteration,
        attempts=[Attempt.from_json(item) for item in data.get("attempts") or ()],
        outputs=data.get("outputs"),
        history=_history(data.get("history")),
        meta=data.get("meta") or {},
        seq=row.seq,
    )


def job_row(job: WorkerJob, created: datetime) -> dict[str, Any]:
    return {
        "task_run_id": job.task_run_id,
        "execution_id": job.execution_id,
        "attempt": job.attempt,
        "worker_group": job.worker_group,
        "payload": job.payload,
        "not_before": job.not_before,
        # set when the executor hands the job straight to a worker of its own process
        "worker_id": job.worker_id,
        "claimed_at": created if job.worker_id else None,
        "kill_requested": False,
        "created": created,
    }


def flow_from_row(row: Row[Any]) -> StoredFlow:
    return StoredFlow(
        namespace=row.namespace,
        id=row.id,
        revision=row.revision,
        source=row.source,
        deleted=row.deleted,
        updated=row.updated,
    )


def log_row(entry: LogEntry) -> dict[str, Any]:
    return {
        "execution_id": entry.execution_id,
        "namespace": entry.namespace,
        "flow_id": entry.flow_id,
        "task_id": entry.task_id,
        "task_run_id": entry.task_run_id,
        "attempt": entry.attempt,
        "level": entry.level,
        "timestamp": entry.timestamp,
        "message": entry.message,
    }


def log_from_row(row: Row[Any]) -> LogEntry:
    return LogEntry(
        execution_id=row.execution_id,
        level=row.level,
        message=row.message,
        timestamp=row.timestamp,
        namespace=row.namespace,
        flow_id=row.flow_id,
        task_id=row.task_id,
        task_run_id=row.task_run_id,
        attempt=row.attempt,
    )


def kv_from_row(row: Row[Any]) -> KVEntry:
    return KVEntry(
        namespace=row.namespace,
        key=row.key,
        value=row.value,
        expires_at=row.expires_at,
        updated=row.updated,
    )
