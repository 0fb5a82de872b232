"""The run context: everything a task may use while it runs (the public task API).

The engine's worker provides the implementation; tasks and plugins depend only on this
protocol.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from lanner.models.state import TERMINAL_STATES, State

__all__ = [
    "DynamicTaskRun",
    "ExecutionPurge",
    "FileStore",
    "FlowSource",
    "FlowStore",
    "KVStore",
    "LogPurgeRequest",
    "NamespaceFileStore",
    "PurgeCounts",
    "Purger",
    "RunContext",
    "TaskLogger",
]

T = TypeVar("T")


class TaskLogger(Protocol):
    """Logs of the running attempt, stored centrally with secrets masked."""

    def debug(self, message: str) -> None: ...
    def info(self, message: str) -> None: ...
    def warning(self, message: str) -> None: ...
    def error(self, message: str) -> None: ...
    def trace(self, message: str) -> None: ...
    def log(self, level: str, message: str) -> None: ...


class FileStore(Protocol):
    """Internal storage for files produced by tasks, addressed by ``lanner://`` URIs."""

    async def put(self, local_path: Path, name: str | None = None) -> str:
        """Copy a local file into internal storage for this task run; return its URI."""
        ...

    async def put_bytes(self, data: bytes, name: str) -> str: ...

    async def get_bytes(self, uri: str) -> bytes: ...

    async def fetch(self, uri: str, destination: Path) -> Path:
        """Copy a stored file to a local path."""
        ...


class KVStore(Protocol):
    """Namespace key/value store."""

    async def get(self, key: str, namespace: str | None = None) -> Any: ...
    async def set(
        self, key: str, value: Any, namespace: str | None = None, ttl_seconds: float | None = None, overwrite: bool = True
    ) -> None: ...
    async def delete(self, key: str, namespace: str | None = None) -> bool: ...


class NamespaceFileStore(Protocol):
    """Files shared by a namespace's flows (uploaded with the namespace files API).

    A bad namespace or path raises a ``LannerError`` saying why; a missing file ``NotFoundError``.
    """

    async def list(self, namespace: str | None = None) -> list[str]:
        """Every file's path relative to the namespace root (the flow's namespace by default)."""
        ...

    async def fetch(self, path: str, destination: Path, namespace: str | None = None) -> Path:
        """Copy a namespace file to a local path."""
        ...

    async def put(self, path: str, data: bytes, namespace: str | None = None) -> None:
        """Create or replace a namespace file (missing folders are created)."""
        ...

    async def delete(self, path: str, namespace: str | None = None) -> None:
        """Delete a namespace file."""
        ...


@dataclass(frozen=True, slots=True)
class FlowSource:
    """The latest revision of a stored flow, with its YAML source."""

    namespace: str
    id: str
    revision: int
    source: str


class FlowStore(Protocol):
    """The server's flows, for tasks that manage flows as code (Git SyncFlows / PushFlows)."""

    async def list(self, namespace: str, *, include_children: bool = False) -> list[FlowSource]:
        """The flows of ``namespace`` (and of the namespaces below it with ``include_children``)."""
        ...

    async def check(self, source: str, *, filename: str | None = None) -> tuple[str, str]:
        """Validate a flow's YAML; return its ``(namespace, id)``.

        Raises ``FlowValidationError`` listing every error, located (``filename:line:column``).
        """
        ...

    async def apply(self, sources: Sequence[str], *, delete: Sequence[tuple[str, str]] = ()) -> builtins.list[FlowSource]:
        """Store ``sources`` (a new revision only for a changed flow) in one transaction, then
        delete the ``(namespace, id)`` flows of ``delete``. Every source is validated first:
        when one is invalid nothing is written. Returns the latest revision of each saved flow."""
        ...


@dataclass(frozen=True, slots=True)
class ExecutionPurge:
    """Ended executions to delete: created in ``[start, end)`` and ended before ``end``.

    ``namespace`` also covers the namespaces below it, unless ``flow_id`` is set. Executions
    still running (or paused, queued…) are never touched.
    """

    end: datetime
    start: datetime | None = None
    namespace: str | None = None
    flow_id: str | None = None
    #: terminal state names (SUCCESS, WARNING, FAILED, KILLED, CANCELLED, SKIPPED); all when unset
    states: Sequence[str] | None = None
    executions: bool = True
    logs: bool = True
    storage: bool = True
    batch_size: int = 100


@dataclass(frozen=True, slots=True)
class LogPurgeRequest:
    """Log lines to delete: written in ``[start, end)``, optionally of one namespace, flow, execution or level."""

    end: datetime
    start: datetime | None = None
    namespace: str | None = None
    flow_id: str | None = None
    execution_id: str | None = None
    levels: Sequence[str] | None = None
    batch_size: int = 1000


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    """What a purge deleted: executions, their task runs, log lines, and internal-storage folders."""

    executions: int = 0
    task_runs: int = 0
    logs: int = 0
    storage: int = 0


