"""LoopUntil (Kestra's WaitFor): run tasks again and again until a condition holds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanner.models.state import State
from lanner.tasks.base import Task
from lanner.tasks.core.flow import _Flowable
from lanner.tasks.flowable import FlowableView, Plan, run_sequence
from lanner.tasks.flowable_utils import is_truthy

if TYPE_CHECKING:
    from lanner.tasks.base import Task as AnyTask

__all__ = ["CheckFrequency", "LoopUntil"]


class CheckFrequency(BaseModel):
    """How often the loop runs, and when it gives up."""

    model_config = ConfigDict(extra="forbid")

    interval: timedelta = Field(default=timedelta(minutes=1), description="Wait between two iterations.", examples=["PT30S"])
    maxIterations: int | None = Field(default=None, ge=1, description="Stop after this many iterations.", examples=[100])
    maxDuration: timedelta | None = Field(default=None, description="Stop once the loop has run this long.", examples=["PT1H"])


class LoopUntil(_Flowable):
    """Run the tasks repeatedly until `condition` is true: poll an API, wait for a job to finish.

    The condition is rendered after each iteration and may read the iteration's outputs
    (`{{ outputs.check.value }}`). `{{ outputs.<this task>.iterationCount }}` counts iterations.
    """

    type: Literal["lanner.core.LoopUntil", "io.kestra.plugin.core.flow.LoopUntil", "io.kestra.plugin.core.flow.WaitFor"]
    condition: str | bool = Field(
        description="Expression; the loop ends when it renders to true.", examples=["{{ outputs.status.value == 'done' }}"]
    )
    tasks: list[AnyTask] = Field(min_length=1, description="Tasks run in each iteration, in order.")
    checkFrequency: CheckFrequency = Field(default_factory=CheckFrequency, description="Interval and limits of the loop.")
    failOnMaxReached: bool = Field(default=False, description="End FAILED (instead of SUCCESS) when a limit is reached.")

    def branches(self) -> dict[str, list[Task]]:
        return {"tasks": list(self.tasks)}

    def plan_children(self, view: FlowableView, runs: Any) -> Plan:
        meta = view.meta
        iteration = int(meta.get("iteration", 0))
        if iteration == 0:
            meta["startedAt"] = view.now.isoformat()
            return self._begin(view, runs, 1)
        group = run_sequence(self.tasks, runs, str(iteration))
        if group.state is None:
            return group
        if group.state.is_failed:
            return Plan(state=group.state)
        if meta.get("checked") != iteration:
            meta["checked"] = iteration
            meta["met"] = is_truthy(view.render(self.condition))
        if meta["met"]:
            return Plan(state=State.SUCCESS)
        frequency = self.checkFrequency
        elapsed = view.now - datetime.fromisoformat(meta["startedAt"])
        if (frequency.maxIterations is not None and iteration >= frequency.maxIterations) or (
            frequency.maxDuration is not None and elapsed >= frequency.maxDuration
        ):
            return Plan(state=State.FAILED if self.failOnMaxReached else State.SUCCESS)
        next_at = datetime.fromisoformat(meta["nextAt"]) if "nextAt" in meta else view.now + frequency.interval
        if view.now < next_at:
            meta["nextAt"] = next_at.isoformat()
            return Plan(wake_at=next_at)
        meta.pop("nextAt", None)
        return self._begin(view, runs, iteration + 1)

    def _begin(self, view: FlowableView, runs: Any, iteration: int) -> Plan:
        view.meta["iteration"] = iteration
        view.set_outputs({"iterationCount": iteration})
        return run_sequence(self.tasks, runs, str(iteration))
