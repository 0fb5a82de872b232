"""The variables expressions see: inputs, outputs, vars, flow, execution, taskrun, parents…"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lanner.engine.flow_index import FlowIndex
from lanner.models.execution import EXPOSED, Execution, TaskRun

__all__ = ["ExecutionView"]


def _iso(execution: Execution) -> str:
    return execution.start_date.isoformat().replace("+00:00", "Z")


def _trigger_variables(trigger: dict[str, Any] | None) -> dict[str, Any]:
    """`trigger.*`: the variables of the trigger that started the execution ({id, type, variables})."""
    if trigger and isinstance(trigger.get("variables"), dict):
        return dict(trigger["variables"])
    return trigger or {}


class ExecutionView:
    """Task runs of one execution, indexed for building expression variables."""

    def __init__(self, execution: Execution, task_runs: Iterable[TaskRun], flow: FlowIndex) -> None:
        self.execution = execution
        self.flow = flow
        self.runs: dict[str, TaskRun] = {run.id: run for run in task_runs}
        self._outputs: dict[str, Any] | None = None
        #: runs by task id: a job needing the outputs of two tasks does not scan 10,000 runs
        self._by_task: dict[str, list[TaskRun]] = {}
        for run in self.runs.values():
            self._by_task.setdefault(run.task_id, []).append(run)

    def add(self, run: TaskRun) -> None:
        if run.id not in self.runs:
            self._by_task.setdefault(run.task_id, []).append(run)
        self.runs[run.id] = run
        self._outputs = None

    def remove(self, run_ids: Iterable[str]) -> None:
        for run_id in run_ids:
            run = self.runs.pop(run_id, None)
            if run is not None:
                self._by_task[run.task_id].remove(run)
        self._outputs = None

    def changed(self) -> None:
        """Forget the outputs tree after a task run's outputs changed."""
        self._outputs = None

    def values_path(self, run: TaskRun) -> list[str]:
        """Loop values from the outermost ForEach down to this run (``outputs.t[v1][v2]``)."""
        path: list[str] = []
        current: TaskRun | None = run
        while current is not None:
            if current.iteration is not None and current.value is not None:
                path.append(current.value)
            current = self.runs.get(current.parent_id) if current.parent_id else None
        path.reverse()
        return path

    def outputs(self, only: set[str] | None = None) -> dict[str, Any]:
        """``outputs.<task>[.<value>…]`` for every run with outputs (or only the tasks named)."""
        if only is None and self._outputs is not None:
            return self._outputs
        tree: dict[str, Any] = {}
        if only is None:
            runs: Iterable[TaskRun] = self.runs.values()
        else:
            runs = [run for task_id in only for run in self._by_task.get(task_id, ())]
        for run in runs:
            if run.outputs is None or (run.dynamic and not run.meta.get(EXPOSED)):  # a dynamic task run's id may be a flow task's
                continue
            path = self.values_path(run)
            if not path:
                tree[run.task_id] = run.outputs
                continue
            node = tree.setdefault(run.task_id, {})
            for value in path[:-1]:
                node = node.setdefault(value, {})
            node[path[-1]] = run.outputs
        if only is None:
            self._outputs = tree
        return tree

    def base(self, outputs: Mapping[str, Any]) -> dict[str, Any]:
        ex = self.execution
        flow = self.flow.flow
        return {
            "flow": {"id": flow.id, "namespace": flow.namespace, "revision": self.flow.revision},
            "execution": {"id": ex.id, "startDate": _iso(ex), "originalId": ex.original_id or ex.id, "state": ex.state.value},
            "inputs": ex.inputs,
            "vars": ex.variables,
            "labels": ex.labels,
            "trigger": _trigger_variables(ex.trigger),
            "outputs": outputs,
        }

    def for_task_run(self, run: TaskRun | None, outputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Variables for rendering in the context of ``run`` (None: execution level)."""
        variables = self.base(self.outputs() if outputs is None else outputs)
        if run is None:
            return variables
        variables["task"] = {
            "id": run.task_id,
            "type": self.flow.tasks[run.task_id].type if run.task_id in self.flow.tasks else "",
        }
        variables["taskrun"] = {
            "id": run.id,
            "value": run.value,
            "parentId": run.parent_id,
            "attemptsCount": len(run.attempts),
            "iteration": run.iteration,
        }
        parents: list[dict[str, Any]] = []
        parent = self.runs.get(run.parent_id) if run.parent_id else None
        while parent is not None:
            parents.append({"taskrun": {"id": parent.id, "value": parent.value}, "outputs": parent.outputs or {}})
            parent = self.runs.get(parent.parent_id) if parent.parent_id else None
        variables["parents"] = parents
        variables["parent"] = parents[0] if parents else None
        return variables
