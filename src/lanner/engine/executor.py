"""The executor loop: claim executions with pending messages, process them, commit, repeat."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from lanner.engine.dispatch import LocalDispatch
from lanner.engine.flow_index import FlowCache
from lanner.engine.kv_function import Reader
from lanner.engine.loop_errors import report_failure
from lanner.engine.processor import Processor
from lanner.engine.secrets import SecretBackend
from lanner.engine.waiting import wait_or_stop
from lanner.expressions import Renderer
from lanner.models.execution import Execution, LogEntry
from lanner.models.state import State
from lanner.storage.ports import ClaimedExecution, ExecutorTx, Store

__all__ = ["GROUPS_REFRESH", "LARGE_EXECUTION", "POSTPONE_PER_TASK_RUN", "Executor"]

#: task runs from which an execution's passes are spaced out
LARGE_EXECUTION = 500
#: how long a large execution's next pass waits, per task run it has
POSTPONE_PER_TASK_RUN = timedelta(microseconds=50)

#: how long the executor trusts its list of the worker groups live workers serve
GROUPS_REFRESH = timedelta(seconds=1)

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
        worker_alive_within: float = 25.0,
    ) -> None:
        self.dispatch = dispatch
        #: a worker heard from within this many seconds serves its groups (``workerGroup.fallback``)
        self.worker_alive_within = worker_alive_within
        self._groups: frozenset[str] | None = None
        self._groups_read: datetime | None = None
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
        #: the earliest delayed message known to be waiting, and when the store was last asked
        self._next_due: datetime | None = None
        self._due_checked: datetime | None = None
        #: large executions whose next pass waits (see ``_plan_postponements``)
        self._postpone: dict[str, datetime] = {}

    async def run_once(self) -> int:
        """Process one batch; returns how many executions were processed."""
        proc: Processor | None = None
        groups = await self._live_groups()
        try:
            async with self.store.executor_transaction() as tx:
                claimed = await tx.claim(self.batch_size, self._postponed())
                proc = Processor(
                    tx,
                    self.flows,
                    self.renderer,
                    self.functions,
                    self.clock,
                    self.dispatch,
                    kv_read=self.kv_read,
                    secrets=self.secrets,
                    worker_groups=groups,
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
        if proc.earliest_wake is not None and (self._next_due is None or proc.earliest_wake < self._next_due):
            self._next_due = proc.earliest_wake
        self._plan_postponements(claimed)
        return len(claimed)

    def forget_worker_groups(self) -> None:
        """Read the served worker groups again at the next pass (a worker was just started)."""
        self._groups_read = None

    async def _live_groups(self) -> frozenset[str] | None:
        """The worker groups live workers serve, read at most every ``GROUPS_REFRESH`` (None: unknown,
        the database did not answer; tasks then wait as with ``fallback: WAIT``)."""
        now = self.clock()
        if self._groups_read is None or now - self._groups_read >= GROUPS_REFRESH:
            try:
                self._groups = frozenset(await self.store.live_worker_groups(self.worker_alive_within))
            except Exception:
                log.warning("could not read the live worker groups", exc_info=True)
                self._groups = None
            self._groups_read = now
        return self._groups

    def _plan_postponements(self, claimed: list[ClaimedExecution]) -> None:
        """A large execution's next pass waits a little (its tasks keep ending meanwhile), so
        one costly pass records many of them instead of each pass a few: ``LARGE_EXECUTION``
        task runs or more wait ``POSTPONE_PER_TASK_RUN`` per task run, at most a second."""
        now = self.clock()
        for item in claimed:
            execution = item.execution
            size = len(item.task_runs)
            if size < LARGE_EXECUTION or execution.state.is_terminal:
                self._postpone.pop(execution.id, None)
                continue
            until = now + min(POSTPONE_PER_TASK_RUN * size, timedelta(seconds=1))
            self._postpone[execution.id] = until
            if self._next_due is None or until < self._next_due:
                self._next_due = until

    def _postponed(self) -> dict[str, datetime]:
        now = self.clock()
        for execution_id in [key for key, until in self._postpone.items() if until <= now]:
            del self._postpone[execution_id]
        return self._postpone

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
                report_failure(log, "executor batch failed; retrying")
                processed = 0
                await asyncio.sleep(0.5)
            if processed >= self.batch_size:
                continue  # maybe more due right now
            # Fewer than a full batch: nothing else was due when we claimed. Whatever came
            # since has signalled the channel, so the wait below returns at once for it.
            now = self.clock()
            if self._next_due is not None and self._next_due <= now:
                self._next_due = None  # claimed by the pass that just ran
            if self._due_checked is None or (now - self._due_checked).total_seconds() >= self.idle_poll:
                # Delayed messages queued here are known (``earliest_wake``); those of other
                # processes are found by this query, at most once per ``idle_poll``.
                self._due_checked = now
                try:
                    due = await self.store.next_message_due()
                except Exception:  # the database is away: wait, then try again
                    report_failure(log, "executor could not read the next delayed message")
                    due = None
                if due is not None and (self._next_due is None or due < self._next_due):
                    self._next_due = due
            timeout = self.idle_poll
            if self._next_due is not None:
                timeout = min(timeout, max((self._next_due - now).total_seconds(), 0.0))
            await wait_or_stop(self.store, "executor", timeout, stop)
