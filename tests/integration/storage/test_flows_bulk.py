"""Several flows saved in one transaction (namespace replacement, imports) and monitoring counts."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.errors import ConflictError
from lanner.models.state import State
from lanner.storage.sql import SqlStore

from .factories import execution, queued_job


async def test_save_flows_creates_updates_and_keeps_unchanged_revisions(store: SqlStore) -> None:
    await store.save_flow("ns", "a", "a1")
    await store.save_flow("ns", "b", "b1")

    changes = await store.save_flows([("ns", "a", "a2"), ("ns", "b", "b1"), ("ns", "c", "c1")])

    assert [(f.id, f.revision, f.source) for f in changes.saved] == [("a", 2, "a2"), ("b", 1, "b1"), ("c", 1, "c1")]
    assert changes.deleted == []
    assert [f.source for f in await store.flow_revisions("ns", "a")] == ["a1", "a2"]


async def test_prune_deletes_the_other_flows_of_exactly_that_namespace(store: SqlStore) -> None:
    await store.save_flow("ns", "keep", "k1")
    await store.save_flow("ns", "gone", "g1")
    await store.save_flow("ns.child", "below", "x")
    await store.save_flow("other", "elsewhere", "y")

    changes = await store.save_flows([("ns", "keep", "k2")], prune="ns")

    assert [(f.namespace, f.id, f.deleted) for f in changes.deleted] == [("ns", "gone", True)]
    assert {(f.namespace, f.id) for f in await store.list_flows()} == {
        ("ns", "keep"),
        ("ns.child", "below"),
        ("other", "elsewhere"),
    }
    kept = await store.get_flow("ns", "gone", revision=1)
    assert kept is not None and kept.source == "g1" and kept.deleted


async def test_prune_with_empty_namespace_deletes_every_other_flow(store: SqlStore) -> None:
    await store.save_flow("a", "one", "1")
    await store.save_flow("b", "two", "2")

    changes = await store.save_flows([("a", "one", "1")], prune="")

    assert [(f.namespace, f.id) for f in changes.deleted] == [("b", "two")]
    assert [(f.namespace, f.id) for f in await store.list_flows()] == [("a", "one")]


async def test_save_flows_is_all_or_nothing(store: SqlStore) -> None:
    await store.save_flow("ns", "a", "a1")
    await store.save_flow("ns", "b", "b1")
    broken: Any = None  # a NOT NULL column: the database refuses the second flow

    with pytest.raises(ConflictError):
        await store.save_flows([("ns", "a", "a2"), ("ns", "new", broken)], prune="ns")

    assert [(f.id, f.revision, f.source) for f in await store.list_flows("ns")] == [("a", 1, "a1"), ("b", 1, "b1")]


async def test_stats_count_executions_queues_and_live_workers(store: SqlStore) -> None:
    await queued_job(store)  # claims every message queued so far
    await queued_job(store)
    await store.create_execution(execution(state=State.CREATED))
    await store.create_execution(execution(state=State.SUCCESS))
    await store.create_execution(execution(state=State.SUCCESS))
    await store.register_worker("w1", None, "host")
    assert len(await store.claim_jobs("w1", [None], 1)) == 1

    stats = await store.stats(alive_within=60)

    assert stats.executions == {"CREATED": 1, "SUCCESS": 2, "RUNNING": 2}
    assert stats.executor_messages == 3  # one per execution created after the last claim
    assert (stats.jobs_waiting, stats.jobs_running, stats.live_workers) == (1, 1, 1)
    assert (await store.stats(alive_within=-3600)).live_workers == 0
