"""The executor's task-run decode cache answers only with what the database holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from lanner.models.state import State
from lanner.storage.sql.run_cache import Lent, TaskRunCache

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _row(run_id: str, state: State, outputs: dict[str, Any] | None = None) -> SimpleNamespace:
    data = {"attempts": [], "outputs": outputs, "history": [{"state": state.value, "date": NOW.isoformat()}], "meta": {}}
    return SimpleNamespace(
        id=run_id,
        execution_id="e1",
        task_id="t",
        state=state.value,
        parent_id=None,
        value=None,
        iteration=None,
        seq=1,
        data_text=json.dumps(data),
    )


def test_an_unchanged_row_is_not_decoded_again() -> None:
    cache = TaskRunCache()
    lent: Lent = {}
    first = cache.decode(_row("r1", State.CREATED), lent)
    cache.settle(lent, committed=True)
    again = cache.decode(_row("r1", State.CREATED), {})
    assert again is first
    assert again.state is State.CREATED


def test_a_row_changed_in_the_database_is_decoded_anew() -> None:
    cache = TaskRunCache()
    first = cache.decode(_row("r1", State.RUNNING), {})
    changed = cache.decode(_row("r1", State.SUCCESS, {"value": 1}), {})
    assert changed is not first
    assert (changed.state, changed.outputs) == (State.SUCCESS, {"value": 1})


def test_a_run_changed_in_place_but_not_saved_is_dropped() -> None:
    cache = TaskRunCache()
    lent: Lent = {}
    run = cache.decode(_row("r1", State.RUNNING), lent)
    run.set_state(State.FAILED, NOW)  # a failed pass: changed, never saved
    cache.settle(lent, committed=True)
    fresh = cache.decode(_row("r1", State.RUNNING), {})
    assert fresh is not run
    assert fresh.state is State.RUNNING


def test_a_rolled_back_transaction_drops_what_it_lent() -> None:
    cache = TaskRunCache()
    lent: Lent = {}
    run = cache.decode(_row("r1", State.RUNNING), lent)
    cache.settle(lent, committed=False)
    assert cache.decode(_row("r1", State.RUNNING), {}) is not run


def test_a_saved_run_is_forgotten() -> None:
    cache = TaskRunCache()
    run = cache.decode(_row("r1", State.RUNNING), {})
    cache.forget(["r1"])
    assert cache.decode(_row("r1", State.RUNNING), {}) is not run


def test_the_runs_of_an_ended_execution_are_let_go() -> None:
    cache = TaskRunCache()
    kept = cache.decode(_row("r1", State.SUCCESS), {})
    cache.decode(_row("r2", State.SUCCESS), {})
    other = _row("r3", State.RUNNING)
    other.execution_id = "e2"
    cache.decode(other, {})
    assert len(cache) == 3
    cache.forget_execution("e1")
    assert len(cache) == 1
    assert cache.decode(_row("r1", State.SUCCESS), {}) is not kept  # decoded anew if claimed again
    cache.forget_execution("unknown")
    assert len(cache) == 2
