"""Flowable tasks: they run no code themselves but decide which child tasks run and when."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanner.models.state import State, worst
from lanner.tasks.base import FlowableTask, Task
from lanner.tasks.flowable import (
    FlowableView,
    NewRun,
    Plan,
    finish_with_handlers,
    index,
    run_dag,
    run_parallel,
    run_sequence,
)
from lanner.tasks.flowable_utils import as_value_list, is_truthy

if TYPE_CHECKING:  # the registry resolves AnyTask to the union of every task type
    from lanner.tasks.base import Task as AnyTask

__all__ = [
    "AllowFailure",
    "Dag",
    "DagTask",
    "EachParallel",
    "EachSequential",
    "ForEach",
    "If",
    "Parallel",
    "Sequential",
    "Switch",
]


class _Flowable(FlowableTask):
    """Shared template: the children's plan, then ``errors`` and ``finally``."""

    def plan(self, view: FlowableView) -> Plan:
        runs = index(view.children())
        main = self.plan_children(view, runs)
        return finish_with_handlers(main, self.errors, self.finally_, runs, view.value)

    def plan_children(self, view: FlowableView, runs: Any) -> Plan:
        raise NotImplementedError


class Sequential(_Flowable):
    """Run tasks one after another; stop at the first failure."""

    type: Literal["lanner.core.Sequential", "io.kestra.plugin.core.flow.Sequential", "io.kestra.core.tasks.flows.Sequential"]
    tasks: list[AnyTask] = Field(min_length=1, description="Tasks to run in order.")

    def branches(self) -> dict[str, list[Task]]:
        return {"tasks": list(self.tasks)}

    def plan_children(self, view: FlowableView, runs: Any) -> Plan:
        return run_sequence(self.tasks, runs, view.value)


class Parallel(_Flowable):
    """Run tasks at the same time, `concurrent` at most; fails when any of them fails."""

    type: Literal["lanner.core.Parallel", "io.kestra.plugin.core.flow.Parallel", "io.kestra.core.tasks.flows.Parallel"]
    tasks: list[AnyTask] = Field(min_length=1, description="Tasks to run side by side.")
    concurrent: int = Field(default=0, ge=0, description="Most tasks running at once; 0 means no limit.", examples=[4])

    def branches(self) -> dict[str, list[Task]]:
        return {"tasks": list(self.tasks)}

    def plan_children(self, view: FlowableView, runs: Any) -> Plan:
        return run_parallel(self.tasks, runs, self.concurrent, view.value)


class AllowFailure(_Flowable):
    """Run tasks in order; a failure among them ends this task in WARNING and the flow goes on."""

    type: Literal[
        "lanner.core.AllowFailure", "io.kestra.plugin.core.flow.AllowFailure", "io.kestra.core.tasks.flows.AllowFailure"
    ]
    tasks: list[AnyTask] = Field(min_length=1, description="Tasks whose failure is tolerated.")

    def branches(self) -> dict[str, list[Task]]:
        return {"tasks": list(self.tasks)}

    def plan(self, view: FlowableView) -> Plan:
        plan = super().plan(view)
        if plan.state is not None and plan.state in (State.FAILED,):
            plan.state = State.WARNING
        return plan

    def plan_children(self, view: FlowableView, runs: Any) -> Plan:
        return run_sequence(self.tasks, runs, view.value)


class ForEach(_Flowable):
    """Run the tasks once for each value; `{{ taskrun.value }}` is the current value.

    Outputs of a task inside the loop are read per value: `{{ outputs.task_id[value].key }}`.
    """

    type: Literal["lanner.core.ForEach", "io.kestra.plugin.core.flow.ForEach"]
    values: list[Any] | dict[str, Any] | str = Field(
        description="The values: a list, or an expression rendering to a JSON list.",
        examples=[["eu", "us"], "{{ outputs.list.value }}"],
    )
    concurrencyLimit: int = Field(
        default=1, ge=0, description="Values processed at once; 1 runs them in order, 0 means no limit.", examples=[4]
    )
    tasks: list[AnyTask] = Field(min_length=1, description="Tasks run for each value, in order.")

    def branches(self) -> dict[str, list[Task]]:
        return {"tasks": list(self.tasks)}

    def _limit(self) -> int:
        return self.concurrencyLimit

    def plan_children(self, view: FlowableView, runs: Any) -> Plan:
        values: list[str] | None = view.meta.get("values")
        if values is None:
            values = as_value_list(view.render(self.values), self.id)
            view.meta["values"] = values
        limit = self._limit()
        start: list[NewRun] = []
        active = 0
        states: list[State] = []
        for iteration, value in enumerate(values):
            started = any((task.id, value) in runs for task in self.tasks)
            group = run_sequence(self.tasks, runs, value)
            if group.state is not None:
                states.append(group.state)
                continue
            if started:
                active += 1
                start.extend(NewRun(n.task, n.value, iteration) for n in group.start)
                continue
            if any(state.is_failed for state in states):
                continue
            if limit <= 0 or active < limit:
                active += 1
                start.extend(NewRun(n.task, n.value, iteration) for n in group.start)
        if start or active:
            return Plan(start)
        if len(states) < len(values):  # stopped early after a failure
            return Plan(state=State.FAILED)
        return Plan(state=worst(states))


