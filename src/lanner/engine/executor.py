"""The executor loop: claim executions with pending messages, process them, commit, repeat."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from lanner.engine.dispatch import LocalDispatch
from lanner.engine.flow_index import FlowCache
from lanner.engine.kv_function import Reader
from lanner.engine.processor import Processor
from lanner.engine.secrets import SecretBackend
from lanner.engine.waiting import wait_or_stop
from lanner.expressions import Renderer
from lanner.models.execution import Execution, LogEntry
from lanner.models.state import State
from lanner.storage.ports import ClaimedExecution, ExecutorTx, Store

__all__ = ["Executor"]

log = logging.getLogger(__name__)


class Executor:
    """Advances executions. Several executors may share one PostgreSQL: claims never overlap."""

    def __init__(
        self,
        store: Store,
        flows: FlowCache,
        renderer: Renderer,
        functions: dict[str, Callable[..., Any]],
        clock: Callable[[], datetime],
        *,
        batch_size: int = 64,
        idle_poll: float = 1.0,
        on_finished: Callable[[Execution], None] | None = None,
        dispatch: LocalDispatch | None = None,
        kv_read: Reader | None = None,
        secrets: SecretBackend | None = None,
    ) -> None:
        self.dispatch = dispatch
        self.kv_read = kv_read
        self.secrets = secrets
        self.store = store
        self.flows = flows
        self.renderer = renderer
        self.functions = functions
        self.clock = clock
        self.batch_size = batch_size
        self.idle_poll = idle_poll
        self.on_finished = on_finished

    async def run_once(self) -> int:
        """Process one batch; returns how many executions were processed."""
        proc: Processor | None = None
        try:
            async with self.store.executor_transaction() as tx:
                claimed = await tx.claim(self.batch_size)
                proc = Processor(
                    tx,
                    self.flows,
                    self.renderer,
                    self.functions,
                    self.clock,
                    self.dispatch,
                    kv_read=self.kv_read,
                    secrets=self.secrets,
                )
                await self._process_all(tx, proc, claimed)
        except BaseException:
            if proc is not None and proc.assigned and self.dispatch is not None:
                self.dispatch.release(len(proc.assigned))
            raise
        if self.dispatch is not None:
            for job in proc.assigned:
                self.dispatch.accept(job)
            for execution_id in proc.killing:
                self.dispatch.kill_execution(execution_id)
        if proc.logs:
            await self.store.append_logs(proc.logs)
        for execution_id, action in proc.requests:
            await self.store.request(execution_id, action)
        if self.on_finished is not None:
            for execution in proc.finished:
                self.on_finished(execution)
        return len(claimed)

    async def _process_all(self, tx: ExecutorTx, proc: Processor, claimed: list[ClaimedExecution]) -> None:
        for item in claimed:
            assigned = len(proc.assigned)
            try:
                await proc.process(item)
            except Exception as exc:  # a bug on one execution must not block the others
                log.exception("executor failed on execution %s", item.execution.id)
                if self.dispatch is not None and len(proc.assigned) > assigned:
                    self.dispatch.release(len(proc.assigned) - assigned)
                del proc.assigned[assigned:]
                ex = item.execution
                message = f"internal executor error: {exc!r}"
                proc.logs.append(LogEntry(ex.id, "ERROR", message, self.clock(), ex.namespace, ex.flow_id))
                if not ex.state.is_terminal:
                    ex.set_state(State.FAILED, self.clock())
                await tx.save(ex, [])
                proc.finished.append(ex)

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                processed = await self.run_once()
            except Exception:
                log.exception("executor batch failed; retrying")
                processed = 0
                await asyncio.sleep(0.5)
            if processed:
                continue
            timeout = self.idle_poll
            due = await self.store.next_message_due()
            if due is not None:
                timeout = min(timeout, max((due - self.clock()).total_seconds(), 0.0))
            await wait_or_stop(self.store, "executor", timeout, stop)
