"""Executions counted per hour or day and state, computed in SQL on each backend."""

from __future__ import annotations

from datetime import timedelta

from lanner.models.execution import StateChange
from lanner.models.state import State
from lanner.storage.sql import SqlStore

from .factories import T0, execution


async def test_counts_per_hour_and_day_with_durations(store: SqlStore) -> None:
    ran = execution(state=State.SUCCESS, created=T0 + timedelta(minutes=10))
    ran.history = [StateChange(State.RUNNING, ran.created), StateChange(State.SUCCESS, ran.created + timedelta(seconds=4))]
    slow = execution(state=State.SUCCESS, created=T0 + timedelta(minutes=50))
    slow.history = [StateChange(State.RUNNING, slow.created), StateChange(State.SUCCESS, slow.created + timedelta(seconds=10))]
    failed = execution(state=State.FAILED, created=T0 + timedelta(hours=1, minutes=5))
    running = execution(state=State.RUNNING, created=T0 + timedelta(hours=1, minutes=6))
    other = execution(namespace="other", state=State.FAILED, created=T0 + timedelta(days=1, hours=3))
    outside = execution(state=State.SUCCESS, created=T0 - timedelta(days=3))
    for ex in (ran, slow, failed, running, other, outside):
        await store.create_execution(ex)

    hours = await store.execution_statistics(None, None, T0 - timedelta(hours=1), T0 + timedelta(days=2), "hour")
    found = [(b.start - T0, b.state, b.count) for b in hours]
    assert found == [
        (timedelta(0), State.SUCCESS, 2),
        (timedelta(hours=1), State.FAILED, 1),
        (timedelta(hours=1), State.RUNNING, 1),
        (timedelta(days=1, hours=3), State.FAILED, 1),
    ]
    first = hours[0]
    assert (first.ended, first.duration_min, first.duration_max) == (2, 4.0, 10.0)
    assert first.duration_sum is not None and abs(first.duration_sum - 14.0) < 0.01
    assert hours[2].ended == 0 and hours[2].duration_max is None  # still running

    days = await store.execution_statistics("company", None, T0 - timedelta(days=5), T0 + timedelta(days=2), "day")
    midnight = T0.replace(hour=0)
    assert [(b.start, b.state, b.count) for b in days] == [
        (midnight - timedelta(days=3), State.SUCCESS, 1),
        (midnight, State.FAILED, 1),
        (midnight, State.RUNNING, 1),
        (midnight, State.SUCCESS, 2),
    ]
    assert await store.execution_statistics("company.team", "nope", T0, T0 + timedelta(days=1), "day") == []
