"""Task base classes: the public task API that core tasks and plugins build on.

A task type is one pydantic model. Its fields are its validation, JSON Schema and
documentation; its ``run`` method does the work on a worker. Flowable tasks (Sequential,
Parallel, If…) have no ``run``: the executor asks them what to start next.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from lanner.models.flow import WorkerGroup
from lanner.models.plugin import PluginModel
from lanner.models.retry import Retry
from lanner.tasks.context import RunContext

if TYPE_CHECKING:
    from lanner.tasks.flowable import FlowableView, Plan

__all__ = ["ExecutableTask", "FlowableTask", "Output", "RunnableTask", "Task"]

Output = Mapping[str, Any]

LogLevel = Literal["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]


class Task(PluginModel):
    """Properties every task has."""

    plugin_kind: ClassVar[str] = "task"

    id: str = Field(
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$",
        max_length=100,
        description="Task identifier, unique in the flow; outputs are read as `{{ outputs.<id> }}`.",
        examples=["extract"],
    )
    type: str = Field(description="Task type.")
    description: str | None = Field(default=None, description="Markdown description of the task.")
    disabled: bool = Field(default=False, description="A disabled task is left out of the flow.")
    retry: Retry | None = Field(default=None, description="Retry policy when an attempt fails.")
    timeout: timedelta | None = Field(
        default=None, description="Maximum duration of one attempt (ISO-8601), after which it is killed.", examples=["PT10M"]
    )
    allowFailure: bool = Field(
        default=False, description="A failure of this task does not fail the execution; it ends in WARNING."
    )
    allowWarning: bool = Field(default=False, description="A WARNING of this task counts as SUCCESS.")
    runIf: str | bool | None = Field(
        default=None,
        description="Expression; the task is SKIPPED when it renders to false or an empty value.",
        examples=["{{ inputs.full_refresh }}"],
    )
    logLevel: LogLevel | None = Field(default=None, description="Drop log lines below this level.")
    workerGroup: WorkerGroup | None = Field(default=None, description="Run the task only on this worker group.")

    def child_tasks(self) -> list[Task]:
        """Every task nested directly in this one (none for a runnable task)."""
        return []


class RunnableTask(Task):
    """A task that does work on a worker."""

    async def run(self, ctx: RunContext) -> Output | None:
        """Do the work; return the outputs (or None). Raise ``TaskFailure`` to fail."""
        raise NotImplementedError


class FlowableTask(Task):
    """A task that controls other tasks; resolved by the executor, never sent to a worker.

    Subclasses describe their branches (``branches``) and decide, from the states of the
    child task runs, which children start next and when the task itself ends (``plan``).
    """

    errors: list[AnyTask] | None = Field(default=None, description="Tasks run when a child task fails.")
    finally_: list[AnyTask] | None = Field(
        default=None, alias="finally", description="Tasks run after the children, whatever their outcome."
    )

    def branches(self) -> dict[str, list[Task]]:
        """Named lists of child tasks (``tasks``, ``then``, ``cases.x``…), for validation and graphs."""
        raise NotImplementedError

    def child_tasks(self) -> list[Task]:
        children = [task for branch in self.branches().values() for task in branch]
        return children + list(self.errors or []) + list(self.finally_ or [])

    def plan(self, view: FlowableView) -> Plan:
        """Children to create now and, when done, the task's final state."""
        raise NotImplementedError


class ExecutableTask(Task):
    """A task the executor carries out itself (Subflow, Pause): no worker, no children."""


if TYPE_CHECKING:
    AnyTask = Task
