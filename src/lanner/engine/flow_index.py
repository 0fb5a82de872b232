"""A parsed flow revision with its tasks indexed by id, cached per (namespace, id, revision)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, cast

from lanner.errors import NotFoundError
from lanner.expressions import Renderer
from lanner.flows import parse_flow
from lanner.models.flow import Flow
from lanner.storage.ports import Store, StoredFlow
from lanner.tasks.base import Task

__all__ = ["FlowCache", "FlowIndex"]


@dataclass(slots=True)
class FlowIndex:
    flow: Flow
    revision: int
    tasks: dict[str, Task] = field(default_factory=dict)
    #: id of the enclosing task of each task (None at the root)
    parents: dict[str, str | None] = field(default_factory=dict)
    _definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    _needed: dict[str, set[str] | None] = field(default_factory=dict)

    @classmethod
    def build(cls, flow: Flow, revision: int) -> FlowIndex:
        index = cls(flow, revision)
        roots = [*index.main, *index.errors, *index.finally_]
        stack: list[tuple[Task, str | None]] = [(task, None) for task in roots]
        while stack:
            task, parent = stack.pop()
            index.tasks[task.id] = task
            index.parents[task.id] = parent
            stack.extend((child, task.id) for child in task.child_tasks())
        return index

    @property
    def main(self) -> list[Task]:
        return cast(list[Task], self.flow.tasks)

    @property
    def errors(self) -> list[Task]:
        return cast(list[Task], self.flow.errors or [])

    @property
    def finally_(self) -> list[Task]:
        return cast(list[Task], self.flow.finally_ or [])

    def definition(self, task: Task) -> dict[str, Any]:
        """The task as sent to workers (plugin defaults already applied), computed once."""
        found = self._definitions.get(task.id)
        if found is None:
            found = self._definitions[task.id] = task.definition()
        return found

    def needed_outputs(self, task: Task, renderer: Renderer) -> set[str] | None:
        """Task ids whose outputs the task's expressions read; None when that cannot be known.

        Jobs carry only these outputs, so a task in an execution of 10,000 task runs does not
        ship the outputs of all of them.
        """
        if task.id in self._needed:
            return self._needed[task.id]
        needed: set[str] | None = set()
        for text in _strings(self.definition(task)):
            if "outputs" not in text:
                continue
            refs = renderer.referenced_outputs(text)
            if not refs or needed is None:
                needed = None
                break
            needed |= refs
        self._needed[task.id] = needed
        return needed

    def task(self, task_id: str) -> Task:
        try:
            return self.tasks[task_id]
        except KeyError:
            raise NotFoundError(f"flow {self.flow.uid} revision {self.revision} has no task {task_id!r}") from None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


class FlowCache:
    """Parsed flows by revision; revisions are immutable, so entries never go stale."""

    def __init__(self, store: Store, size: int = 512) -> None:
        self._store = store
        self._size = size
        self._entries: OrderedDict[tuple[str, str, int], FlowIndex] = OrderedDict()
        self._reading: dict[tuple[str, str, int | None], asyncio.Future[StoredFlow | None]] = {}

    async def _read(self, namespace: str, flow_id: str, revision: int | None) -> StoredFlow | None:
        """One read of the store for concurrent callers asking for the same flow revision."""
        key = (namespace, flow_id, revision)
        pending = self._reading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._store.get_flow(namespace, flow_id, revision))
            self._reading[key] = pending
            pending.add_done_callback(lambda done: self._reading.pop(key, None) if self._reading.get(key) is done else None)
        return await asyncio.shield(pending)

    def saved(self, namespace: str, flow_id: str) -> None:
        """A new revision was just stored: later callers must not join a read begun before."""
        self._reading.pop((namespace, flow_id, None), None)

    async def get(self, namespace: str, flow_id: str, revision: int | None = None) -> FlowIndex:
        if revision is not None:
            cached = self._entries.get((namespace, flow_id, revision))
            if cached is not None:
                self._entries.move_to_end((namespace, flow_id, revision))
                return cached
        stored = await self._read(namespace, flow_id, revision)
        if stored is None:
            raise NotFoundError(f"flow {namespace}.{flow_id}" + (f" revision {revision}" if revision else "") + " not found")
        return self.add(stored)

    def add(self, stored: StoredFlow) -> FlowIndex:
        """The parsed revision ``stored`` (read by the caller), kept like those ``get`` reads."""
        key = (stored.namespace, stored.id, stored.revision)
        cached = self._entries.get(key)
        if cached is not None:
            return cached
        flow = parse_flow(stored.source, filename=f"{stored.namespace}.{stored.id}", stored=True)
        index = FlowIndex.build(flow, stored.revision)
        self._entries[key] = index
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return index
