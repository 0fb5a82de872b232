"""What a running task may read or change beyond its own attempt: stored flows (for flows-as-code
tasks such as Git SyncFlows / PushFlows) and a read-only copy of an execution (notifications).

Writes go through the same validation as the API (``parse_flow`` with the worker's registry),
and several flows are saved in one store transaction.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from lanner.flows import parse_flow
from lanner.models.registry import Registry
from lanner.storage.ports import Store, StoredFlow
from lanner.tasks.context import FlowSource

__all__ = ["TaskFlows", "read_execution"]


def _source(flow: StoredFlow) -> FlowSource:
    return FlowSource(namespace=flow.namespace, id=flow.id, revision=flow.revision, source=flow.source)


class TaskFlows:
    """``RunContext.flows``: the server's flows, validated on write."""

    def __init__(self, store: Store, registry: Registry | None) -> None:
        self._store = store
        self._registry = registry

    async def list(self, namespace: str, *, include_children: bool = False) -> list[FlowSource]:
        stored = await self._store.list_flows(namespace)
        return [_source(f) for f in stored if include_children or f.namespace == namespace]

    async def check(self, source: str, *, filename: str | None = None) -> tuple[str, str]:
        flow = parse_flow(source, filename=filename, registry=self._registry)
        return flow.namespace, flow.id

    async def apply(self, sources: Sequence[str], *, delete: Sequence[tuple[str, str]] = ()) -> builtins.list[FlowSource]:
        rows: list[tuple[str, str, str]] = []
        for source in sources:
            namespace, flow_id = await self.check(source)
            rows.append((namespace, flow_id, source))
        saved = (await self._store.save_flows(rows)).saved if rows else []
        for namespace, flow_id in delete:
            await self._store.delete_flow(namespace, flow_id)
        return [_source(f) for f in saved]


async def read_execution(store: Store, execution_id: str) -> Mapping[str, Any] | None:
    """The execution and its task runs as the API shows them (a copy: changing it changes nothing)."""
    found = await store.get_execution(execution_id)
    if found is None:
        return None
    return found.execution.to_api(list(found.task_runs))
