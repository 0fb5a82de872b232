"""Dynamic task runs: what a task reported with ``RunContext.add_task_runs``, as task run records.

Each becomes an ended child of the reporting task run (same execution, ``parent_id`` = that
run, the parent's ``seq``), with a history CREATED/RUNNING at its start and its state at its
end, and one attempt on this worker: the shape of any other ended task run, so the API, the
UI's Gantt and notifications need nothing special. ``meta["dynamic"]`` (its position among
its parent's) is how the engine tells them from the flow's task runs: the executor never
plans, restarts or changes them, and expressions do not see their outputs (unless reported
with ``expose_outputs``: ``meta["exposed"]``, the children of a WorkingDirectory).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from lanner.models.execution import DYNAMIC, EXPOSED, Attempt, StateChange, TaskRun
from lanner.models.ids import new_id
from lanner.models.state import State
from lanner.storage.ports import WorkerJob
from lanner.tasks.context import DynamicTaskRun

__all__ = ["dynamic_task_runs"]


def dynamic_task_runs(
    reported: Sequence[DynamicTaskRun],
    job: WorkerJob,
    worker_id: str,
    attempt_end: datetime,
    mask: Callable[[Any], Any],
) -> list[TaskRun]:
    """The task runs to insert with ``job``'s result; unknown times are the attempt's end."""
    runs = []
    for position, item in enumerate(reported, start=1):
        start = item.start or item.end or attempt_end
        end = max(item.end or item.start or attempt_end, start)
        attempt = Attempt(number=1, state=item.state, worker_id=worker_id)
        attempt.history = [StateChange(State.RUNNING, start), StateChange(item.state, end)]
        runs.append(
            TaskRun(
                id=item.id or new_id(),
                execution_id=job.execution_id,
                task_id=item.task_id,
                state=item.state,
                parent_id=job.task_run_id,
                value=item.value,
                attempts=[attempt],
                outputs=mask(dict(item.outputs)) if item.outputs is not None else None,
                history=[StateChange(State.CREATED, start), StateChange(State.RUNNING, start), StateChange(item.state, end)],
                meta={DYNAMIC: position, EXPOSED: True} if item.expose_outputs else {DYNAMIC: position},
            )
        )
    return runs
