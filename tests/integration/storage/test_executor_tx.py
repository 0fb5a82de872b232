"""The executor's unit of work: claims, locking, saves, delayed messages, kills, limits."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from lanner.errors import StorageError
from lanner.models.state import State
from lanner.storage.ports import ClaimedExecution, JobResult
from lanner.storage.sql import SqlStore, executor_tx
from lanner.storage.sql.executor_tx import CACHED_FROM

from .factories import ended_attempt, execution, job, queued_job, task_run


async def test_claim_consumes_the_messages_and_returns_task_runs(store: SqlStore) -> None:
    ex = execution()
    await store.create_execution(ex)

    async with store.executor_transaction() as tx:
        (claimed,) = await tx.claim(10)
        assert claimed.execution == ex and claimed.task_runs == []
        ex.set_state(State.RUNNING)
        runs = [task_run(ex, "a", seq=0), task_run(ex, "b", seq=1)]
        await tx.save(ex, runs, [job(runs[0])])
        assert await tx.claim(10) == []  # its message is consumed

    async with store.executor_transaction() as tx:
        assert await tx.claim(10) == []
        await tx.notify(ex.id)
    async with store.executor_transaction() as tx:
        (again,) = await tx.claim(10)
    assert again.execution.state is State.RUNNING
    assert [r.task_id for r in again.task_runs] == ["a", "b"]
    assert again.task_runs == runs


async def _claimed_three_times(store: SqlStore, runs: int) -> list[ClaimedExecution]:
    """An execution of ``runs`` task runs (the first with a job) claimed by three transactions,
    the last after a worker ended the first run."""
    ex = execution(state=State.RUNNING)
    await store.create_execution(ex)
    created = [task_run(ex, f"t{i}", seq=i) for i in range(runs)]
    async with store.executor_transaction() as tx:
        await tx.claim(10)
        await tx.save(ex, created, [job(created[0])])
        await tx.notify(ex.id)
    passes = []
    for _ in range(2):
        async with store.executor_transaction() as tx:
            passes.extend(await tx.claim(10))
            await tx.notify(ex.id)
    (claimed,) = await store.claim_jobs("w1", [None], 10)  # another writer changes the first run
    await store.finish_job(claimed, JobResult(State.SUCCESS, ended_attempt(claimed)))
    async with store.executor_transaction() as tx:
        passes.extend(await tx.claim(10))
    return passes


async def test_the_unchanged_task_runs_of_a_large_execution_are_decoded_once(store: SqlStore) -> None:
    first, second, third = await _claimed_three_times(store, CACHED_FROM)
    # read again (the rows are the truth) but not decoded again
    assert [id(run) for run in second.task_runs] == [id(run) for run in first.task_runs]
    assert third.task_runs[0] is not second.task_runs[0] and third.task_runs[0].state is State.SUCCESS
    assert [id(run) for run in third.task_runs[1:]] == [id(run) for run in second.task_runs[1:]]


async def test_the_task_runs_of_a_small_execution_are_not_kept_decoded(store: SqlStore) -> None:
    first, second, third = await _claimed_three_times(store, CACHED_FROM - 1)
    assert not any(a is b for a, b in zip(first.task_runs, second.task_runs, strict=True))
    assert second.task_runs == first.task_runs
    assert third.task_runs[0].state is State.SUCCESS and third.task_runs[1:] == second.task_runs[1:]


async def test_changed_task_runs_are_updated(store: SqlStore) -> None:
    ex = execution(state=State.RUNNING)
    await store.create_execution(ex)
    run = task_run(ex)
    async with store.executor_transaction() as tx:
        await tx.claim(10)
        await tx.save(ex, [run])
        run.set_state(State.SKIPPED)
        run.meta["why"] = "condition"
        await tx.save(ex, [run])  # saved twice in one transaction: the last one wins

    found = await store.get_execution(ex.id)
    assert found is not None and found.task_runs == [run]


async def test_a_failed_transaction_writes_nothing_and_keeps_the_messages(store: SqlStore) -> None:
    ex = execution()
    await store.create_execution(ex)

    async def engine_bug() -> None:
        async with store.executor_transaction() as tx:
            (claimed,) = await tx.claim(10)
            claimed.execution.set_state(State.RUNNING)
            await tx.save(claimed.execution, [task_run(ex)])
            await tx.running_count(ex.namespace, ex.flow_id)  # pending rows are written before reads
            raise RuntimeError("engine bug")

    with pytest.raises(RuntimeError):
        await engine_bug()

    async with store.executor_transaction() as tx:
        (claimed,) = await tx.claim(10)
    assert claimed.execution.state is State.CREATED and claimed.task_runs == []


async def test_delayed_messages_wait_for_their_time(store: SqlStore) -> None:
    ex = execution(state=State.RUNNING)
    await store.create_execution(ex)
    async with store.executor_transaction() as tx:
        await tx.claim(10)
    soon = datetime.now(UTC) + timedelta(hours=1)
    async with store.executor_transaction() as tx:
        await tx.notify(ex.id, soon + timedelta(hours=1))
        await tx.notify(ex.id, soon)

    async with store.executor_transaction() as tx:
        assert await tx.claim(10) == []
    assert await store.next_message_due() == soon

    store.clock = lambda: soon + timedelta(seconds=1)
    async with store.executor_transaction() as tx:
        assert [c.execution.id for c in await tx.claim(10)] == [ex.id]
    assert await store.next_message_due() == soon + timedelta(hours=1)  # the later one is still waiting


async def test_claim_takes_the_oldest_messages_first_up_to_the_limit(store: SqlStore) -> None:
    made = [execution() for _ in range(5)]
    for ex in made:
        await store.create_execution(ex)

    async with store.executor_transaction() as tx:
        first = await tx.claim(2)
    async with store.executor_transaction() as tx:
        rest = await tx.claim(10)

    assert [c.execution.id for c in first] == [made[0].id, made[1].id]
    assert [c.execution.id for c in rest] == [ex.id for ex in made[2:]]


async def test_a_claim_looks_at_a_window_of_the_oldest_messages(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor_tx, "CLAIM_WINDOW", 2)
    made = [execution() for _ in range(5)]
    for ex in made:
        await store.create_execution(ex)

    batches = []
    for _ in range(3):
        async with store.executor_transaction() as tx:
            batches.append([c.execution.id for c in await tx.claim(10)])

    assert batches == [[made[0].id, made[1].id], [made[2].id, made[3].id], [made[4].id]]


# PostgreSQL only: SQLite has one writer, no two claims overlap
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_a_window_held_by_another_executor_does_not_hide_later_work(  # type: ignore[no-untyped-def]
    store: SqlStore, open_store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executor_tx, "CLAIM_WINDOW", 2)
    other = await open_store()
    held, later = execution(), execution()
    await store.create_execution(held)
    await store.request(held.id, "resume")  # the window's two messages are both the held execution's
    await store.create_execution(later)

    async with store.executor_transaction() as tx:
        assert [c.execution.id for c in await tx.claim(1)] == [held.id]
        theirs = await _claim_all(other)  # its window: the held execution, locked: skipped
    assert [c.execution.id for c in theirs] == [later.id]


async def test_concurrent_executors_never_claim_the_same_execution(store: SqlStore, open_store) -> None:  # type: ignore[no-untyped-def]
    other = await open_store()  # another process
    made = [execution() for _ in range(6)]
    for ex in made:
        await store.create_execution(ex)

    async with store.executor_transaction() as first:
        mine = await first.claim(3)
        # PostgreSQL: the other executor skips the locked rows and gets the rest at once.
        # SQLite: it waits for the writer lock, then finds those messages consumed.
        second = asyncio.create_task(_claim_all(other))
        if store.dialect == "postgresql":
            theirs = await asyncio.wait_for(asyncio.shield(second), 10)
    if store.dialect != "postgresql":
        theirs = await asyncio.wait_for(second, 10)

    mine_ids = {c.execution.id for c in mine}
    their_ids = {c.execution.id for c in theirs}
    assert len(mine_ids) == 3 and mine_ids.isdisjoint(their_ids)
    assert mine_ids | their_ids == {ex.id for ex in made}


async def _claim_all(store: SqlStore) -> list:  # type: ignore[type-arg]
    async with store.executor_transaction() as tx:
        return await tx.claim(100)


async def test_a_claimed_execution_stays_locked_until_commit(store: SqlStore, open_store) -> None:  # type: ignore[no-untyped-def]
    other = await open_store()
    ex = execution()
    await store.create_execution(ex)

    async with store.executor_transaction() as tx:
        await tx.claim(10)
        await tx.notify(ex.id)  # a new message for the execution we hold
        if store.dialect == "postgresql":
            assert await _claim_all(other) == []  # written but uncommitted, and the row is locked
    assert [c.execution.id for c in await _claim_all(other)] == [ex.id]


async def test_create_execution_inside_the_transaction(store: SqlStore) -> None:
    parent = execution(state=State.RUNNING)
    await store.create_execution(parent)
    child = execution(parent_id=parent.id)

    async with store.executor_transaction() as tx:
        await tx.claim(10)
        await tx.create_execution(child)
        loaded = await tx.load(child.id)
        assert loaded is not None and loaded.execution == child

    async with store.executor_transaction() as tx:
        assert [c.execution.id for c in await tx.claim(10)] == [child.id]


async def test_load_reads_without_consuming_messages(store: SqlStore) -> None:
    ex = execution()
    await store.create_execution(ex)

    async with store.executor_transaction() as tx:
        loaded = await tx.load(ex.id)
        assert loaded is not None and loaded.execution == ex
        assert await tx.load("missing") is None
    async with store.executor_transaction() as tx:
        assert [c.execution.id for c in await tx.claim(10)] == [ex.id]


async def test_kill_jobs_cancels_waiting_jobs_and_flags_running_ones(store: SqlStore) -> None:
    ex = execution(state=State.RUNNING)
    await store.create_execution(ex)
    waiting, running = task_run(ex, "waiting", seq=0), task_run(ex, "running", seq=1)
    async with store.executor_transaction() as tx:
        await tx.claim(10)
        await tx.save(ex, [running], [job(running)])
    await store.register_worker("w1", None, "host")
    assert [j.task_run_id for j in await store.claim_jobs("w1", [None], 10)] == [running.id]
    async with store.executor_transaction() as tx:
        await tx.save(ex, [waiting], [job(waiting)])

    async with store.executor_transaction() as tx:
        assert await tx.kill_jobs(ex.id) == [waiting.id]

    assert await store.kill_requested("w1") == [running.id]
    assert await store.kill_requested("w2") == []
    assert await store.claim_jobs("w2", [None], 10) == []


async def test_running_count_and_oldest_queued(store: SqlStore) -> None:
    states = [State.RUNNING, State.PAUSED, State.KILLING, State.RETRYING, State.QUEUED, State.QUEUED, State.SUCCESS]
    made = [
        execution(state=state, created=datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=i)) for i, state in enumerate(states)
    ]
    made.append(execution(flow_id="other", state=State.RUNNING))
    for ex in made:
        await store.create_execution(ex)

    async with store.executor_transaction() as tx:
        assert await tx.running_count("company.team", "hello") == 4
        assert await tx.oldest_queued("company.team", "hello", 1) == [made[4].id]
        assert await tx.oldest_queued("company.team", "hello", 5) == [made[4].id, made[5].id]
        # a save earlier in the transaction counts at once
        made[4].set_state(State.RUNNING)
        await tx.save(made[4], [])
        assert await tx.running_count("company.team", "hello") == 5
        assert await tx.oldest_queued("company.team", "hello", 5) == [made[5].id]


async def test_a_job_saved_again_replaces_the_old_one(store: SqlStore) -> None:
    ex, run = await queued_job(store)
    await store.register_worker("w1", None, "host")
    (held,) = await store.claim_jobs("w1", [None], 10)
    async with store.executor_transaction() as tx:
        await tx.save(ex, [], [job(run)])  # e.g. a restart

    (again,) = await store.claim_jobs("w2", [None], 10)
    assert again.attempt == 2
    assert await store.claim_jobs("w2", [None], 10) == []
    assert await store.finish_job(held, JobResult(State.SUCCESS, ended_attempt(held))) is False


async def test_store_writes_inside_an_executor_transaction(store: SqlStore) -> None:
    ex = execution()
    await store.create_execution(ex)
    async with store.executor_transaction() as tx:
        await tx.claim(10)
        assert await store.get_execution(ex.id) is not None  # reads are fine on every backend
        if store.dialect == "sqlite":
            # one writer at a time: waiting for ourselves would hang, so it fails loudly
            with pytest.raises(StorageError, match="inside another write transaction"):
                await store.request(ex.id, "kill")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sqlite_waits_for_a_writer_in_another_process(store: SqlStore, backend) -> None:  # type: ignore[no-untyped-def]
    ex = execution()
    await store.create_execution(ex)
    other = sqlite3.connect(backend.url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        write = asyncio.create_task(store.request(ex.id, "kill"))
        for _ in range(50):  # the event loop keeps running meanwhile
            await asyncio.sleep(0)
        assert not write.done()
    finally:
        other.execute("COMMIT")
        other.close()
    await asyncio.wait_for(write, 10)

    async with store.executor_transaction() as tx:
        (claimed,) = await tx.claim(10)
    assert claimed.actions == [("kill", {})]


async def test_postponed_wake_ups_wait_but_user_actions_do_not(store: SqlStore) -> None:
    big, other = execution(), execution()
    for ex in (big, other):
        await store.create_execution(ex)
    async with store.executor_transaction() as tx:
        assert len(await tx.claim(10)) == 2
    now = datetime.now(UTC)
    store.clock = lambda: now
    later = now + timedelta(seconds=5)
    for ex in (big, other):
        async with store.executor_transaction() as tx:
            await tx.notify(ex.id)

    async with store.executor_transaction() as tx:  # the big one's plain wake-up is postponed
        assert [c.execution.id for c in await tx.claim(10, defer={big.id: later})] == [other.id]
    assert await store.next_message_due() == later
    await store.request(big.id, "kill")
    async with store.executor_transaction() as tx:  # ...a user action is not
        (claimed,) = await tx.claim(10, defer={big.id: later})
    assert claimed.execution.id == big.id and [action for action, _ in claimed.actions] == ["kill"]
    store.clock = lambda: later
    async with store.executor_transaction() as tx:  # the postponed wake-up comes due at its time
        assert [c.execution.id for c in await tx.claim(10)] == [big.id]