class Purger(Protocol):
    """Deletes ended executions and old log lines, in batches: for the Purge tasks only."""

    async def executions(self, request: ExecutionPurge) -> PurgeCounts: ...
    async def logs(self, request: LogPurgeRequest) -> int: ...


@dataclass(frozen=True, slots=True)
class DynamicTaskRun:
    """A piece of work a runnable task did, reported as a task run of its own (a dbt model, a
    test…): an already-ended child of the task's run, shown in the execution (task run list,
    Gantt) but never planned, run or restarted by the engine.

    ``task_id`` names it (any text, up to 256 characters: it is not a flow task id); ``start``
    and ``end`` are when it ran (unknown: the attempt's end); ``outputs`` are shown on the task
    run, not exposed as ``outputs.<task_id>`` to expressions, unless ``expose_outputs`` (a task
    of the flow run by its parent, such as the children of a WorkingDirectory).
    """

    task_id: str
    state: State
    start: datetime | None = None
    end: datetime | None = None
    value: str | None = None
    outputs: Mapping[str, Any] | None = None
    expose_outputs: bool = False
    #: the task run's id, when chosen beforehand (its log lines were written with it:
    #: ``RunContext.task_run_logger``); unset, one is made
    id: str | None = None

    def __post_init__(self) -> None:
        if not self.task_id or len(self.task_id) > 256:
            raise ValueError(f"a dynamic task run needs a task_id of 1 to 256 characters, not {self.task_id!r}")
        if not self.state.is_terminal:
            allowed = ", ".join(sorted(state.value for state in TERMINAL_STATES))
            raise ValueError(f"dynamic task run {self.task_id!r}: state {self.state.value} is not an end state ({allowed})")
        for name in ("start", "end"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise ValueError(f"dynamic task run {self.task_id!r}: {name} must be timezone-aware")


class RunContext(Protocol):
    """What a running task sees: its identity, rendering, logs, files, secrets, KV and metrics."""

    @property
    def execution_id(self) -> str: ...
    @property
    def task_run_id(self) -> str: ...
    @property
    def task_id(self) -> str: ...
    @property
    def attempt(self) -> int: ...
    @property
    def namespace(self) -> str: ...
    @property
    def flow_id(self) -> str: ...
    @property
    def logger(self) -> TaskLogger: ...
    @property
    def storage(self) -> FileStore: ...
    @property
    def kv(self) -> KVStore: ...
    @property
    def namespace_files(self) -> NamespaceFileStore: ...

    @property
    def flows(self) -> FlowStore:
        """The server's flows (read and write): for flows-as-code tasks only."""
        ...

    @property
    def purge(self) -> Purger:
        """Delete ended executions and old logs of any namespace: for the Purge tasks only."""
        ...

    async def execution(self, execution_id: str | None = None) -> Mapping[str, Any] | None:
        """A read-only copy of an execution (this one by default) as the API shows it: `id`,
        `namespace`, `flowId`, `state` (`current`, `startDate`, `endDate`, `duration`),
        `taskRunList`, `labels`… None when there is no such execution."""
        ...

    @property
    def variables(self) -> Mapping[str, Any]:
        """The expression variables (inputs, outputs, vars, flow, execution, taskrun…)."""
        ...

    async def render(self, value: T, extra: Mapping[str, Any] | None = None) -> T:
        """Render ``{{ }}`` expressions in a string, or recursively in lists and dicts."""
        ...

    async def working_dir(self) -> Path:
        """A temporary directory owned by this attempt, removed when it ends."""
        ...

    def metric(self, name: str, value: float, type: str = "counter", tags: Mapping[str, str] | None = None) -> None:
        """Record a metric (``counter``, ``timer`` in seconds, or ``gauge``)."""
        ...

    def mask(self, secret: str) -> None:
        """Mask this value in every log line and output of the attempt."""
        ...

    def warn(self, reason: str) -> None:
        """End the attempt in WARNING instead of SUCCESS."""
        ...

    def set_labels(self, labels: Mapping[str, str]) -> None:
        """Add or replace labels on the execution."""
        ...

    def task_run_logger(self, task_id: str, task_run_id: str, min_level: str | None = None) -> TaskLogger:
        """A logger whose lines belong to a task run this attempt reports later with
        ``add_task_runs`` (``DynamicTaskRun(id=task_run_id, …)``), dropping levels below ``min_level``."""
        ...

    def add_task_runs(self, runs: Sequence[DynamicTaskRun]) -> None:
        """Report ended pieces of work as child task runs of this one (dbt: one per node).

        They are written with the attempt's result, in the same transaction, whatever its
        state (a failed attempt may report the nodes that failed). A result that is retried
        (RETRYING) drops them: only the attempt that ends the task run keeps its own.
        """
        ...

    async def killed(self) -> None:
        """Returns when the attempt must stop (kill or timeout); tasks rarely need it."""
        ...
