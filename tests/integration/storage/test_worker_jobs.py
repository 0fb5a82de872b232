"""The worker side: claims with attempt numbering, fenced finishes, retries, lost workers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from lanner.models.execution import LogEntry
from lanner.models.state import State
from lanner.storage.ports import FinishedAttempt, JobResult
from lanner.storage.sql import SqlStore, jobs

from .factories import ended_attempt, later, queued_job


async def _executor_wakes_for(store: SqlStore) -> list[str]:
    async with store.executor_transaction() as tx:
        return [c.execution.id for c in await tx.claim(100)]


async def test_a_claim_starts_a_new_attempt(store: SqlStore) -> None:
    ex, run = await queued_job(store)
    await store.register_worker("w1", None, "host")

    (job,) = await store.claim_jobs("w1", [None], 10)

    assert (job.task_run_id, job.execution_id, job.attempt, job.worker_id) == (run.id, ex.id, 1, "w1")
    assert job.payload == {"task": "t1"} and job.kill_requested is False
    assert await store.claim_jobs("w2", [None], 10) == []
    found = await store.get_execution(ex.id)
    assert found is not None
    (claimed_run,) = found.task_runs
    assert claimed_run.state is State.RUNNING
    assert [h.state for h in claimed_run.history] == [State.CREATED, State.RUNNING]
    (attempt,) = claimed_run.attempts
    assert (attempt.number, attempt.state, attempt.worker_id) == (1, State.RUNNING, "w1")
    assert [h.state for h in attempt.history] == [State.RUNNING]


async def test_jobs_go_to_workers_of_their_group(store: SqlStore) -> None:
    _, gpu = await queued_job(store, worker_group="gpu")
    _, anywhere = await queued_job(store)

    assert await store.claim_jobs("cpu-worker", ["cpu"], 10) == []
    assert [j.task_run_id for j in await store.claim_jobs("gpu-worker", ["gpu"], 10)] == [gpu.id]
    assert [j.task_run_id for j in await store.claim_jobs("plain-worker", [None, "cpu"], 10)] == [anywhere.id]
    assert await store.claim_jobs("nobody", [], 10) == []


async def test_claims_take_the_oldest_jobs_up_to_the_limit(store: SqlStore) -> None:
    runs = [(await queued_job(store))[1] for _ in range(3)]

    first = await store.claim_jobs("w1", [None], 2)
    second = await store.claim_jobs("w2", [None], 2)

    assert [j.task_run_id for j in first] == [runs[0].id, runs[1].id]
    assert [j.task_run_id for j in second] == [runs[2].id]


async def test_a_delayed_job_waits_for_its_time(store: SqlStore) -> None:
    at = datetime.now(UTC) + timedelta(minutes=5)
    _, run = await queued_job(store, not_before=at)

    assert await store.claim_jobs("w1", [None], 10) == []
    assert await store.next_job_due() == at
    store.clock = lambda: at
    assert [j.task_run_id for j in await store.claim_jobs("w1", [None], 10)] == [run.id]
    assert await store.next_job_due() is None


async def test_finishing_records_the_attempt_and_logs_and_wakes_the_executor(store: SqlStore) -> None:
    ex, run = await queued_job(store)
    await _executor_wakes_for(store)
    (job,) = await store.claim_jobs("w1", [None], 10)
    attempt = ended_attempt(job)
    attempt.metrics = [{"name": "rows", "value": 3}]
    now = datetime.now(UTC)
    logs = [
        LogEntry(ex.id, "INFO", "one", now, ex.namespace, ex.flow_id, run.task_id, run.id, 1),
        LogEntry(ex.id, "WARN", "two", now, ex.namespace, ex.flow_id, run.task_id, run.id, 1),
    ]

    finished = await store.finish_job(job, JobResult(State.SUCCESS, attempt, outputs={"rows": 3}), logs)

    assert finished is True
    assert await _executor_wakes_for(store) == [ex.id]
    found = await store.get_execution(ex.id)
    assert found is not None
    (done,) = found.task_runs
    assert done.state is State.SUCCESS and done.outputs == {"rows": 3}
    assert done.attempts == [attempt]
    assert [h.state for h in done.history] == [State.CREATED, State.RUNNING, State.SUCCESS]
    assert await store.get_logs(ex.id) == logs
    assert await store.claim_jobs("w1", [None], 10) == []  # the job is gone


async def test_labels_merge_with_existing_ones(store: SqlStore) -> None:
    ex, run = await queued_job(store)
    async with store.executor_transaction() as tx:
        loaded = await tx.load(ex.id)
        assert loaded is not None
        loaded.execution.labels = {"env": "prod", "team": "old"}
        await tx.save(loaded.execution, [])
    (job,) = await store.claim_jobs("w1", [None], 10)

    log = LogEntry(ex.id, "INFO", "labelled", datetime.now(UTC), task_run_id=run.id, attempt=1)
    await store.finish_job(job, JobResult(State.SUCCESS, ended_attempt(job), {"o": 1}, labels={"team": "data", "x": "y"}), [log])

    found = await store.get_execution(ex.id)
    assert found is not None and found.execution.labels == {"env": "prod", "team": "data", "x": "y"}
    assert (found.task_runs[0].state, found.task_runs[0].outputs) == (State.SUCCESS, {"o": 1})
    assert await store.get_logs(ex.id) == [log]
    assert await _executor_wakes_for(store) == [ex.id]


async def test_a_late_finish_from_a_superseded_worker_is_rejected(store: SqlStore) -> None:
    ex, _ = await queued_job(store)
    await store.register_worker("w1", None, "host")
    (stale,) = await store.claim_jobs("w1", [None], 10)
    assert await store.requeue_lost_jobs(60, all_workers=True) == 1
    (current,) = await store.claim_jobs("w2", [None], 10)
    await _executor_wakes_for(store)
    assert current.attempt == 2

    late = JobResult(State.FAILED, ended_attempt(stale, State.FAILED), {"late": True})
    log = LogEntry(ex.id, "ERROR", "late", datetime.now(UTC))
    assert await store.finish_job(stale, late, [log]) is False
    late.labels = {"late": "yes"}
    assert await store.finish_job(stale, late, [log]) is False
    late.state = State.RETRYING
    assert await store.finish_job(stale, late, [log]) is False

    found = await store.get_execution(ex.id)
    assert found is not None and "late" not in found.execution.labels
    (still_running,) = found.task_runs
    assert still_running.state is State.RUNNING and len(still_running.attempts) == 2
    assert still_running.outputs is None
    assert await store.get_logs(ex.id) == []
    assert await _executor_wakes_for(store) == []  # nothing was queued either
    assert await store.finish_job(current, JobResult(State.SUCCESS, ended_attempt(current))) is True
    assert await store.finish_job(current, JobResult(State.SUCCESS, ended_attempt(current))) is False


async def test_a_retry_queues_the_next_attempt(store: SqlStore) -> None:
    ex, _ = await queued_job(store)
    (job,) = await store.claim_jobs("w1", [None], 10)
    retry_at = datetime.now(UTC) + timedelta(seconds=30)

    await store.finish_job(job, JobResult(State.RETRYING, ended_attempt(job, State.FAILED), retry_at=retry_at))

    found = await store.get_execution(ex.id)
    assert found is not None and found.task_runs[0].state is State.RETRYING
    assert await store.claim_jobs("w1", [None], 10) == []
    assert await store.next_job_due() == retry_at
    store.clock = lambda: retry_at
    (second,) = await store.claim_jobs("w2", [None], 10)
    assert (second.attempt, second.payload) == (2, job.payload)
    found = await store.get_execution(ex.id)
    assert found is not None
    assert [(a.number, a.state) for a in found.task_runs[0].attempts] == [(1, State.FAILED), (2, State.RUNNING)]


async def test_jobs_of_a_silent_worker_go_to_another_with_a_new_attempt(store: SqlStore) -> None:
    ex, _ = await queued_job(store)
    await store.register_worker("lost", None, "host-a")
    (stale,) = await store.claim_jobs("lost", [None], 10)

    store.clock = later(120)
    await store.register_worker("alive", None, "host-b")
    assert await store.requeue_lost_jobs(60) == 1
    assert await store.heartbeat("lost") is False  # it learns it was declared dead
    assert await store.heartbeat("alive") is True
    assert await store.requeue_lost_jobs(60) == 0

    (job,) = await store.claim_jobs("alive", [None], 10)
    assert job.attempt == 2
    found = await store.get_execution(ex.id)
    assert found is not None
    first, second = found.task_runs[0].attempts
    assert (first.state, first.error) == (State.FAILED, "worker lost; attempt resubmitted")
    assert (second.number, second.state, second.worker_id) == (2, State.RUNNING, "alive")
    assert await store.finish_job(stale, JobResult(State.SUCCESS, ended_attempt(stale))) is False


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_the_raw_claim_hands_out_what_the_general_claim_hands_out(store: SqlStore) -> None:
    """PostgreSQL's claim and next-due query run through asyncpg directly, compiled once: the
    jobs they hand out (payload decoded, dates aware in UTC, groups matched) equal those of
    the general path, which goes through SQLAlchemy's type processing."""
    due = datetime.now(UTC) - timedelta(seconds=5)
    payload = {"task": "t", "nested": {"list": [1, "two", None, True], "unicode": "héllo ✓"}}
    created = []
    for _ in range(2):  # oldest first: each path claims one job of each group
        for group in ("gpu", None):
            ex = (await queued_job(store, worker_group=group, not_before=due))[0]
            created.append(ex.id)
            await store._db.write(
                lambda tx, ex=ex: tx.conn.execute(jobs._j.update().where(jobs._j.c.execution_id == ex.id).values(payload=payload))
            )
    now = datetime.now(UTC)
    general = await store._db.write(partial(jobs.claim_jobs, worker_id="w", groups=["cpu", "gpu", None], limit=2, now=now))
    raw = await store.claim_jobs("w", ["cpu", "gpu", None], 2)
    assert [job.execution_id for job in general + raw] == created
    assert [job.worker_group for job in general] == [job.worker_group for job in raw] == ["gpu", None]
    for claimed in (general, raw):
        for job in claimed:
            assert job.payload == payload and type(job.payload) is dict
            assert job.not_before == due and job.not_before.tzinfo is not None and job.not_before.utcoffset() == timedelta(0)
            assert (job.attempt, job.worker_id, job.kill_requested) == (1, "w", False)
    assert await store.claim_jobs("w", ["cpu"], 10) == []  # no job of that group

    assert await store.next_job_due() is None
    await queued_job(store, not_before=now + timedelta(minutes=3))
    assert await store.next_job_due() == now + timedelta(minutes=3)


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_the_one_statement_claim_writes_what_the_general_claim_writes(store: SqlStore) -> None:
    """PostgreSQL claims in one statement, changing the task run in SQL; the general path
    (SQLite's) changes it in Python. Both, on twins with a lost attempt, give equal runs."""
    twins = [(await queued_job(store))[0] for _ in range(2)]
    first_claim = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    store.clock = lambda: first_claim
    assert len(await store.claim_jobs("lost", [None], 10)) == 2
    store.clock = lambda: first_claim + timedelta(minutes=5)
    assert await store.requeue_lost_jobs(60) == 2  # "lost" never registered: both handed back

    second_claim = first_claim + timedelta(minutes=6)
    general = await store._db.write(partial(jobs.claim_jobs, worker_id="alive", groups=[None], limit=1, now=second_claim))
    store.clock = lambda: second_claim
    one_statement = await store.claim_jobs("alive", [None], 1)

    assert [job.execution_id for job in general + one_statement] == [ex.id for ex in twins]
    assert [job.attempt for job in general + one_statement] == [2, 2]
    runs = []
    for ex in twins:
        found = await store.get_execution(ex.id)
        assert found is not None
        (run,) = found.task_runs
        runs.append(run)
    assert [a.to_json() for a in runs[0].attempts] == [a.to_json() for a in runs[1].attempts]
    # the histories from the first claim on (each twin was CREATED at its own time)
    assert (runs[0].state, runs[0].history[1:], runs[0].outputs) == (runs[1].state, runs[1].history[1:], runs[1].outputs)
    lost, new = runs[1].attempts
    assert (lost.state, lost.error, [h.state for h in lost.history]) == (
        State.FAILED,
        jobs.LOST_ATTEMPT_ERROR,
        [State.RUNNING, State.FAILED],
    )
    assert (new.number, new.state, new.worker_id, new.history[0].date) == (2, State.RUNNING, "alive", second_claim)
    assert [h.state for h in runs[1].history] == [State.CREATED, State.RUNNING, State.RUNNING]


