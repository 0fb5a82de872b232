"""The polling trigger framework with an example trigger: state kept between polls, lock, interval."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal

from lanner.engine import polling
from lanner.engine.scheduler import Deployed
from lanner.storage.ports import TriggerCommit, TriggerState
from lanner.triggers.polling import PollContext, PollingTrigger

from ..storage.factories import execution
from .conftest import EngineFactory, FakeClock, executions_of

FLOW = """
id: ingest
namespace: company.team
inputs:
  - id: file
    type: STRING
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.file }}"
"""


class FileArrival(PollingTrigger):
    """Example: start one execution per new file name in ``files`` (an outside system)."""

    type: Literal["tests.FileArrival"]
    files: list[str]

    async def poll(self, ctx: PollContext) -> Sequence[dict[str, Any]]:
        seen = set(ctx.state.get("seen", []))
        new = [name for name in self.files if name not in seen]
        ctx.state["seen"] = sorted(seen | set(new))
        return [{"file": name} for name in new]


async def test_polls_keep_their_state_and_respect_interval_and_lock(new_engine: EngineFactory, clock: FakeClock) -> None:
    engine = await new_engine()
    await engine.deploy(FLOW)
    index = await engine.flows.get("company.team", "ingest")
    trigger = FileArrival(
        id="files",
        type="tests.FileArrival",
        files=["a.csv", "b.csv"],
        interval=timedelta(minutes=1),
        inputs={"file": "{{ trigger.file }}"},
    )
    item = Deployed(index, trigger)
    await engine.store.add_trigger_states([TriggerState(*item.key, type="tests.FileArrival", next_date=clock())])

    async def poll() -> int:
        state = await engine.store.get_trigger_state(*item.key)
        assert state is not None
        return await polling.poll_if_due(engine.scheduler, item, state, clock())

    assert await poll() == 2
    assert await poll() == 0  # not due before the interval
    trigger.files.append("c.csv")
    clock.advance(minutes=1)
    assert await poll() == 1  # a.csv and b.csv were remembered
    inputs = sorted(ex["inputs"]["file"] for ex in await executions_of(engine.store, "company.team", "ingest"))  # type: ignore[index]
    assert inputs == ["a.csv", "b.csv", "c.csv"]

    state = await engine.store.get_trigger_state(*item.key)
    assert state is not None and state.data["poll"] == {"seen": ["a.csv", "b.csv", "c.csv"]} and state.locked_by is None
    state.locked_by, state.locked_until = "another-scheduler", clock() + timedelta(minutes=5)
    assert await engine.store.commit_triggers(TriggerCommit([state]))
    trigger.files.append("d.csv")
    clock.advance(minutes=1)
    assert await poll() == 0  # locked by a scheduler polling it
    clock.advance(minutes=5)
    assert await poll() == 1  # the lock of a dead scheduler expires


async def test_a_stale_version_writes_nothing(new_engine: EngineFactory, clock: FakeClock) -> None:
    engine = await new_engine()
    await engine.store.add_trigger_states([TriggerState("ns", "f", "t", type="x")])
    first = await engine.store.get_trigger_state("ns", "f", "t")
    second = await engine.store.get_trigger_state("ns", "f", "t")
    assert first is not None and second is not None
    first.data["who"] = "first"
    assert await engine.store.commit_triggers(TriggerCommit([first]))
    second.data["who"] = "second"
    assert not await engine.store.commit_triggers(TriggerCommit([second]))
    stored = await engine.store.get_trigger_state("ns", "f", "t")
    assert stored is not None and stored.data == {"who": "first"} and stored.version == 1


async def test_a_stale_version_creates_no_execution(new_engine: EngineFactory, clock: FakeClock) -> None:
    """Executions committed with a trigger state exist only if its fence held (on PostgreSQL
    this commit is a single statement: the inserts are conditional on the fenced update)."""
    engine = await new_engine()
    await engine.store.add_trigger_states([TriggerState("ns", "f", "t", type="x")])
    first = await engine.store.get_trigger_state("ns", "f", "t")
    second = await engine.store.get_trigger_state("ns", "f", "t")
    assert first is not None and second is not None
    won, lost = execution("ns", "f"), execution("ns", "f")
    assert await engine.store.commit_triggers(TriggerCommit([first], [won]))
    assert first.version == 1
    assert not await engine.store.commit_triggers(TriggerCommit([second], [lost]))
    assert await engine.store.execution_state(won.id) is not None
    assert await engine.store.execution_state(lost.id) is None
    alone = execution("ns", "f")
    assert await engine.store.commit_triggers(TriggerCommit([], [alone]))
    assert await engine.store.execution_state(alone.id) is not None
