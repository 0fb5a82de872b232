"""Dynamic task runs: what a task reports, checked, and turned into task run records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lanner.engine.dynamic_runs import dynamic_task_runs
from lanner.models.execution import Execution, StateChange, TaskRun
from lanner.models.state import State
from lanner.storage.ports import WorkerJob
from lanner.tasks.context import DynamicTaskRun

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
JOB = WorkerJob(task_run_id="parent", execution_id="ex", attempt=1, payload={})


def test_a_dynamic_task_run_must_have_ended_and_be_named() -> None:
    with pytest.raises(ValueError, match="state RUNNING is not an end state"):
        DynamicTaskRun("model.a", State.RUNNING)
    with pytest.raises(ValueError, match="task_id of 1 to 256 characters"):
        DynamicTaskRun("", State.SUCCESS)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        DynamicTaskRun("model.a", State.SUCCESS, start=datetime(2026, 1, 1))


def test_reported_runs_become_ended_children_of_the_task_run_in_report_order() -> None:
    reported = [
        DynamicTaskRun("model.a", State.SUCCESS, T0, T0 + timedelta(seconds=2), outputs={"rows": 3, "note": "s3cret"}),
        DynamicTaskRun("test.b", State.FAILED, start=T0 + timedelta(seconds=3)),
        DynamicTaskRun("model.c", State.SKIPPED),
    ]
    ended = T0 + timedelta(seconds=10)

    a, b, c = dynamic_task_runs(
        reported, JOB, "worker-1", ended, lambda v: {k: "***" if k == "note" else x for k, x in v.items()}
    )

    assert {run.id for run in (a, b, c)}.isdisjoint({"parent"}) and len({a.id, b.id, c.id}) == 3
    assert [(r.task_id, r.state, r.parent_id, r.execution_id, r.meta) for r in (a, b, c)] == [
        ("model.a", State.SUCCESS, "parent", "ex", {"dynamic": 1}),
        ("test.b", State.FAILED, "parent", "ex", {"dynamic": 2}),
        ("model.c", State.SKIPPED, "parent", "ex", {"dynamic": 3}),
    ]
    assert all(r.dynamic for r in (a, b, c))
    assert a.history == [
        StateChange(State.CREATED, T0),
        StateChange(State.RUNNING, T0),
        StateChange(State.SUCCESS, T0 + timedelta(seconds=2)),
    ]
    assert a.outputs == {"rows": 3, "note": "***"}  # masked like the task's own outputs
    assert [(x.number, x.state, x.worker_id) for x in a.attempts] == [(1, State.SUCCESS, "worker-1")]
    # only a start: it ended then; nothing: at the attempt's end
    assert [h.date for h in b.history] == [T0 + timedelta(seconds=3)] * 3
    assert [h.date for h in c.history] == [ended] * 3


def test_the_execution_json_lists_dynamic_runs_right_after_their_parent() -> None:
    ex = Execution(id="ex", namespace="n", flow_id="f", flow_revision=1, state=State.SUCCESS)
    parent = TaskRun(id="parent", execution_id="ex", task_id="dbt", state=State.SUCCESS, seq=1)
    later = TaskRun(id="later", execution_id="ex", task_id="report", state=State.SUCCESS, seq=2)
    kids = dynamic_task_runs(
        [DynamicTaskRun("model.a", State.SUCCESS), DynamicTaskRun("model.b", State.SUCCESS)], JOB, "w", T0, lambda v: v
    )
    for kid in kids:
        kid.seq = parent.seq  # as stored: the parent's

    listed = ex.to_api([later, kids[1], parent, kids[0]])["taskRunList"]

    assert [(r["taskId"], r["parentTaskRunId"]) for r in listed] == [
        ("dbt", None),
        ("model.a", "parent"),
        ("model.b", "parent"),
        ("report", None),
    ]
    assert listed[1]["state"]["startDate"] == "2026-01-01T12:00:00Z" and listed[1]["state"]["current"] == "SUCCESS"
