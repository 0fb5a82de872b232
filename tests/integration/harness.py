"""Helpers to run flows on an engine in tests and read what happened."""

from __future__ import annotations

import asyncio
from typing import Any

from lanner.engine.engine import Engine
from lanner.models.execution import Execution, TaskRun
from lanner.models.state import State
from lanner.storage.ports import ClaimedExecution


class Harness:
    """Deploys flows, runs them and reads the results, for tests."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def run(self, source: str, inputs: dict[str, Any] | None = None, timeout: float = 60, **kwargs: Any) -> Result:
        stored = await self.engine.deploy(source)
        execution = await self.engine.submit(stored.namespace, stored.id, inputs, **kwargs)
        return Result(await self.engine.wait(execution.id, timeout=timeout, poll=0.05), self)

    async def start(self, source: str, inputs: dict[str, Any] | None = None) -> Execution:
        stored = await self.engine.deploy(source)
        return await self.engine.submit(stored.namespace, stored.id, inputs)

    async def wait(self, execution_id: str, timeout: float = 60) -> Result:
        return Result(await self.engine.wait(execution_id, timeout=timeout, poll=0.05), self)

    async def wait_until(self, execution_id: str, predicate: Any, timeout: float = 30) -> Result:
        """Poll until ``predicate(result)`` holds (no fixed sleeps)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = await self.engine.get(execution_id)
            result = Result(found, self)
            if predicate(result):
                return result
            if loop.time() > deadline:
                raise AssertionError(
                    f"condition not met within {timeout}s; state {found.execution.state}, tasks {result.states()}"
                )
            await asyncio.sleep(0.02)


class Result:
    def __init__(self, found: ClaimedExecution, harness: Harness) -> None:
        self.execution = found.execution
        self.task_runs = found.task_runs
        self.harness = harness

    @property
    def state(self) -> State:
        return self.execution.state

    def runs(self, task_id: str) -> list[TaskRun]:
        return sorted((r for r in self.task_runs if r.task_id == task_id), key=lambda r: r.seq)

    def run(self, task_id: str, value: str | None = None) -> TaskRun:
        matches = [r for r in self.runs(task_id) if value is None or r.value == value]
        assert len(matches) == 1, f"expected one run of {task_id!r} (value {value!r}), got {len(matches)}: {self.states()}"
        return matches[0]

    def states(self) -> dict[str, str]:
        return {f"{r.task_id}{'[' + r.value + ']' if r.value else ''}": r.state.value for r in self.task_runs}

    def outputs(self, task_id: str, value: str | None = None) -> dict[str, Any]:
        return self.run(task_id, value).outputs or {}

    async def logs(self, task_id: str | None = None) -> list[str]:
        entries = await self.harness.engine.store.get_logs(self.execution.id)
        return [f"{e.level} {e.message}" for e in entries if task_id is None or e.task_id == task_id]

    async def logs_when(self, task_id: str | None, ready: Any, timeout: float = 30) -> list[str]:
        """``logs(task_id)`` once ``ready(lines)`` holds (or at the deadline): the executor's own
        log lines (a render error of a flowable, a fallback…) are written just after its commit."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            lines = await self.logs(task_id)
            if ready(lines) or loop.time() > deadline:
                return lines
            await asyncio.sleep(0.02)
