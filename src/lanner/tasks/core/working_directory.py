"""WorkingDirectory: tasks run one after another in one folder, on one worker.

Kestra's ``io.kestra.plugin.core.flow.WorkingDirectory`` (typically a git clone, then a script
reading the cloned files). Lanner sends the whole task to a worker as one job: the worker runs
the children in order in the attempt's working directory, and reports each as a child task
run of the WorkingDirectory (its state, timing and outputs). Children's outputs are
``outputs.<child>`` for the next children and for the tasks after the WorkingDirectory.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from lanner.errors import LannerError, TaskFailure
from lanner.models.ids import new_id
from lanner.models.state import State
from lanner.tasks.base import Output, RunnableTask, Task
from lanner.tasks.context import DynamicTaskRun, RunContext
from lanner.tasks.core.child_context import ChildContext
from lanner.tasks.flowable_utils import is_truthy
from lanner.tasks.scripts.files import collect_output_files, input_file_map, write_input_files

if TYPE_CHECKING:  # the registry resolves AnyTask to the union of every task type
    from lanner.tasks.base import Task as AnyTask

__all__ = ["WorkingDirectory"]


def _now() -> datetime:
    return datetime.now(UTC)


class WorkingDirectory(RunnableTask):
    """Run tasks one after another in one working directory, on one worker.

    Files the children write stay there for the next children (clone a repository, then run
    a script of it). Each child appears as a child task run with its state and outputs
    (`{{ outputs.<child>.… }}` for later children and later tasks) and its own log lines. A
    failing child stops the others and
    fails the WorkingDirectory (after the child's own `retry`, `allowFailure`…); a retry of the
    WorkingDirectory runs every child again in a fresh folder.
    """

    type: Literal["lanner.core.WorkingDirectory", "io.kestra.plugin.core.flow.WorkingDirectory"]
    tasks: list[AnyTask] = Field(
        min_length=1,
        description="Runnable tasks run in order in the shared working directory (scripts, git Clone, "
        "downloads…); flowable tasks cannot be nested here.",
    )
    inputFiles: dict[str, Any] | str | None = Field(
        default=None,
        description="Files created in the working directory before the first task: file name → content "
        "(an internal storage URI copies that file).",
        examples=[{"query.sql": "SELECT 1"}],
    )
    outputFiles: list[str] | None = Field(
        default=None,
        description="Glob patterns of files to keep in internal storage once every task ran, read as "
        "`{{ outputs.<id>.outputFiles['name'] }}`.",
        examples=[["report.csv"]],
    )

    @field_validator("tasks")
    @classmethod
    def _runnable_only(cls, tasks: list[Task]) -> list[Task]:
        for task in tasks:
            if not isinstance(task, RunnableTask):
                raise ValueError(
                    f"task {task.id!r} ({task.type}) cannot run inside a WorkingDirectory: only runnable tasks "
                    "(scripts, Clone, Download…) can; put flowable tasks around the WorkingDirectory instead"
                )
        return tasks

    def child_tasks(self) -> list[Task]:
        return list(self.tasks)

    def runnable_children(self) -> list[RunnableTask]:
        return [task for task in self.tasks if isinstance(task, RunnableTask)]

    async def run(self, ctx: RunContext) -> Output | None:
        work_dir = await ctx.working_dir()
        await write_input_files(ctx, work_dir, input_file_map(await ctx.render(self.inputFiles)))
        outputs: dict[str, Any] = {}
        reported: list[DynamicTaskRun] = []
        failure: str | None = None
        warned: list[str] = []
        try:
            for child in self.runnable_children():
                start = _now()
                if failure is not None:
                    break
                run_id = new_id()
                child_ctx = ChildContext(
                    ctx, child.id, child.type, outputs, task_run_id=run_id, log_level=child.logLevel or self.logLevel
                )
                if child.disabled or not await _runs(child, child_ctx):
                    reported.append(DynamicTaskRun(child.id, State.SKIPPED, start, _now(), expose_outputs=True, id=run_id))
                    continue
                state, result, error = await _run_child(child, child_ctx)
                reported.append(DynamicTaskRun(child.id, state, start, _now(), outputs=result, expose_outputs=True, id=run_id))
                if result is not None:
                    outputs[child.id] = result
                if state == State.FAILED:
                    failure = f"task {child.id!r} failed: {error}"
                elif state == State.WARNING:
                    warned.append(child.id)
        finally:
            ctx.add_task_runs(reported)  # also when killed: what ran is shown
        files = await collect_output_files(ctx, work_dir, [str(p) for p in await ctx.render(list(self.outputFiles or []))])
        if failure is not None:
            raise TaskFailure(failure)
        if warned:
            ctx.warn(f"task(s) {', '.join(map(repr, warned))} ended in WARNING")
        return {"outputFiles": files} if self.outputFiles else None


async def _runs(child: RunnableTask, ctx: ChildContext) -> bool:
    if child.runIf is None:
        return True
    condition = child.runIf if isinstance(child.runIf, bool) else await ctx.render(child.runIf)
    return is_truthy(condition)


async def _run_child(child: RunnableTask, ctx: ChildContext) -> tuple[State, dict[str, Any] | None, str | None]:
    """Run a child with its own timeout, retry, allowFailure and allowWarning: (state, outputs, error)."""
    first_start = _now()
    attempts = 0
    while True:
        attempts += 1
        ctx.warning = None
        result: dict[str, Any] | None = None
        error: str | None = None
        retryable = True
        try:
            timeout = child.timeout.total_seconds() if child.timeout else None
            raw = await asyncio.wait_for(child.run(ctx), timeout)
            result = dict(raw) if raw is not None else None
            state = State.WARNING if ctx.warning is not None else State.SUCCESS
        except TimeoutError:
            state, error = State.FAILED, f"timed out after {child.timeout}"
        except TaskFailure as exc:
            state, error, retryable = State.FAILED, str(exc), exc.retryable
        except LannerError as exc:
            state, error = State.FAILED, str(exc)
        except Exception as exc:  # a task bug is the task's failure
            state, error = State.FAILED, f"task raised {type(exc).__name__}: {exc}"
        if state == State.FAILED:
            ctx.logger.error(error or "failed")
            policy = child.retry
            if retryable and policy is not None and policy.allows(attempts, _now() - first_start):
                delay = policy.delay(attempts)
                ctx.logger.warning(f"attempt {attempts} failed; retrying in {delay.total_seconds():g}s")
                await asyncio.sleep(delay.total_seconds())
                continue
        elif state == State.SUCCESS and attempts > 1 and child.retry is not None and child.retry.warningOnRetry:
            state = State.WARNING
        if state == State.FAILED and child.allowFailure:
            state = State.WARNING
        elif state == State.WARNING and child.allowWarning:
            state = State.SUCCESS
        return state, result, error
