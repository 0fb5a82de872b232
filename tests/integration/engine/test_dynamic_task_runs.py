"""Dynamic task runs through the whole engine, on every backend: a task reports ended child
task runs (``RunContext.add_task_runs``); the executor lists them but never plans, restarts or
changes them; a restart replaces them, a retry keeps only the last attempt's.

The reporting task is stood in by a coroutine (the worker's ``stand_in`` hook), the way a
plugin (dbt) reports its nodes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lanner.engine.engine import Engine
from lanner.engine.run_context import WorkerRunContext
from lanner.errors import ConflictError, TaskFailure
from lanner.models.execution import TaskRun
from lanner.models.state import State
from lanner.storage.ports import WorkerJob
from lanner.tasks.context import DynamicTaskRun

from ..harness import Harness, Result

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
Attempt = Callable[[WorkerRunContext], Awaitable[Mapping[str, Any] | None]]


def _stand_in(engine: Engine, task_id: str, attempts: list[Attempt]) -> list[int]:
    """Attempts of ``task_id`` run ``attempts`` in turn (the last one again); returns the call count."""
    calls = [0]

    def pick(job: WorkerJob) -> Attempt | None:
        if job.payload["taskId"] != task_id:
            return None
        calls[0] += 1
        return attempts[min(calls[0], len(attempts)) - 1]

    engine.worker.stand_in = pick
    return calls


def _node(name: str, state: State, second: int, **fields: Any) -> DynamicTaskRun:
    return DynamicTaskRun(name, state, T0 + timedelta(seconds=second), T0 + timedelta(seconds=second + 1), **fields)


def _kids(result: Result, parent: TaskRun) -> list[TaskRun]:
    return sorted((r for r in result.task_runs if r.parent_id == parent.id), key=lambda r: r.meta["dynamic"])


async def test_reported_task_runs_are_children_of_the_task_and_the_flow_goes_on(harness: Harness) -> None:
    async def work(ctx: WorkerRunContext) -> Mapping[str, Any]:
        # "after" is also a task of the flow: the executor must not take this one for it
        ctx.add_task_runs(
            [
                _node("model.x", State.SUCCESS, 0, outputs={"rows": 3}),
                _node("after", State.FAILED, 1, outputs={"value": "shadow"}),
                DynamicTaskRun("model.y", State.SKIPPED),
            ]
        )
        return {"value": "work"}

    _stand_in(harness.engine, "work", [work])
    result = await harness.run(
        """
id: dynamic
namespace: company.team
tasks:
  - id: work
    type: io.kestra.plugin.core.debug.Return
    format: unused
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.work.value }} then after"
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.after.value }}"
""",
        timeout=30,
    )

    assert result.state is State.SUCCESS, result.states()
    parent = result.run("work")
    kids = _kids(result, parent)
    assert [(k.task_id, k.state, k.seq) for k in kids] == [
        ("model.x", State.SUCCESS, parent.seq),
        ("after", State.FAILED, parent.seq),
        ("model.y", State.SKIPPED, parent.seq),
    ]
    assert (kids[0].history[0].date, kids[0].history[-1].date) == (T0, T0 + timedelta(seconds=1))
    assert kids[0].outputs == {"rows": 3}
    # unknown times: the attempt's end
    assert kids[2].history[0].date == parent.attempts[-1].history[-1].date
    flow_after = next(r for r in result.task_runs if r.task_id == "after" and not r.dynamic)
    assert flow_after.state is State.SUCCESS and flow_after.outputs == {"value": "work then after"}
    assert result.outputs("last") == {"value": "work then after"}  # not the dynamic run's "shadow"

    with pytest.raises(ConflictError, match="was reported by task run"):
        await harness.engine.change_state(result.execution.id, kids[1].id, State.SUCCESS)

    replay = await harness.engine.replay(result.execution.id, flow_after.id)
    replayed = await harness.wait(replay.id, timeout=30)
    assert replayed.state is State.SUCCESS
    copied_parent = replayed.run("work")
    assert [(k.task_id, k.state) for k in _kids(replayed, copied_parent)] == [(k.task_id, k.state) for k in kids]


async def test_a_failed_task_keeps_its_failed_children_and_a_restart_replaces_them(harness: Harness) -> None:
    async def failing(ctx: WorkerRunContext) -> Mapping[str, Any]:
        ctx.add_task_runs([_node("model.a", State.SUCCESS, 0), _node("model.b", State.FAILED, 1)])
        raise TaskFailure("dbt failed: model.b", retryable=False)

    async def fixed(ctx: WorkerRunContext) -> Mapping[str, Any]:
        ctx.add_task_runs([_node("model.a", State.SUCCESS, 10), _node("model.b", State.SUCCESS, 11)])
        return {}

    _stand_in(harness.engine, "dbt", [failing, fixed])
    result = await harness.run(
        """
id: dynamic_restart
namespace: company.team
tasks:
  - id: dbt
    type: io.kestra.plugin.core.debug.Return
    format: unused
""",
        timeout=30,
    )

    assert result.state is State.FAILED
    parent = result.run("dbt")
    assert parent.state is State.FAILED
    failed = _kids(result, parent)
    assert [(k.task_id, k.state) for k in failed] == [("model.a", State.SUCCESS), ("model.b", State.FAILED)]

    await harness.engine.restart(result.execution.id)
    restarted = await harness.wait_until(result.execution.id, lambda r: r.state is State.SUCCESS, timeout=30)

    parent = restarted.run("dbt")
    kids = _kids(restarted, parent)
    assert [(k.task_id, k.state) for k in kids] == [("model.a", State.SUCCESS), ("model.b", State.SUCCESS)]
    assert {k.id for k in kids}.isdisjoint({k.id for k in failed})  # the failed attempt's are gone
    assert len(restarted.task_runs) == 3


async def test_only_the_attempt_that_ends_the_task_run_keeps_its_children(harness: Harness) -> None:
    async def failing(ctx: WorkerRunContext) -> Mapping[str, Any]:
        ctx.add_task_runs([_node("model.a", State.FAILED, 0)])
        raise TaskFailure("not yet")

    async def fixed(ctx: WorkerRunContext) -> Mapping[str, Any]:
        ctx.add_task_runs([_node("model.a", State.SUCCESS, 5)])
        return {}

    calls = _stand_in(harness.engine, "dbt", [failing, fixed])
    result = await harness.run(
        """
id: dynamic_retry
namespace: company.team
tasks:
  - id: dbt
    type: io.kestra.plugin.core.debug.Return
    format: unused
    retry:
      type: constant
      interval: PT0.05S
      maxAttempts: 2
""",
        timeout=30,
    )

    assert result.state is State.SUCCESS and calls == [2]
    parent = result.run("dbt")
    assert [a.state for a in parent.attempts] == [State.FAILED, State.SUCCESS]
    assert [(k.task_id, k.state, k.history[0].date) for k in _kids(result, parent)] == [
        ("model.a", State.SUCCESS, T0 + timedelta(seconds=5))
    ]
