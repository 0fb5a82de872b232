"""Flows: revisions, deletion, listing by namespace."""

from __future__ import annotations

from lanner.storage.sql import SqlStore


async def test_a_revision_is_added_only_when_the_source_changes(store: SqlStore) -> None:
    first = await store.save_flow("company.team", "hello", "id: hello\n")
    again = await store.save_flow("company.team", "hello", "id: hello\n")
    changed = await store.save_flow("company.team", "hello", "id: hello\n# v2\n")

    assert (first.revision, again.revision, changed.revision) == (1, 1, 2)
    assert first.updated is not None and first.updated.tzinfo is not None
    latest = await store.get_flow("company.team", "hello")
    assert latest is not None and (latest.revision, latest.source) == (2, "id: hello\n# v2\n")
    old = await store.get_flow("company.team", "hello", revision=1)
    assert old is not None and old.source == "id: hello\n"
    assert [f.revision for f in await store.flow_revisions("company.team", "hello")] == [1, 2]


async def test_unknown_flow_or_revision_is_none(store: SqlStore) -> None:
    await store.save_flow("ns", "f", "a")
    assert await store.get_flow("ns", "missing") is None
    assert await store.get_flow("ns", "f", revision=7) is None
    assert await store.flow_revisions("ns", "missing") == []


async def test_deleted_flow_disappears_and_saving_it_again_adds_a_revision(store: SqlStore) -> None:
    await store.save_flow("ns", "f", "a")
    await store.save_flow("ns", "f", "b")

    assert await store.delete_flow("ns", "f") is True
    assert await store.delete_flow("ns", "f") is False
    assert await store.delete_flow("ns", "missing") is False
    assert await store.get_flow("ns", "f") is None
    assert await store.list_flows() == []
    kept = await store.get_flow("ns", "f", revision=2)  # running executions still read their revision
    assert kept is not None and kept.deleted

    again = await store.save_flow("ns", "f", "b")
    assert (again.revision, again.deleted) == (3, False)
    current = await store.get_flow("ns", "f")
    assert current is not None and current.revision == 3


async def test_list_flows_gives_latest_revisions_under_a_namespace(store: SqlStore) -> None:
    await store.save_flow("company", "a", "1")
    await store.save_flow("company", "a", "2")
    await store.save_flow("company.team", "b", "1")
    await store.save_flow("companyx", "c", "1")
    await store.save_flow("a_b", "d", "1")
    await store.save_flow("axb", "e", "1")
    await store.save_flow("company.team", "gone", "1")
    await store.delete_flow("company.team", "gone")

    listed = await store.list_flows("company")
    assert [(f.namespace, f.id, f.revision) for f in listed] == [("company", "a", 2), ("company.team", "b", 1)]
    assert [f.id for f in await store.list_flows("a_b")] == ["d"]  # "_" is not a wildcard
    assert {f.id for f in await store.list_flows()} == {"a", "b", "c", "d", "e"}


async def test_flow_heads_name_the_latest_revisions_and_which_mention_triggers(store: SqlStore) -> None:
    await store.save_flow("ns", "plain", "id: plain\n")
    await store.save_flow("ns", "scheduled", "id: scheduled\n")
    await store.save_flow("ns", "scheduled", "id: scheduled\ntriggers: []\n")
    await store.save_flow("ns", "gone", "id: gone\ntriggers: []\n")
    await store.delete_flow("ns", "gone")

    heads = {(h.namespace, h.id): (h.revision, h.mentions_triggers) for h in await store.flow_heads()}

    assert heads == {("ns", "plain"): (1, False), ("ns", "scheduled"): (2, True)}


async def test_the_flows_version_moves_with_every_change_by_any_store(store: SqlStore, open_store) -> None:  # type: ignore[no-untyped-def]
    other = await open_store()  # another process
    seen = [await store.flows_version()]

    async def moved() -> bool:
        seen.append(await store.flows_version())
        return seen[-1] != seen[-2]

    await other.save_flow("ns", "f", "a")
    assert await moved()
    await other.save_flow("ns", "f", "a")  # the same source: nothing stored
    assert not await moved()
    await other.save_flow("ns", "f", "b")
    assert await moved()
    await other.delete_flow("ns", "f")
    assert await moved()
    await other.save_flows([("ns", "g", "x")])
    assert await moved()
    await other.save_flows([("ns", "h", "y")], prune="ns")  # g pruned
    assert await moved()
    assert [head.id for head in await store.flow_heads()] == ["h"]
