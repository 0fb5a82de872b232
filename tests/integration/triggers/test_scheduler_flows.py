"""The scheduler reads each flow revision once: a pass over many flows parses none again, and a
new revision or a deleted flow shows at the next pass."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from lanner.engine.flow_index import FlowIndex
from lanner.errors import StorageUnavailable

from .conftest import EngineFactory, FakeClock

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
    reads: list[tuple[str, str, int | None]] = []  # revisions parsed (``get`` parses through ``add``)
    cache_add = engine.scheduler.flows.add
    one_by_one = 0
    store_get_flow = engine.store.get_flow

    def counted_add(stored: Any) -> FlowIndex:
        reads.append((stored.namespace, stored.id, stored.revision))
        return cache_add(stored)

    async def get_flow(namespace: str, flow_id: str, revision: int | None = None) -> Any:
        nonlocal one_by_one
        one_by_one += 1
        return await store_get_flow(namespace, flow_id, revision)

    engine.scheduler.flows.add = counted_add  # type: ignore[method-assign]
    engine.store.get_flow = get_flow  # type: ignore[method-assign]
    first = await engine.scheduler.deployed()
    assert len(reads) == len(set(reads)) == 701
    assert one_by_one == 0  # so many new revisions: one read of every flow instead of 701
    assert list(first) == [("company.team", "scheduled", "tick")]

    reads.clear()
    assert await engine.scheduler.deployed() == first
    assert reads == []

    # a new revision is read at the next pass, and only it
    await engine.deploy(SCHEDULED.format(cron="@daily"))
    changed: dict[Any, Any] = await engine.scheduler.deployed()
    assert reads == [("company.team", "scheduled", 2)]
    assert one_by_one == 1  # a few new revisions: read one by one
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


WATCHER = """id: watcher
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: after
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: company.team
        flowId: scheduled
"""


async def test_passes_read_every_trigger_state_only_after_a_flow_change(new_engine: EngineFactory, clock: FakeClock) -> None:
    engine, other = await new_engine(), await new_engine()
    await engine.deploy(SCHEDULED.format(cron="@hourly"))  # next tick 01:00
    await engine.store.save_flows([plain(i, triggers=_daily(i)) for i in range(50)])  # next ticks tomorrow
    await engine.deploy(WATCHER)  # a Flow trigger: never due by date
    full_reads: list[int] = []
    due_reads: list[list[str]] = []
    trigger_states, due_trigger_states = engine.store.trigger_states, engine.store.due_trigger_states

    async def every_state(namespace: str | None = None, flow_id: str | None = None) -> Any:
        found = await trigger_states(namespace, flow_id)
        full_reads.append(len(found))
        return found

    async def due_states(now: Any, types: Any) -> Any:
        found = await due_trigger_states(now, types)
        due_reads.append([state.flow_id for state in found])
        return found

    engine.store.trigger_states = every_state  # type: ignore[method-assign]
    engine.store.due_trigger_states = due_states  # type: ignore[method-assign]
    await engine.scheduler.run_once()  # first pass: stores the 52 states, reads them all
    assert full_reads and full_reads[-1] == 52
    full_reads.clear()
    assert await engine.scheduler.run_once() == 0
    assert (full_reads, due_reads) == ([], [[]])  # nothing due, nothing read

    clock.set(datetime(2024, 1, 1, 1, 0, 1, tzinfo=UTC))
    assert await engine.scheduler.run_once() == 1  # the hourly tick fired from the due states alone
    assert due_reads[-1] == ["scheduled"]
    assert full_reads == []

    await other.deploy(SCHEDULED.format(cron="@daily"))  # another process changed a flow
    await engine.scheduler.run_once()
    assert full_reads == [52]  # read them all again: the changed schedule's next date is recomputed
    state = await engine.store.get_trigger_state("company.team", "scheduled", "tick")
    assert state is not None and state.next_date == datetime(2024, 1, 2, tzinfo=UTC)


def _daily(index: int) -> str:
    return f"triggers:\n  - id: t\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: '{index % 60} 3 * * *'\n"


async def test_concurrent_reads_of_the_flows_parse_each_revision_once(new_engine: EngineFactory) -> None:
    """The loop's pass and the API's trigger list may ask at once: one reads, the other waits."""
    engine = await new_engine()
    await engine.store.save_flows([plain(i, triggers=_daily(i)) for i in range(120)])
    parsed: list[tuple[str, str, int]] = []
    cache_add = engine.scheduler.flows.add

    def counted_add(stored: Any) -> FlowIndex:
        parsed.append((stored.namespace, stored.id, stored.revision))
        return cache_add(stored)

    engine.scheduler.flows.add = counted_add  # type: ignore[method-assign]
    first, second = await asyncio.gather(engine.scheduler.deployed(), engine.scheduler.deployed())
    assert first == second and len(first) == 120
    assert len(parsed) == 120  # not 240
