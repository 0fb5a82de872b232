"""Deleting ended executions and old logs, in batches: the Purge tasks' ``ctx.purge`` and retention.

Rows go through the store's batched deletes (one short transaction per batch); the
internal-storage folder of each deleted execution is removed after its rows.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from lanner.models.state import TERMINAL_STATES, State
from lanner.storage.files import FileStorage
from lanner.storage.ports import ExecutionQuery, LogPurge, PurgeQuery, Store
from lanner.tasks.context import ExecutionPurge, LogPurgeRequest, PurgeCounts

__all__ = ["StorePurger", "execution_folder"]

#: a safety stop: a purge never loops forever if rows keep matching
_MAX_BATCHES = 1_000_000


def execution_folder(namespace: str, flow_id: str, execution_id: str) -> str:
    """The internal-storage key prefix of an execution's files."""
    return f"{namespace.replace('.', '/')}/{flow_id}/executions/{execution_id}"


class StorePurger:
    """``RunContext.purge``: batched deletes over the store and internal storage."""

    def __init__(self, store: Store, files: FileStorage) -> None:
        self._store = store
        self._files = files

    async def executions(self, request: ExecutionPurge, *, max_batches: int = _MAX_BATCHES) -> PurgeCounts:
        states = [State(name) for name in request.states] if request.states is not None else None
        if not request.executions:
            return await self._logs_and_files_only(request, states)
        query = PurgeQuery(
            end=request.end,
            start=request.start,
            namespace=request.namespace,
            flow_id=request.flow_id,
            states=states,
            logs=request.logs,
        )
        executions = task_runs = logs = storage = 0
        for _ in range(max_batches):
            purged, log_count = await self._store.purge_executions(query, request.batch_size)
            executions += len(purged)
            task_runs += sum(p.task_runs for p in purged)
            logs += log_count
            if request.storage:
                for item in purged:
                    storage += await self._delete_folder(item.namespace, item.flow_id, item.id)
            if len(purged) < request.batch_size:
                break
        return PurgeCounts(executions=executions, task_runs=task_runs, logs=logs, storage=storage)

    async def logs(self, request: LogPurgeRequest, *, max_batches: int = _MAX_BATCHES) -> int:
        query = LogPurge(
            end=request.end,
            start=request.start,
            namespace=request.namespace,
            flow_id=request.flow_id,
            execution_id=request.execution_id,
            levels=request.levels,
        )
        total = 0
        for _ in range(max_batches):
            count = await self._store.purge_logs(query, request.batch_size)
            total += count
            if count < request.batch_size:
                break
        return total

    async def _logs_and_files_only(self, request: ExecutionPurge, states: list[State] | None) -> PurgeCounts:
        """Executions kept: delete the logs and files of the ended ones, execution by execution."""
        ended = [s for s in (states if states is not None else TERMINAL_STATES) if s in TERMINAL_STATES]
        logs = storage = 0
        page = 1
        while ended and (request.logs or request.storage):
            found = await self._store.search_executions(
                ExecutionQuery(
                    namespace=request.namespace,
                    exact_namespace=request.flow_id is not None,
                    flow_id=request.flow_id,
                    states=ended,
                    start=request.start,
                    end=request.end,
                    sort=(("start_date", False),),
                    page=page,
                    size=request.batch_size,
                )
            )
            for execution in found.results:
                if execution.end_date is None or execution.end_date >= request.end:
                    continue
                if request.logs:
                    logs += await self.logs(LogPurgeRequest(end=_far_future(request.end), execution_id=execution.id))
                if request.storage:
                    storage += await self._delete_folder(execution.namespace, execution.flow_id, execution.id)
            if len(found.results) < request.batch_size:
                break
            page += 1
        return PurgeCounts(logs=logs, storage=storage)

    async def _delete_folder(self, namespace: str, flow_id: str, execution_id: str) -> int:
        prefix = execution_folder(namespace, flow_id, execution_id)
        existed = await asyncio.to_thread(self._files.path_of("lanner:///" + prefix).is_dir)
        await self._files.delete_prefix(prefix)
        return int(existed)


def _far_future(moment: datetime) -> datetime:
    return moment.replace(year=9999)