class EachSequential(ForEach):
    """Kestra's former loop, one value at a time (prefer ForEach)."""

    type: Literal[  # type: ignore[assignment]
        "lanner.core.EachSequential", "io.kestra.plugin.core.flow.EachSequential", "io.kestra.core.tasks.flows.EachSequential"
    ]
    value: list[Any] | str = Field(description="The values: a list or a JSON list.", examples=[["a", "b"]])
    values: list[Any] | dict[str, Any] | str = Field(default_factory=list, description="Alias of `value`.")
    concurrencyLimit: int = Field(default=1, description="Always 1 for this type.")

    def plan_children(self, view: FlowableView, runs: Any) -> Plan:
        if "values" not in view.meta:
            view.meta["values"] = as_value_list(view.render(self.value or self.values), self.id)
        return super().plan_children(view, runs)


class EachParallel(EachSequential):
    """Kestra's former parallel loop (prefer ForEach with `concurrencyLimit: 0`)."""

    type: Literal[  # type: ignore[assignment]
        "lanner.core.EachParallel", "io.kestra.plugin.core.flow.EachParallel", "io.kestra.core.tasks.flows.EachParallel"
    ]
    concurrent: int = Field(default=0, ge=0, description="Values processed at once; 0 means no limit.")

    def _limit(self) -> int:
        return self.concurrent


class If(_Flowable):
    """Run `then` when the condition is true, `else` otherwise."""

    type: Literal["lanner.core.If", "io.kestra.plugin.core.flow.If", "io.kestra.core.tasks.flows.If"]
    condition: str | bool = Field(
        description="Expression; true unless it renders to false, 0, an empty value or 'false'.",
        examples=["{{ inputs.env == 'prod' }}"],
    )
    then: list[AnyTask] = Field(min_length=1, description="Tasks run when the condition is true.")
    else_: list[AnyTask] | None = Field(default=None, alias="else", description="Tasks run when the condition is false.")

    def branches(self) -> dict[str, list[Task]]:
        return {"then": list(self.then), "else": list(self.else_ or [])}

    def plan_children(self, view: FlowableView, runs: Any) -> Plan:
        branch = view.meta.get("branch")
        if branch is None:
            branch = "then" if is_truthy(view.render(self.condition)) else "else"
            view.meta["branch"] = branch
        return run_sequence(self.branches()[branch], runs, view.value)


class Switch(_Flowable):
    """Run the tasks of the case matching `value`, or `defaults` when none matches."""

    type: Literal["lanner.core.Switch", "io.kestra.plugin.core.flow.Switch", "io.kestra.core.tasks.flows.Switch"]
    value: str = Field(description="Expression whose result selects the case.", examples=["{{ inputs.region }}"])
    cases: dict[str, list[AnyTask]] = Field(
        default_factory=dict,
        description="Tasks for each possible value.",
        examples=[{"eu": [{"id": "eu", "type": "lanner.core.Log", "message": "EU"}]}],
    )
    defaults: list[AnyTask] | None = Field(default=None, description="Tasks run when no case matches.")

    def branches(self) -> dict[str, list[Task]]:
        out = {f"cases.{key}": list(tasks) for key, tasks in self.cases.items()}
        out["defaults"] = list(self.defaults or [])
        return out

    def plan_children(self, view: FlowableView, runs: Any) -> Plan:
        if "case" not in view.meta:
            rendered = str(view.render(self.value))
            view.meta["case"] = rendered if rendered in self.cases else None
        case = view.meta["case"]
        tasks = self.cases[case] if case is not None else list(self.defaults or [])
        return run_sequence(tasks, runs, view.value)


class DagTask(BaseModel):
    """One task of a Dag with the tasks it waits for."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    task: AnyTask = Field(description="The task.")
    dependsOn: list[str] | None = Field(
        default=None, description="Ids of the tasks that must succeed first.", examples=[["extract"]]
    )


class Dag(_Flowable):
    """Run tasks as a directed acyclic graph: each starts once everything it depends on succeeded."""

    type: Literal["lanner.core.Dag", "io.kestra.plugin.core.flow.Dag", "io.kestra.core.tasks.flows.Dag"]
    tasks: list[DagTask] = Field(min_length=1, description="Tasks with their dependencies.")
    concurrent: int = Field(default=0, ge=0, description="Most tasks running at once; 0 means no limit.")

    def branches(self) -> dict[str, list[Task]]:
        return {"tasks": [entry.task for entry in self.tasks]}

    def plan_children(self, view: FlowableView, runs: Any) -> Plan:
        tasks = [entry.task for entry in self.tasks]
        depends = {entry.task.id: entry.dependsOn or [] for entry in self.tasks}
        return run_dag(tasks, depends, runs, self.concurrent, view.value)
