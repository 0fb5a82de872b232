"""Dynamic task runs written with their parent's result: same transaction, fenced, parent's seq.

Each finish path is covered: a lone finish (on PostgreSQL the single statement of CTEs), a
batch of finishes (the worker's group commit), and a rejected finish, which inserts nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lanner.engine.dynamic_runs import dynamic_task_runs
from lanner.models.execution import Execution, TaskRun
from lanner.models.state import State
from lanner.storage.ports import FinishedAttempt, JobResult, WorkerJob
from lanner.storage.sql import SqlStore
from lanner.tasks.context import DynamicTaskRun

from .factories import ended_attempt, execution, job, task_run

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


async def _running_jobs(store: SqlStore, count: int, seq: int = 5) -> tuple[Execution, list[WorkerJob]]:
    """An execution with ``count`` task runs (seq ``seq``, ``seq + 1``…) claimed by worker w1."""
    ex = execution(state=State.RUNNING)
    await store.create_execution(ex)
    runs = [task_run(ex, f"t{i}", seq=seq + i) for i in range(count)]
    async with store.executor_transaction() as tx:
        await tx.claim(100)
        await tx.save(ex, runs, [job(run) for run in runs])
    await store.register_worker("w1", None, "host")
    claimed = await store.claim_jobs("w1", [None], 10)
    return ex, sorted(claimed, key=lambda j: [r.id for r in runs].index(j.task_run_id))


def _result(job_: WorkerJob, state: State, *nodes: tuple[str, State]) -> JobResult:
    reported = [
        DynamicTaskRun(name, s, T0 + timedelta(seconds=i), T0 + timedelta(seconds=i + 1)) for i, (name, s) in enumerate(nodes)
    ]
    return JobResult(
        state=state,
        attempt=ended_attempt(job_, state),
        task_runs=dynamic_task_runs(reported, job_, "w1", T0, lambda v: v) or None,
    )


async def _children(store: SqlStore, ex: Execution) -> dict[str, list[TaskRun]]:
    found = await store.get_execution(ex.id)
    assert found is not None
    by_parent: dict[str, list[TaskRun]] = {}
    for run in found.task_runs:
        if run.dynamic:
            by_parent.setdefault(run.parent_id or "", []).append(run)
    for kids in by_parent.values():
        kids.sort(key=lambda r: r.meta["dynamic"])
    return by_parent


async def test_a_lone_finish_inserts_its_dynamic_task_runs_with_the_parents_seq(store: SqlStore) -> None:
    ex, (job_,) = await _running_jobs(store, 1, seq=5)

    (accepted,) = await store.finish_jobs(
        [FinishedAttempt(job_, _result(job_, State.FAILED, ("model.a", State.SUCCESS), ("model.b", State.FAILED)))]
    )

    assert accepted is True
    kids = (await _children(store, ex))[job_.task_run_id]
    assert [(k.task_id, k.state, k.seq, k.execution_id) for k in kids] == [
        ("model.a", State.SUCCESS, 5, ex.id),
        ("model.b", State.FAILED, 5, ex.id),
    ]
    assert [h.date for h in kids[1].history] == [T0 + timedelta(seconds=1)] * 2 + [T0 + timedelta(seconds=2)]
    assert [(a.number, a.state) for a in kids[0].attempts] == [(1, State.SUCCESS)]
    found = await store.get_execution(ex.id)
    assert found is not None
    assert next(r for r in found.task_runs if r.id == job_.task_run_id).state is State.FAILED


async def test_a_batch_of_finishes_inserts_the_dynamic_task_runs_of_each_accepted_one(store: SqlStore) -> None:
    ex, (first, second, third) = await _running_jobs(store, 3)
    stale = WorkerJob(third.task_run_id, third.execution_id, third.attempt + 1, third.payload, worker_id="w1")

    accepted = await store.finish_jobs(
        [
            FinishedAttempt(first, _result(first, State.SUCCESS, ("model.a", State.SUCCESS))),
            FinishedAttempt(second, _result(second, State.SUCCESS)),  # none reported
            FinishedAttempt(stale, _result(stale, State.SUCCESS, ("model.stale", State.SUCCESS))),
        ]
    )

    assert accepted == [True, True, False]
    children = await _children(store, ex)
    assert {parent: [k.task_id for k in kids] for parent, kids in children.items()} == {first.task_run_id: ["model.a"]}
    assert children[first.task_run_id][0].seq == 5


async def test_a_rejected_lone_finish_inserts_no_dynamic_task_run(store: SqlStore) -> None:
    ex, (job_,) = await _running_jobs(store, 1)
    stale = WorkerJob(job_.task_run_id, job_.execution_id, job_.attempt, job_.payload, worker_id="someone-else")

    (accepted,) = await store.finish_jobs([FinishedAttempt(stale, _result(stale, State.SUCCESS, ("model.a", State.SUCCESS)))])

    assert accepted is False
    assert await _children(store, ex) == {}


async def test_the_executor_deletes_task_runs_it_is_told_to(store: SqlStore) -> None:
    ex, (job_,) = await _running_jobs(store, 1)
    await store.finish_jobs(
        [FinishedAttempt(job_, _result(job_, State.FAILED, ("model.a", State.SUCCESS), ("model.b", State.FAILED)))]
    )
    kids = (await _children(store, ex))[job_.task_run_id]

    async with store.executor_transaction() as tx:
        (claimed,) = await tx.claim(100)
        assert {r.id for r in claimed.task_runs if r.dynamic} == {k.id for k in kids}
        await tx.delete_task_runs([kids[0].id])

    assert [k.task_id for k in (await _children(store, ex))[job_.task_run_id]] == ["model.b"]
