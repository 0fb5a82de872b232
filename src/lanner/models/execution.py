"""Executions, task runs and attempts: the engine's records (plain dataclasses, no I/O).

``to_api`` functions give Kestra's execution JSON shape, used by ``lanner run --json`` and
the REST API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lanner.models.state import State

__all__ = ["DYNAMIC", "Attempt", "Execution", "LogEntry", "StateChange", "TaskRun", "utcnow"]

#: ``TaskRun.meta`` key of a dynamic task run: its position among its parent's (1, 2…)
DYNAMIC = "dynamic"
#: ``TaskRun.meta`` key of a dynamic task run whose outputs expressions see (a flow task run by its parent)
EXPOSED = "exposed"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


@dataclass(slots=True)
class StateChange:
    state: State
    date: datetime

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state.value, "date": _iso(self.date)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StateChange:
        return cls(State(data["state"]), datetime.fromisoformat(data["date"]))


def _state_json(current: State, history: list[StateChange]) -> dict[str, Any]:
    start = history[0].date if history else None
    end = history[-1].date if history and current.is_terminal else None
    out: dict[str, Any] = {
        "current": current.value,
        "histories": [change.to_json() for change in history],
        "startDate": _iso(start),
        "endDate": _iso(end),
    }
    if start and end:
        out["duration"] = f"PT{(end - start).total_seconds():.3f}S"
    return out


@dataclass(slots=True)
class Attempt:
    """One try of a task run on a worker."""

    number: int
    state: State
    history: list[StateChange] = field(default_factory=list)
    worker_id: str | None = None
    metrics: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "state": self.state.value,
            "history": [h.to_json() for h in self.history],
            "workerId": self.worker_id,
            "metrics": self.metrics,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attempt:
        return cls(
            number=data["number"],
            state=State(data["state"]),
            history=[StateChange.from_json(h) for h in data.get("history", [])],
            worker_id=data.get("workerId"),
            metrics=data.get("metrics") or [],
            error=data.get("error"),
        )

    def to_api(self) -> dict[str, Any]:
        return {"state": _state_json(self.state, self.history), "metrics": self.metrics, "workerId": self.worker_id}

    def set_state(self, state: State, at: datetime | None = None) -> None:
        self.state = state
        self.history.append(StateChange(state, at or utcnow()))


@dataclass(slots=True)
class TaskRun:
    """One run of one task in an execution (one per value inside a ForEach)."""

    id: str
    execution_id: str
    task_id: str
    state: State
    parent_id: str | None = None
    value: str | None = None
    iteration: int | None = None
    attempts: list[Attempt] = field(default_factory=list)
    outputs: dict[str, Any] | None = None
    history: list[StateChange] = field(default_factory=list)
    #: engine-private state of flowable and executable tasks (ForEach values, chosen branch…)
    meta: dict[str, Any] = field(default_factory=dict)
    #: order of creation inside the execution (a dynamic task run has its parent's)
    seq: int = 0

    @property
    def dynamic(self) -> bool:
        """Reported by its parent's task (``RunContext.add_task_runs``), not a task of the flow."""
        return DYNAMIC in self.meta

    def set_state(self, state: State, at: datetime | None = None) -> None:
        self.state = state
        self.history.append(StateChange(state, at or utcnow()))

    def to_api(self, execution: Execution) -> dict[str, Any]:
        return {
            "id": self.id,
            "executionId": self.execution_id,
            "namespace": execution.namespace,
            "flowId": execution.flow_id,
            "taskId": self.task_id,
            "parentTaskRunId": self.parent_id,
            "value": self.value,
            "iteration": self.iteration,
            "attempts": [a.to_api() for a in self.attempts] or None,
            "outputs": self.outputs,
            "state": _state_json(self.state, self.history),
        }


def _display_order(run: TaskRun) -> tuple[int, int]:
    """Creation order; dynamic task runs (their parent's ``seq``) right after it, as reported."""
    return run.seq, run.meta.get(DYNAMIC, 0)


@dataclass(slots=True)
class Execution:
    """One run of a flow revision."""

    id: str
    namespace: str
    flow_id: str
    flow_revision: int
    state: State
    inputs: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] | None = None
    trigger: dict[str, Any] | None = None
    history: list[StateChange] = field(default_factory=list)
    parent_id: str | None = None
    parent_task_run_id: str | None = None
    original_id: str | None = None
    created: datetime = field(default_factory=utcnow)
    #: engine-private state (root errors/finally progress, kill reason…)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def start_date(self) -> datetime:
        return self.history[0].date if self.history else self.created

    @property
    def end_date(self) -> datetime | None:
        return self.history[-1].date if self.history and self.state.is_terminal else None

    def set_state(self, state: State, at: datetime | None = None) -> None:
        self.state = state
        self.history.append(StateChange(state, at or utcnow()))

    def to_api(self, task_runs: list[TaskRun]) -> dict[str, Any]:
        return {
            "id": self.id,
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "flowRevision": self.flow_revision,
            "state": _state_json(self.state, self.history),
            "taskRunList": [tr.to_api(self) for tr in sorted(task_runs, key=_display_order)] or None,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "labels": [{"key": k, "value": v} for k, v in self.labels.items()],
            "variables": self.variables or None,
            "trigger": self.trigger,
            "parentId": self.parent_id,
            "originalId": self.original_id or self.id,
            "metadata": {
                "attemptNumber": self.meta.get("attemptNumber", 1),
                "originalCreatedDate": self.meta.get("originalCreated", self.created.isoformat()),
            },
        }


@dataclass(slots=True)
class LogEntry:
    execution_id: str
    level: str
    message: str
    timestamp: datetime
    namespace: str = ""
    flow_id: str = ""
    task_id: str | None = None
    task_run_id: str | None = None
    attempt: int | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "executionId": self.execution_id,
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "taskId": self.task_id,
            "taskRunId": self.task_run_id,
            "attemptNumber": self.attempt,
            "level": self.level,
            "message": self.message,
            "timestamp": _iso(self.timestamp),
        }