async def test_live_workers_keep_their_jobs_unless_all_are_handed_back(store: SqlStore) -> None:
    await queued_job(store)
    await store.register_worker("w1", None, "host")
    await store.claim_jobs("w1", [None], 10)

    assert await store.requeue_lost_jobs(60) == 0
    assert await store.requeue_lost_jobs(60, all_workers=True) == 1  # a local restart
    assert len(await store.claim_jobs("w1", [None], 10)) == 1


async def test_an_unregistered_worker_hands_its_jobs_back(store: SqlStore) -> None:
    await queued_job(store)
    await store.register_worker("w1", "g", "host")
    await store.claim_jobs("w1", [None], 10)

    await store.unregister_worker("w1")

    assert await store.heartbeat("w1") is False
    assert [j.attempt for j in await store.claim_jobs("w2", [None], 10)] == [2]


async def test_a_worker_registering_again_is_alive_again(store: SqlStore) -> None:
    await store.register_worker("w1", None, "host")
    store.clock = later(120)
    await store.requeue_lost_jobs(60)
    assert await store.heartbeat("w1") is False
    await store.register_worker("w1", None, "host")
    assert await store.heartbeat("w1") is True


async def test_a_batch_of_finishes_is_fenced_item_by_item(store: SqlStore) -> None:
    done_ex, _ = await queued_job(store)
    retry_ex, _ = await queued_job(store)
    stale_ex, _ = await queued_job(store)
    await store.register_worker("w1", None, "host")
    first = {job.execution_id: job for job in await store.claim_jobs("w1", [None], 10)}
    await store.requeue_lost_jobs(60, all_workers=True)  # every job goes to a second attempt
    second = {job.execution_id: job for job in await store.claim_jobs("w2", [None], 10)}
    await _executor_wakes_for(store)
    done, retry, stale = second[done_ex.id], second[retry_ex.id], first[stale_ex.id]
    now = datetime.now(UTC)
    log = LogEntry(done_ex.id, "INFO", "done", now, done_ex.namespace, done_ex.flow_id, "t1", done.task_run_id, 2)
    late = LogEntry(stale_ex.id, "INFO", "late", now, stale_ex.namespace, stale_ex.flow_id, "t1", stale.task_run_id, 1)
    retry_at = now + timedelta(seconds=30)

    accepted = await store.finish_jobs(
        [
            FinishedAttempt(done, JobResult(State.SUCCESS, ended_attempt(done), {"n": 1}), [log]),
            FinishedAttempt(stale, JobResult(State.SUCCESS, ended_attempt(stale), {"late": True}), [late]),
            FinishedAttempt(retry, JobResult(State.RETRYING, ended_attempt(retry, State.FAILED), retry_at=retry_at)),
        ]
    )

    assert accepted == [True, False, True]
    found_done = await store.get_execution(done_ex.id)
    assert found_done is not None
    assert (found_done.task_runs[0].state, found_done.task_runs[0].outputs) == (State.SUCCESS, {"n": 1})
    assert [a.number for a in found_done.task_runs[0].attempts] == [1, 2]
    assert await store.get_logs(done_ex.id) == [log]
    found_stale = await store.get_execution(stale_ex.id)
    assert found_stale is not None
    assert found_stale.task_runs[0].state is State.RUNNING and found_stale.task_runs[0].outputs is None
    assert await store.get_logs(stale_ex.id) == []
    assert await store.next_job_due() == retry_at
    assert sorted(await _executor_wakes_for(store)) == sorted([done_ex.id, retry_ex.id])
