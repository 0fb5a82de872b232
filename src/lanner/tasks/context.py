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

__all__ = [
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
    """Files shared by a namespace's flows (uploaded with the namespace files API)."""

    async def list(self, namespace: str | None = None) -> list[str]:
        """Every file's path relative to the namespace root (the flow's namespace by default)."""
        ...

    async def fetch(self, path: str, destination: Path, namespace: str | None = None) -> Path:
        """Copy a namespace file to a local path."""
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

    async def killed(self) -> None:
        """Returns when the attempt must stop (kill or timeout); tasks rarely need it."""
        ...
