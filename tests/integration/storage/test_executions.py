"""Executions: round trip, search, deletion, user requests."""

from __future__ import annotations

from datetime import UTC, timedelta

from lanner.models.execution import LogEntry, StateChange
from lanner.models.state import State
from lanner.storage.ports import ExecutionQuery
from lanner.storage.sql import SqlStore

from .factories import T0, execution, task_run


async def test_an_execution_reads_back_as_stored(store: SqlStore) -> None:
    ex = execution(
        inputs={"n": 3, "names": ["a", "b"]},
        labels={"team": "data"},
        variables={"v": {"deep": True}},
        outputs={"o": 1},
        trigger={"type": "schedule", "date": "2030-01-01"},
        parent_id="parent",
        parent_task_run_id="parent-run",
        original_id="original",
        meta={"errors_started": True},
    )
    ex.set_state(State.RUNNING, T0 + timedelta(seconds=1))
    await store.create_execution(ex)

    found = await store.get_execution(ex.id)

    assert found is not None and found.task_runs == [] and found.actions == []
    assert found.execution == ex
    assert all(change.date.tzinfo is not None for change in found.execution.history)
    assert found.execution.created.utcoffset() == timedelta(0)
    assert await store.get_execution("missing") is None


async def test_task_runs_come_back_in_creation_order_with_their_attempts(store: SqlStore) -> None:
    ex = execution(state=State.RUNNING)
    await store.create_execution(ex)
    runs = [task_run(ex, f"t{seq}", seq=seq, value="v" if seq == 1 else None, iteration=seq) for seq in (2, 0, 1)]
    runs[0].meta = {"values": [1, 2]}
    async with store.executor_transaction() as tx:
        await tx.save(ex, runs)

    found = await store.get_execution(ex.id)

    assert found is not None
    assert [r.task_id for r in found.task_runs] == ["t0", "t1", "t2"]
    assert sorted(found.task_runs, key=lambda r: r.seq) == sorted(runs, key=lambda r: r.seq)


async def test_search_filters_pages_and_counts(store: SqlStore) -> None:
    made = []
    for i in range(7):
        ex = execution(
            namespace="company.team" if i % 2 else "company",
            flow_id="a" if i < 5 else "b",
            state=State.SUCCESS if i < 3 else State.FAILED,
            created=T0 + timedelta(minutes=i),
            labels={"env": "prod" if i in (1, 4) else "dev"},
            parent_id="p" if i == 6 else None,
        )
        made.append(ex)
        await store.create_execution(ex)
    await store.create_execution(execution(namespace="companyx", created=T0))

    everything = await store.search_executions(ExecutionQuery(namespace="company", size=3))
    assert everything.total == 7
    assert [e.id for e in everything.results] == [made[6].id, made[5].id, made[4].id]  # newest first
    page3 = await store.search_executions(ExecutionQuery(namespace="company", size=3, page=3))
    assert [e.id for e in page3.results] == [made[0].id]

    def ids(page: object) -> set[str]:
        return {e.id for e in page.results}  # type: ignore[attr-defined]

    assert ids(await store.search_executions(ExecutionQuery(namespace="company.team"))) == {made[i].id for i in (1, 3, 5)}
    assert ids(await store.search_executions(ExecutionQuery(flow_id="b"))) == {made[5].id, made[6].id}
    found = await store.search_executions(ExecutionQuery(namespace="company", states=[State.SUCCESS]))
    assert (found.total, ids(found)) == (3, {made[i].id for i in range(3)})
    assert ids(await store.search_executions(ExecutionQuery(labels={"env": "prod"}))) == {made[1].id, made[4].id}
    assert ids(
        await store.search_executions(
            ExecutionQuery(namespace="company", start=T0 + timedelta(minutes=2), end=T0 + timedelta(minutes=3))
        )
    ) == {made[2].id, made[3].id}
    assert ids(await store.search_executions(ExecutionQuery(parent_id="p"))) == {made[6].id}
    assert (await store.search_executions(ExecutionQuery(namespace="nothing"))).total == 0


async def test_deleting_an_execution_removes_its_task_runs_and_logs(store: SqlStore) -> None:
    ex = execution(state=State.RUNNING)
    await store.create_execution(ex)
    async with store.executor_transaction() as tx:
        await tx.claim(10)
        await tx.save(ex, [task_run(ex)])
    await store.append_logs([LogEntry(ex.id, "INFO", "hi", T0)])

    assert await store.delete_execution(ex.id) is True
    assert await store.get_execution(ex.id) is None
    assert await store.get_logs(ex.id) == []
    assert await store.delete_execution(ex.id) is False


async def test_requests_reach_the_executor_in_order(store: SqlStore) -> None:
    ex = execution(state=State.RUNNING)
    await store.create_execution(ex)
    await store.request(ex.id, "kill")
    await store.request(ex.id, "resume", {"inputs": {"ok": True}})

    async with store.executor_transaction() as tx:
        claimed = await tx.claim(10)

    assert [c.execution.id for c in claimed] == [ex.id]
    assert claimed[0].actions == [("kill", {}), ("resume", {"inputs": {"ok": True}})]


async def test_datetimes_keep_their_instant_whatever_the_zone(store: SqlStore) -> None:
    from datetime import timezone

    paris = timezone(timedelta(hours=1))
    ex = execution(created=T0.astimezone(paris))
    ex.history = [StateChange(State.CREATED, T0.astimezone(paris))]
    await store.create_execution(ex)

    found = await store.get_execution(ex.id)

    assert found is not None
    assert found.execution.created == T0 and found.execution.created.tzinfo == UTC
