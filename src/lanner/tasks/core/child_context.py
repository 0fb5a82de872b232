"""The run context a task gets inside a WorkingDirectory: its parent's, with its own name and
task run (its log lines go there), the outputs of the tasks before it, and its own WARNING.

Everything else (working directory, files, KV, metrics, kill) is the WorkingDirectory's
attempt's, so the tasks share one folder on one worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from lanner.tasks.context import (
    DynamicTaskRun,
    FileStore,
    FlowStore,
    KVStore,
    NamespaceFileStore,
    Purger,
    RunContext,
    TaskLogger,
)

__all__ = ["ChildContext"]

T = TypeVar("T")


class ChildContext:
    """``RunContext`` of one task run by a WorkingDirectory."""

    def __init__(
        self,
        parent: RunContext,
        task_id: str,
        task_type: str,
        outputs: Mapping[str, Any],
        *,
        task_run_id: str,
        log_level: str | None = None,
    ) -> None:
        self._parent = parent
        self._task_id = task_id
        self._task_type = task_type
        self._task_run_id = task_run_id
        self._outputs = outputs
        self.logger: TaskLogger = parent.task_run_logger(task_id, task_run_id, log_level)
        #: set by ``warn``: the child ends in WARNING
        self.warning: str | None = None

    # identity ---------------------------------------------------------------------------
    @property
    def execution_id(self) -> str:
        return self._parent.execution_id

    @property
    def task_run_id(self) -> str:
        return self._task_run_id

    @property
    def task_id(self) -> str:
        return self._task_id

    @property
    def attempt(self) -> int:
        return self._parent.attempt

    @property
    def namespace(self) -> str:
        return self._parent.namespace

    @property
    def flow_id(self) -> str:
        return self._parent.flow_id

    # shared services --------------------------------------------------------------------
    @property
    def storage(self) -> FileStore:
        return self._parent.storage

    @property
    def kv(self) -> KVStore:
        return self._parent.kv

    @property
    def namespace_files(self) -> NamespaceFileStore:
        return self._parent.namespace_files

    @property
    def flows(self) -> FlowStore:
        return self._parent.flows

    @property
    def purge(self) -> Purger:
        return self._parent.purge

    async def execution(self, execution_id: str | None = None) -> Mapping[str, Any] | None:
        return await self._parent.execution(execution_id)

    # rendering: the earlier tasks' outputs are visible ---------------------------------
    def _scope(self) -> dict[str, Any]:
        variables = self._parent.variables
        outputs = {**(variables.get("outputs") or {}), **self._outputs}
        taskrun = {**(variables.get("taskrun") or {}), "id": self._task_run_id, "parentId": self._parent.task_run_id}
        return {"outputs": outputs, "task": {"id": self._task_id, "type": self._task_type}, "taskrun": taskrun}

    @property
    def variables(self) -> Mapping[str, Any]:
        return {**self._parent.variables, **self._scope()}

    async def render(self, value: T, extra: Mapping[str, Any] | None = None) -> T:
        return await self._parent.render(value, {**self._scope(), **(extra or {})})

    # the shared working directory and the attempt's results ----------------------------
    async def working_dir(self) -> Path:
        return await self._parent.working_dir()

    def metric(self, name: str, value: float, type: str = "counter", tags: Mapping[str, str] | None = None) -> None:
        self._parent.metric(name, value, type, {"task": self._task_id, **(tags or {})})

    def mask(self, secret: str) -> None:
        self._parent.mask(secret)

    def warn(self, reason: str) -> None:
        self.warning = reason
        self.logger.warning(reason)

    def set_labels(self, labels: Mapping[str, str]) -> None:
        self._parent.set_labels(labels)

    def task_run_logger(self, task_id: str, task_run_id: str, min_level: str | None = None) -> TaskLogger:
        return self._parent.task_run_logger(task_id, task_run_id, min_level)

    def add_task_runs(self, runs: Sequence[DynamicTaskRun]) -> None:
        self._parent.add_task_runs(runs)

    async def killed(self) -> None:
        await self._parent.killed()
