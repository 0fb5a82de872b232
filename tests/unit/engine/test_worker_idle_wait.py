"""How long an idle worker waits for a signal: the next retry's due time, at most ``idle_poll``,
asking the store for it only when a claim found nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from lanner.engine.worker import Worker
from lanner.models.execution import Attempt
from lanner.models.state import State
from lanner.storage.ports import JobResult, WorkerJob

NOW = datetime(2030, 1, 1, tzinfo=UTC)


class _Store:
    """What the worker asks for here: when the next delayed job is due."""

    def __init__(self, due: datetime | None) -> None:
        self.due = due
        self.asked = 0

    async def next_job_due(self) -> datetime | None:
        self.asked += 1
        return self.due

    async def finish_jobs(self, finished: Any) -> list[bool]:  # the worker's report batcher needs one
        return []


def _worker(store: _Store) -> Worker:
    return Worker(
        cast(Any, store), cast(Any, None), cast(Any, None), cast(Any, None), cast(Any, None),
        lambda: NOW, work_root=Path("/nonexistent"), idle_poll=30.0,
    )  # fmt: skip


async def test_a_worker_that_claimed_something_does_not_ask_when_the_next_job_is_due() -> None:
    store = _Store(NOW + timedelta(seconds=2))
    worker = _worker(store)
    assert await worker._idle_timeout(found_some=True) == 30.0
    assert store.asked == 0


async def test_a_worker_that_found_nothing_waits_until_the_next_delayed_job() -> None:
    store = _Store(NOW + timedelta(seconds=2))
    assert await _worker(store)._idle_timeout(found_some=False) == 2.0
    assert store.asked == 1
    assert await _worker(_Store(None))._idle_timeout(found_some=False) == 30.0


async def test_a_retry_queued_by_the_worker_itself_bounds_its_wait_without_a_query() -> None:
    store = _Store(None)
    worker = _worker(store)
    job = WorkerJob(task_run_id="r1", execution_id="e1", attempt=1, payload={})
    result = JobResult(State.FAILED, Attempt(1, State.FAILED, [], worker.id))
    policy = {"type": "constant", "interval": "PT3S", "maxAttempts": 3}
    worker._apply_retry(result, {"retry": policy}, job, retryable=True, started=NOW)
    assert result.state is State.RETRYING and result.retry_at == NOW + timedelta(seconds=3)

    assert await worker._idle_timeout(found_some=True) == 3.0
    assert store.asked == 0
