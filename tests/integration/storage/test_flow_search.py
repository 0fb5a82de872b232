"""Flow search, namespaces and latest executions, answered by the database."""

from __future__ import annotations

from datetime import timedelta

from lanner.models.state import State
from lanner.storage.ports import FlowSearch
from lanner.storage.sql import SqlStore

from .factories import T0, execution


async def _catalogue(store: SqlStore) -> None:
    await store.save_flow("company", "alpha", "1")
    await store.save_flow("company", "alpha", "2")
    await store.save_flow("company.team", "Beta", "1")
    await store.save_flow("company.team", "gamma_x", "1")
    await store.save_flow("companyx", "delta", "1")
    await store.save_flow("a_b", "eps", "1")
    await store.save_flow("company.team", "gone", "1")
    await store.delete_flow("company.team", "gone")


async def _ids(store: SqlStore, **search: object) -> list[str]:
    return [flow.id for flow in (await store.search_flows(FlowSearch(**search))).results]  # type: ignore[arg-type]


async def test_conditions_select_the_latest_live_revisions(store: SqlStore) -> None:
    await _catalogue(store)

    everything = (await store.search_flows(FlowSearch())).results
    assert [(f.namespace, f.id, f.revision) for f in everything] == [
        ("a_b", "eps", 1),
        ("company", "alpha", 2),
        ("company.team", "Beta", 1),
        ("company.team", "gamma_x", 1),
        ("companyx", "delta", 1),
    ]
    assert everything[1].source == "2"
    assert await _ids(store, namespace=[("PREFIX", "company")]) == ["alpha", "Beta", "gamma_x"]
    assert await _ids(store, namespace=[("PREFIX", "a_b")]) == ["eps"]  # "_" is not a wildcard
    assert await _ids(store, namespace=[("EQUALS", "company")]) == ["alpha"]
    assert await _ids(store, namespace=[("NOT_EQUALS", "company.team")]) == ["eps", "alpha", "delta"]
    assert await _ids(store, namespace=[("STARTS_WITH", "COMPANY")]) == []  # case matters
    assert await _ids(store, namespace=[("ENDS_WITH", "team")]) == ["Beta", "gamma_x"]
    assert await _ids(store, flow_id=[("CONTAINS", "BET")]) == ["Beta"]
    assert await _ids(store, flow_id=[("ENDS_WITH", "_x")]) == ["gamma_x"]
    assert await _ids(store, flow_id=[("ENDS_WITH", "longer_than_any_id")]) == []
    assert await _ids(store, text="TEAM.BE") == ["Beta"]  # text in namespace.id, any case
    assert await _ids(store, text="a_") == ["eps", "gamma_x"]
    assert await _ids(store, text="%") == []
    assert await _ids(store, text="pha", namespace=[("PREFIX", "company")], flow_id=[("STARTS_WITH", "al")]) == ["alpha"]


async def test_pages_are_sorted_and_counted(store: SqlStore) -> None:
    await _catalogue(store)

    first = await store.search_flows(FlowSearch(size=2))
    third = await store.search_flows(FlowSearch(page=3, size=2))
    beyond = await store.search_flows(FlowSearch(page=9, size=2))
    assert ([f.id for f in first.results], first.total) == (["eps", "alpha"], 5)
    assert ([f.id for f in third.results], third.total) == (["delta"], 5)
    assert (beyond.results, beyond.total) == ([], 5)
    assert await _ids(store, sort=[("revision", True)], size=1) == ["alpha"]
    assert await _ids(store, sort=[("id", True)]) == ["gamma_x", "eps", "delta", "alpha", "Beta"]
    assert await _ids(store, sort=[("namespace", True)]) == ["delta", "Beta", "gamma_x", "alpha", "eps"]
    await store.save_flow("a_b", "eps", "2")  # now the most recently updated
    assert (await _ids(store, sort=[("updated", True)]))[0] == "eps"


async def test_namespaces_of_live_flows(store: SqlStore) -> None:
    assert await store.flow_namespaces() == []
    await _catalogue(store)
    await store.save_flow("only.deleted", "f", "1")
    await store.delete_flow("only.deleted", "f")
    assert await store.flow_namespaces() == ["a_b", "company", "company.team", "companyx"]


async def test_latest_execution_of_each_flow(store: SqlStore) -> None:
    old = execution(namespace="ns", flow_id="a", state=State.FAILED, created=T0)
    new = execution(namespace="ns", flow_id="a", state=State.SUCCESS, created=T0 + timedelta(minutes=1))
    other = execution(namespace="ns", flow_id="b", state=State.RUNNING, created=T0)
    elsewhere = execution(namespace="other", flow_id="a", state=State.KILLED, created=T0 + timedelta(hours=1))
    for ex in (old, new, other, elsewhere):
        await store.create_execution(ex)

    found = await store.latest_executions([("ns", "a"), ("ns", "b"), ("ns", "never"), ("ns", "a")])
    assert [(f.namespace, f.flow_id, f.id, f.state) for f in found] == [
        ("ns", "a", new.id, State.SUCCESS),
        ("ns", "b", other.id, State.RUNNING),
    ]
    assert found[0].created == new.created
    assert await store.latest_executions([]) == []
