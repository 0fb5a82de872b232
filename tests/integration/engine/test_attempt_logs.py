"""An attempt's log lines all reach storage, even those a periodic flush was writing when the
attempt ended (the flush is allowed to finish, never cancelled midway)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from lanner.models.execution import LogEntry
from lanner.models.state import State

from ..harness import Harness

FLOW = """
id: chatty
namespace: test.engine
tasks:
  - id: talk
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo early line
      - sleep 0.8
      - echo late line
"""


async def test_lines_being_flushed_when_the_attempt_ends_are_kept(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    store = harness.engine.store
    original = store.append_logs
    slow_writes: list[int] = []

    async def slow_append(entries: Sequence[LogEntry]) -> None:
        slow_writes.append(len(entries))
        await asyncio.sleep(1.0)  # still writing when the attempt ends
        await original(entries)

    monkeypatch.setattr(store, "append_logs", slow_append)
    result = await harness.run(FLOW)

    assert result.state == State.SUCCESS
    assert slow_writes, "the periodic flush never ran during the attempt"
    lines = await result.logs("talk")  # stored by the time the execution ended
    assert any("early line" in line for line in lines), lines
    assert any("late line" in line for line in lines), lines
