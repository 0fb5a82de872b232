"""The engine: executor and worker wired to one store, plus the operations users call.

``Engine`` is what the CLI and the server hold: it submits executions, runs the executor,
worker and scheduler loops (``start``/``stop``; any subset, by ``EngineOptions.run_*``), and
waits for executions to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from lanner.engine.executor import Executor
from lanner.engine.flow_index import FlowCache
from lanner.engine.loop_errors import report_failure
from lanner.engine.scheduler import Scheduler, SchedulerOptions
from lanner.engine.secrets import EnvSecrets, SecretBackend
from lanner.engine.trigger_runs import Launcher
from lanner.engine.worker import Worker
from lanner.errors import ConflictError, InputError, Issue, NotFoundError
from lanner.expressions import Renderer
from lanner.flows import parse_flow
from lanner.models.execution import Execution, TaskRun, utcnow
from lanner.models.ids import new_id
from lanner.models.input_values import resolve_inputs
from lanner.models.registry import Registry, default_registry
from lanner.models.state import State
from lanner.storage.files import FileStorage
from lanner.storage.ports import ClaimedExecution, Store, StoredFlow

__all__ = ["CHANGEABLE_STATES", "Engine", "EngineOptions"]

log = logging.getLogger(__name__)

#: the states a user may give a task run by hand (``Engine.change_state``)
CHANGEABLE_STATES = frozenset({State.SUCCESS, State.WARNING, State.FAILED})


@dataclass
class EngineOptions:
    work_root: Path
    worker_threads: int = 32
    worker_groups: list[str | None] = field(default_factory=lambda: [None])
    run_executor: bool = True
    run_worker: bool = True
    executor_batch: int = 64
    idle_poll: float = 1.0
    heartbeat_interval: float = 3.0
    #: silence after which a worker is declared dead; executors look every fifth of it
    worker_dead_after: float = 25.0
    #: seconds a stopping worker lets running attempts end before handing them back
    worker_shutdown_grace: float = 25.0
    #: single-process mode: at start, hand back jobs left running by a previous (killed) process
    local: bool = True
    #: fire the triggers of deployed flows (schedules, flow triggers, polling triggers)
    run_scheduler: bool = True
    scheduler: SchedulerOptions = field(default_factory=SchedulerOptions)


class Engine:
    def __init__(
        self,
        store: Store,
        files: FileStorage,
        options: EngineOptions,
        *,
        registry: Registry | None = None,
        clock: Callable[[], datetime] = utcnow,
        secrets: SecretBackend | None = None,
    ) -> None:
        self.store = store
        self.files = files
        self.options = options
        self.registry = registry or default_registry()
        self.clock = clock
        self.secrets: SecretBackend = secrets or EnvSecrets()
        self.renderer = Renderer()
        self.flows = FlowCache(store)
        self._finished = asyncio.Condition()
        functions: dict[str, Callable[..., Any]] = {"secret": self.secrets.get}
        self.worker = Worker(
            store,
            files,
            self.registry,
            self.renderer,
            self.secrets,
            clock,
            work_root=options.work_root,
            threads=options.worker_threads,
            groups=options.worker_groups,
            heartbeat_interval=options.heartbeat_interval,
            dead_after=options.worker_dead_after,
            shutdown_grace=options.worker_shutdown_grace,
            idle_poll=options.idle_poll,
        )
        self.executor = Executor(
            store,
            self.flows,
            self.renderer,
            functions,
            clock,
            batch_size=options.executor_batch,
            idle_poll=options.idle_poll,
            on_finished=self._notify_finished,
            dispatch=self.worker if options.run_worker and options.run_executor else None,
            kv_read=store.kv_get,
            secrets=self.secrets,
            worker_alive_within=options.worker_dead_after,
        )
        self.scheduler = Scheduler(store, self.flows, Launcher(self.renderer, functions), clock, options.scheduler, files=files)
        self._stop = asyncio.Event()
        #: the worker stops after the executor, which may still hand it jobs until then
        self._stop_worker = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._worker_tasks: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._stop.clear()
        self._stop_worker.clear()
        if self.options.run_worker:
            await self.store.requeue_lost_jobs(self.options.worker_dead_after, all_workers=self.options.local)
            await self.worker.register()
            self._worker_tasks.append(self._supervise("worker", self.worker.run_forever, self._stop_worker))
        if self.options.run_executor:
            self._tasks.append(self._supervise("executor", self.executor.run_forever, self._stop))
            if not self.options.local:
                self._tasks.append(self._supervise("worker watch", self._watch_workers, self._stop))
        if self.options.run_scheduler:
            self._tasks.append(self._supervise("scheduler", self.scheduler.run_forever, self._stop))

    async def stop(self) -> None:
        """Stop the loops: executor and scheduler first, then the worker (``worker_shutdown_grace``)."""
        self._stop.set()
        for tasks, stop in ((self._tasks, self._stop), (self._worker_tasks, self._stop_worker)):
            stop.set()
            for task in tasks:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await task
            tasks.clear()

    def _supervise(self, name: str, loop: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event) -> asyncio.Task[None]:
        """Run ``loop`` until ``stop``; restarted after a pause if it fails (a database error
        escaping it, a bug), so a component never stays down silently."""

        async def supervised() -> None:
            pause = 0.5
            while not stop.is_set():
                try:
                    await loop(stop)
                except Exception:
                    report_failure(log, "the %s loop failed; restarting it in %.1fs", name, pause)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), pause)
                    pause = min(pause * 2, 10.0)

        return asyncio.create_task(supervised(), name=f"lanner-{name}")

    async def _watch_workers(self, stop: asyncio.Event) -> None:
        """Declare silent workers dead and hand their jobs back. Looking every fifth of
        ``worker_dead_after`` resubmits a dead worker's task runs within 1.2x of it after its
        last heartbeat."""
        every = max(self.options.worker_dead_after / 5, 0.1)
        while not stop.is_set():
            try:
                released = await self.store.requeue_lost_jobs(self.options.worker_dead_after)
                if released:
                    log.warning("handed back %d job(s) of dead workers", released)
            except Exception:
                log.warning("could not look for dead workers; trying again", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    def _notify_finished(self, execution: Execution) -> None:
        self.scheduler.wake_for_events()  # Flow triggers react to ended executions

        async def wake() -> None:
            async with self._finished:
                self._finished.notify_all()

        asyncio.get_running_loop().create_task(wake())

    # ------------------------------------------------------------------ flows
    async def deploy(self, source: str, *, filename: str | None = None) -> StoredFlow:
        """Validate a flow's YAML (every error at once) and store it as a new revision."""
        flow = parse_flow(source, filename=filename, registry=self.registry)
        stored = await self.store.save_flow(flow.namespace, flow.id, source)
        self.flows.saved(flow.namespace, flow.id)
        return stored

    # ------------------------------------------------------------------ executions
    async def submit(
        self,
        namespace: str,
        flow_id: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        labels: Mapping[str, str] | None = None,
        revision: int | None = None,
        trigger: dict[str, Any] | None = None,
        execution_id: str | None = None,
    ) -> Execution:
        """Create an execution of a stored flow; inputs are checked and typed first.

        ``execution_id`` is for callers that stored files of the execution before creating it
        (uploaded FILE inputs); a new id is drawn otherwise."""
        index = await self.flows.get(namespace, flow_id, revision)
        flow = index.flow
        if flow.disabled:
            raise ConflictError(f"flow {flow.uid} is disabled")
        resolved = resolve_inputs(flow.inputs or [], dict(inputs or {}))
        execution = Execution(
            id=execution_id or new_id(),
            namespace=namespace,
            flow_id=flow_id,
            flow_revision=index.revision,
            state=State.CREATED,
            inputs=resolved,
            labels={**flow.label_map(), **dict(labels or {})},
            variables=dict(flow.variables or {}),
            trigger=trigger,
            created=self.clock(),
        )
        execution.set_state(State.CREATED, execution.created)
        await self.store.create_execution(execution)
        return execution

    async def get(self, execution_id: str) -> ClaimedExecution:
        found = await self.store.get_execution(execution_id)
        if found is None:
            raise NotFoundError(f"execution {execution_id} not found")
        return found

    async def wait(self, execution_id: str, timeout: float | None = None, poll: float = 0.5) -> ClaimedExecution:
        """Wait until the execution reaches a terminal state (and is not to be resumed)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        state = (await self.get(execution_id)).execution.state
        while True:
            if state.is_terminal:
                found = await self.get(execution_id)  # read in full once, at the end
                if found.execution.state.is_terminal:
                    return found
            remaining = poll if deadline is None else min(poll, deadline - loop.time())
            if remaining <= 0:
                raise TimeoutError(f"execution {execution_id} still {state} after {timeout}s")
            async with self._finished:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._finished.wait(), remaining)
            state = await self.store.execution_state(execution_id) or state

    async def kill(self, execution_id: str) -> None:
        found = await self.get(execution_id)
        if found.execution.state.is_terminal:
            raise ConflictError(f"execution {execution_id} already ended {found.execution.state}")
        await self.store.request(execution_id, "kill")

    async def resume(self, execution_id: str, inputs: Mapping[str, Any] | None = None) -> None:
        found = await self.get(execution_id)
        if found.execution.state != State.PAUSED:
            raise ConflictError(f"execution {execution_id} is {found.execution.state}, not PAUSED")
        await self.store.request(execution_id, "resume", {"inputs": dict(inputs or {})})

    async def restart(self, execution_id: str) -> None:
        found = await self.get(execution_id)
        if found.execution.state not in (State.FAILED, State.KILLED, State.CANCELLED, State.WARNING):
            raise ConflictError(f"execution {execution_id} is {found.execution.state}; only a failed or killed one restarts")
        await self.store.request(execution_id, "restart")

    async def change_state(self, execution_id: str, task_run_id: str, state: State) -> None:
        """Set a task run of an ended or paused execution to SUCCESS, WARNING or FAILED by hand;
        the executor then works out the execution's state again."""
        if state not in CHANGEABLE_STATES:
            allowed = ", ".join(sorted(CHANGEABLE_STATES))
            raise InputError([Issue(f"a task run can be set to {allowed}, not {state}", path="state")])
        found = await self.get(execution_id)
        run = next((r for r in found.task_runs if r.id == task_run_id), None)
        if run is None:
            raise NotFoundError(f"execution {execution_id} has no task run {task_run_id}")
        current = found.execution.state
        if not (current.is_terminal or current == State.PAUSED):
            raise ConflictError(f"execution {execution_id} is {current}; change a task run once it ended or paused")
        if not (run.state.is_terminal or run.state == State.PAUSED):
            raise ConflictError(f"task run {task_run_id} is {run.state}; only an ended or paused task run changes state")
        if run.dynamic:
            raise ConflictError(
                f"task run {task_run_id} ({run.task_id}) was reported by task run {run.parent_id}; change or restart that one"
            )
        await self.store.request(execution_id, "change_state", {"taskRunId": task_run_id, "state": state.value})

    async def delete(self, execution_id: str) -> None:
        """Delete an ended execution with its task runs, logs and files."""
        found = await self.get(execution_id)
        ex = found.execution
        if not ex.state.is_terminal:
            raise ConflictError(f"execution {execution_id} is {ex.state}; kill it or wait for its end before deleting it")
        await self.store.delete_execution(execution_id)
        await self.files.delete_prefix(f"{ex.namespace.replace('.', '/')}/{ex.flow_id}/executions/{execution_id}")

    async def replay(self, execution_id: str, task_run_id: str | None = None, *, revision: int | None = None) -> Execution:
        """A new execution of the same flow revision (or ``revision``), keeping the task runs
        before ``task_run_id``."""
        found = await self.get(execution_id)
        old = found.execution
        if revision is not None:
            await self.flows.get(old.namespace, old.flow_id, revision)  # NotFoundError if missing
        runs = {run.id: run for run in found.task_runs}
        keep: list[TaskRun] = []
        if task_run_id is not None:
            target = runs.get(task_run_id)
            if target is None:
                raise NotFoundError(f"execution {execution_id} has no task run {task_run_id}")
            if target.dynamic and target.parent_id in runs:
                target = runs[target.parent_id]  # from a dbt node: from its dbt task
            ancestors: set[str] = set()
            parent = target.parent_id
            while parent:
                ancestors.add(parent)
                parent = runs[parent].parent_id if parent in runs else None
            keep = [run for run in found.task_runs if run.seq < target.seq]
            for run in keep:
                if run.id in ancestors:
                    run.state = State.RUNNING
        new = Execution(
            id=new_id(),
            namespace=old.namespace,
            flow_id=old.flow_id,
            flow_revision=revision if revision is not None else old.flow_revision,
            state=State.RUNNING if keep else State.CREATED,
            inputs=old.inputs,
            labels=dict(old.labels),
            variables=old.variables,
            trigger=old.trigger,
            original_id=old.original_id or old.id,
            created=self.clock(),
        )
        new.set_state(State.CREATED, new.created)
        if keep:
            new.set_state(State.RUNNING, new.created)
        id_map = {run.id: new_id() for run in keep}
        copies = []
        for run in keep:
            copy = TaskRun(
                id=id_map[run.id],
                execution_id=new.id,
                task_id=run.task_id,
                state=run.state,
                parent_id=id_map.get(run.parent_id) if run.parent_id else None,
                value=run.value,
                iteration=run.iteration,
                attempts=run.attempts,
                outputs=run.outputs,
                history=run.history,
                meta=dict(run.meta),
                seq=run.seq,
            )
            copies.append(copy)
        async with self.store.executor_transaction() as tx:
            await tx.save(new, copies)
            await tx.notify(new.id)
        return new
