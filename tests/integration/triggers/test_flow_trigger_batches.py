"""Trigger events are consumed a batch per commit, each acted upon once even when two
schedulers race for the same batch."""

from __future__ import annotations

from lanner.engine.engine import Engine
from lanner.engine.flow_triggers import handle_event
from lanner.models.state import State
from lanner.storage.ports import TriggerCommit

from .conftest import EngineFactory, executions_of
from .test_flow_triggers import DBT, upstream


async def run_upstreams(engine: Engine, *flow_ids: str) -> None:
    """Run the upstream flows to their end with the executor and worker only (no scheduler)."""
    await engine.start()
    try:
        for flow_id in flow_ids:
            execution = await engine.submit("company.sync", flow_id)
            assert (await engine.wait(execution.id, timeout=30, poll=0.05)).execution.state == State.SUCCESS
    finally:
        await engine.stop()


async def deployed(new_engine: EngineFactory) -> Engine:
    engine = await new_engine()
    for flow_id in ("airbyte_a", "airbyte_b"):
        await engine.deploy(upstream(flow_id))
    await engine.deploy(DBT)
    return engine


async def test_one_pass_consumes_every_event_in_batches(new_engine: EngineFactory) -> None:
    engine = await deployed(new_engine)
    engine.scheduler.options.event_batch = 2
    await run_upstreams(engine, "airbyte_a", "airbyte_a", "airbyte_b", "airbyte_a", "airbyte_b")
    assert len(await engine.store.trigger_events(100)) == 5

    commits: list[TriggerCommit] = []
    commit_triggers = engine.store.commit_triggers

    async def recorded(commit: TriggerCommit) -> bool:
        commits.append(commit)
        return await commit_triggers(commit)

    engine.store.commit_triggers = recorded  # type: ignore[method-assign]
    started = await engine.scheduler.run_once()

    assert await engine.store.trigger_events(100) == []
    assert [len(commit.event_ids) for commit in commits if commit.event_ids] == [2, 2, 1]
    # A, A, B: the precondition is met once within the first batches; A, B: met again
    assert started == 2
    assert len(await executions_of(engine.store, "company.team", "dbt")) == 2


async def test_a_batch_handled_by_another_scheduler_is_not_acted_upon_twice(new_engine: EngineFactory) -> None:
    first = await deployed(new_engine)
    second = await new_engine()  # another process on the same database
    await run_upstreams(first, "airbyte_a", "airbyte_b")

    # the second scheduler reads the events and works out its commit...
    events = await second.store.trigger_events(10)
    assert len(events) == 2
    deployed_triggers = await second.scheduler.deployed()
    await second.scheduler.sync(deployed_triggers, second.clock())
    watchers = list(deployed_triggers.values())
    late = TriggerCommit(event_ids=[event.id for event in events])
    for event in events:
        await handle_event(second.scheduler, event, deployed_triggers, watchers, late)
    assert len(late.executions) == 1

    # ...but the first one commits the same events first
    assert await first.scheduler.run_once() == 1
    assert not await second.scheduler.commit(late)

    assert len(await executions_of(first.store, "company.team", "dbt")) == 1
    assert await first.store.trigger_events(10) == []
    assert await second.scheduler.run_once() == 0


async def test_a_commit_missing_one_event_of_its_batch_writes_nothing(new_engine: EngineFactory) -> None:
    engine = await deployed(new_engine)
    await run_upstreams(engine, "airbyte_a", "airbyte_b")
    events = await engine.store.trigger_events(10)
    assert await engine.store.commit_triggers(TriggerCommit(event_ids=[events[0].id]))

    # the first event is gone: the whole commit, the second event included, is rolled back
    assert not await engine.store.commit_triggers(TriggerCommit(event_ids=[event.id for event in events]))
    assert [event.id for event in await engine.store.trigger_events(10)] == [events[1].id]
