"""The scheduler reads each flow revision once: a pass over many flows parses none again, and a
new revision or a deleted flow shows at the next pass."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.engine.flow_index import FlowIndex
from lanner.errors import StorageUnavailable

from .conftest import EngineFactory

SCHEDULED = """id: scheduled
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: tick
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "{cron}"
"""


def plain(index: int, triggers: str = "triggers: []\n") -> tuple[str, str, str]:
    log = "  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    return "company.many", f"f{index}", f"id: f{index}\nnamespace: company.many\ntasks:\n{log}{triggers}"


async def test_each_revision_is_read_once_across_passes(new_engine: EngineFactory) -> None:
    engine = await new_engine()
    # more flows than the flow cache holds: before, every pass parsed them all again
    await engine.store.save_flows([plain(i) for i in range(700)])
    # a flow without the word `triggers` declares none: it is not even parsed
    await engine.store.save_flows([plain(i, triggers="") for i in range(700, 710)])
    await engine.deploy(SCHEDULED.format(cron="@hourly"))
    reads: list[tuple[str, str, int | None]] = []
    cache_get = engine.scheduler.flows.get

    async def counted(namespace: str, flow_id: str, revision: int | None = None) -> FlowIndex:
        reads.append((namespace, flow_id, revision))
        return await cache_get(namespace, flow_id, revision)

    engine.scheduler.flows.get = counted  # type: ignore[method-assign]
    first = await engine.scheduler.deployed()
    assert len(reads) == 701
    assert list(first) == [("company.team", "scheduled", "tick")]

    reads.clear()
    assert await engine.scheduler.deployed() == first
    assert reads == []

    # a new revision is read at the next pass, and only it
    await engine.deploy(SCHEDULED.format(cron="@daily"))
    changed: dict[Any, Any] = await engine.scheduler.deployed()
    assert reads == [("company.team", "scheduled", 2)]
    assert changed[("company.team", "scheduled", "tick")].trigger.cron == "@daily"

    # a deleted flow's triggers go
    assert await engine.store.delete_flow("company.team", "scheduled")
    assert await engine.scheduler.deployed() == {}


async def test_flows_are_read_again_only_after_a_change_by_any_process(new_engine: EngineFactory) -> None:
    engine, other = await new_engine(), await new_engine()  # two processes on one database
    await engine.deploy(SCHEDULED.format(cron="@hourly"))
    first = await engine.scheduler.deployed()
    reads = 0
    flow_heads = engine.store.flow_heads

    async def counted() -> Any:
        nonlocal reads
        reads += 1
        return await flow_heads()

    engine.store.flow_heads = counted  # type: ignore[method-assign]
    for _ in range(3):  # passes come every second and after every ended execution
        assert await engine.scheduler.deployed() == first
    assert reads == 0

    await other.deploy(SCHEDULED.format(cron="@daily"))
    changed: dict[Any, Any] = await engine.scheduler.deployed()
    assert reads == 1
    assert changed[("company.team", "scheduled", "tick")].trigger.cron == "@daily"

    assert await other.store.delete_flow("company.team", "scheduled")
    assert await engine.scheduler.deployed() == {}


async def test_a_flow_unreadable_for_a_moment_is_read_again_at_the_next_pass(new_engine: EngineFactory) -> None:
    engine = await new_engine()
    await engine.deploy(SCHEDULED.format(cron="@hourly"))
    await engine.scheduler.deployed()
    await engine.deploy(SCHEDULED.format(cron="@daily"))
    cache_get = engine.scheduler.flows.get

    async def unavailable(namespace: str, flow_id: str, revision: int | None = None) -> FlowIndex:
        raise StorageUnavailable("postgresql cannot be reached: gone for a moment")

    engine.scheduler.flows.get = unavailable  # type: ignore[method-assign]
    with pytest.raises(StorageUnavailable):  # the pass fails: no trigger is taken for gone
        await engine.scheduler.deployed()
    engine.scheduler.flows.get = cache_get  # type: ignore[method-assign]
    again: dict[Any, Any] = await engine.scheduler.deployed()
    assert again[("company.team", "scheduled", "tick")].trigger.cron == "@daily"
