"""dbt nodes of run_results.json as dynamic task runs: ids, states, times, outputs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lanner.models.state import State
from lanner.plugins.dbt.artifacts import node_state, node_task_runs, parse_run_results

from .test_dbt_parts import MANIFEST, RUN_RESULTS


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("success", State.SUCCESS),
        ("pass", State.SUCCESS),
        ("no-op", State.SUCCESS),
        ("error", State.FAILED),
        ("fail", State.FAILED),
        ("runtime error", State.FAILED),
        ("skipped", State.SKIPPED),
        ("warn", State.WARNING),
        ("partial success", State.WARNING),
    ],
)
def test_a_node_status_gives_its_task_run_state(status: str, state: State) -> None:
    assert node_state(status) is state


def test_each_node_becomes_one_ended_task_run_named_by_its_unique_id() -> None:
    runs = node_task_runs(parse_run_results(RUN_RESULTS, MANIFEST))

    assert [(r.task_id, r.state) for r in runs] == [
        ("seed.shop.orders", State.SUCCESS),
        ("model.shop.broken", State.FAILED),
        ("test.shop.unique_orders_id.abc123", State.FAILED),
    ]
    seed, broken, test = runs
    # the earliest start and the latest end of its timings (compile, then execute)
    assert seed.start == datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert seed.end == datetime(2024, 1, 1, 0, 0, 2, tzinfo=UTC)
    assert seed.outputs == {
        "uniqueId": "seed.shop.orders",
        "resourceType": "seed",
        "status": "success",
        "executionTime": 0.2,
        "rowsAffected": 3,
        "message": "INSERT 3",
    }
    # no timing (dbt gives none to some nodes): the engine places it at the attempt's end
    assert broken.start is None and broken.end is None
    assert (broken.outputs or {})["message"].startswith("Runtime Error in model broken")
    assert (test.outputs or {})["failures"] == 1 and test.value is None


def test_timings_dbt_could_not_give_are_left_unknown() -> None:
    results = {
        "results": [
            {"unique_id": "model.p.a", "status": "skipped", "timing": [{"name": "execute", "started_at": "garbage"}]},
            {"unique_id": "model.p.b", "status": "success", "timing": [{"started_at": "2024-01-01T00:00:00"}]},  # no zone
            {"status": "success"},  # no unique id: nothing to name it by
        ]
    }
    runs = node_task_runs(parse_run_results(results))

    assert [(r.task_id, r.state, r.start, r.end) for r in runs] == [
        ("model.p.a", State.SKIPPED, None, None),
        ("model.p.b", State.SUCCESS, None, None),
    ]
