"""How flowable tasks decide what runs next: the view they get and the plan they return.

The executor gives a flowable a ``FlowableView`` of its child task runs; the flowable answers
with a ``Plan``: children to create now and, once everything is over, its own final state.
The helpers here (``run_sequence``, ``run_parallel``, ``run_dag``) hold the rules every
flowable shares, so each task type is a few lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from lanner.models.state import State, worst

if TYPE_CHECKING:
    from lanner.tasks.base import Task

__all__ = [
    "ChildRun",
    "FlowableView",
    "NewRun",
    "Plan",
    "finish_with_handlers",
    "run_dag",
    "run_parallel",
    "run_sequence",
]


@dataclass(frozen=True, slots=True)
class ChildRun:
    """A child task run as a flowable sees it."""

    task_id: str
    value: str | None
    state: State
    outputs: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class NewRun:
    """A child task run to create."""

    task: Task
    value: str | None = None
    iteration: int | None = None


@dataclass(slots=True)
class Plan:
    start: list[NewRun] = field(default_factory=list)
    state: State | None = None
    #: ask to be planned again at this time (a loop waiting for its next iteration)
    wake_at: datetime | None = None


class FlowableView(Protocol):
    """The flowable's task run, its children and rendering, provided by the executor."""

    #: value of this task run (set inside a ForEach iteration), inherited by plain children
    value: str | None
    #: persistent scratch space of this task run (rendered ForEach values, chosen branch…)
    meta: dict[str, Any]
    #: the current time (the executor's clock)
    now: datetime

    def set_outputs(self, outputs: dict[str, Any]) -> None:
        """Publish outputs of this task run while it is still running (``iterationCount``…)."""
        ...

    def children(self) -> Sequence[ChildRun]:
        """Direct child task runs, in creation order."""
        ...

    def render(self, value: Any) -> Any:
        """Render expressions in the context of this task run."""
        ...


Index = Mapping[tuple[str, str | None], ChildRun]


def index(children: Iterable[ChildRun]) -> dict[tuple[str, str | None], ChildRun]:
    return {(child.task_id, child.value): child for child in children}


def run_sequence(tasks: Sequence[Task], runs: Index, value: str | None = None) -> Plan:
    """Tasks one after another; stop at the first failure."""
    states: list[State] = []
    for task in tasks:
        run = runs.get((task.id, value))
        if run is None:
            return Plan([NewRun(task, value)])
        if not run.state.is_terminal:
            return Plan()
        states.append(run.state)
        if run.state.is_failed:
            return Plan(state=run.state)
    return Plan(state=worst(states))


def run_parallel(tasks: Sequence[Task], runs: Index, limit: int = 0, value: str | None = None) -> Plan:
    """Tasks side by side, at most ``limit`` at once (0: no limit); no new start after a failure."""
    pending: list[Task] = []
    active = 0
    states: list[State] = []
    for task in tasks:
        run = runs.get((task.id, value))
        if run is None:
            pending.append(task)
        elif run.state.is_terminal:
            states.append(run.state)
        else:
            active += 1
    failed = any(state.is_failed for state in states)
    if pending and not failed:
        room = len(pending) if limit <= 0 else max(limit - active, 0)
        return Plan([NewRun(task, value) for task in pending[:room]])
    if active:
        return Plan()
    return Plan(state=worst(states))


def run_dag(
    tasks: Sequence[Task], depends_on: Mapping[str, Sequence[str]], runs: Index, limit: int = 0, value: str | None = None
) -> Plan:
    """Start each task once all it depends on succeeded; a failure stops what depends on it."""
    by_id = {task.id: task for task in tasks}
    ready: list[Task] = []
    active = 0
    states: list[State] = []
    blocked = False
    for task in tasks:
        run = runs.get((task.id, value))
        if run is not None:
            if run.state.is_terminal:
                states.append(run.state)
            else:
                active += 1
            continue
        deps = [runs.get((dep, value)) for dep in depends_on.get(task.id, ()) if dep in by_id]
        if any(dep is not None and dep.state.is_failed for dep in deps):
            blocked = True
        elif all(dep is not None and dep.state.is_terminal for dep in deps):
            ready.append(task)
    failed = any(state.is_failed for state in states)
    if ready and not failed:
        room = len(ready) if limit <= 0 else max(limit - active, 0)
        if room:
            return Plan([NewRun(task, value) for task in ready[:room]])
    if active or (ready and not failed):
        return Plan()
    final = worst(states)
    if blocked and not final.is_failed:
        final = State.FAILED
    return Plan(state=final)


def finish_with_handlers(
    main: Plan, errors: Sequence[Task] | None, finally_: Sequence[Task] | None, runs: Index, value: str | None = None
) -> Plan:
    """Once the main children are over, run ``errors`` (on failure) then ``finally``.

    Handled failures still fail: the errors branch reports, it does not repair.
    """
    if main.state is None:
        return main
    state = main.state
    if state.is_failed and errors:
        handled = run_sequence(errors, runs, value)
        if handled.state is None:
            return handled
    if finally_:
        closing = run_sequence(finally_, runs, value)
        if closing.state is None:
            return closing
        if closing.state.is_failed and not state.is_failed:
            state = closing.state
    return Plan(state=state)
