"""The worker: claims jobs, runs task attempts, reports their results.

Each attempt runs as an asyncio task with its own run context. Timeouts and kills cancel the
task coroutine (script tasks kill their process group on cancellation). Retries are decided
here, where the outcome is known: a failed attempt that its policy allows to retry is
reported RETRYING and a new job is queued for the retry time, in the same transaction.

An attempt the worker cannot finish is *handed back* (``hand_back``): it is stopped, its result
is not reported, and its job is released, so a worker claims it again as a new attempt. That
happens when the worker stops (SIGTERM) and an attempt outlives ``shutdown_grace``, when it was
declared dead (silent for ``dead_after``), and when it cannot reach the database for
``dead_after`` (others will have declared it dead and resubmitted its work by then).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError

from lanner.engine.dynamic_runs import dynamic_task_runs
from lanner.engine.run_context import WorkerRunContext
from lanner.engine.secrets import SecretBackend
from lanner.engine.task_logs import AttemptLogger, Masker
from lanner.engine.waiting import wait_or_stop
from lanner.errors import ExpressionError, LannerError, TaskFailure, TaskTimeout
from lanner.expressions import Renderer
from lanner.models.execution import Attempt, LogEntry
from lanner.models.ids import new_id
from lanner.models.registry import Registry
from lanner.models.retry import Retry
from lanner.models.state import State
from lanner.storage.batching import GroupCommit
from lanner.storage.files import FileStorage
from lanner.storage.ports import FinishedAttempt, JobResult, Store, WorkerJob
from lanner.tasks.base import RunnableTask

__all__ = ["AttemptObserver", "TaskStandIn", "Worker"]

log = logging.getLogger(__name__)
_retry_adapter: TypeAdapter[Any] = TypeAdapter(Retry)

#: called once per ended attempt with (task type as written, attempt state, seconds); must be
#: cheap and do no I/O: it runs on the worker's event loop (metrics)
AttemptObserver = Callable[[str, State, float], None]

#: test-only hook (``lanner test`` fixtures): for a job, a coroutine function run instead of
#: the task's ``run(ctx)`` (same context, timeout, kill and result handling), or None to run it
TaskStandIn = Callable[[WorkerJob], Callable[[WorkerRunContext], Awaitable[Mapping[str, Any] | None]] | None]


class Worker:
    def __init__(
        self,
        store: Store,
        files: FileStorage,
        registry: Registry,
        renderer: Renderer,
        secrets: SecretBackend,
        clock: Callable[[], datetime],
        *,
        work_root: Path,
        threads: int = 32,
        groups: Sequence[str | None] = (None,),
        heartbeat_interval: float = 3.0,
        dead_after: float = 25.0,
        shutdown_grace: float = 25.0,
        idle_poll: float = 1.0,
        log_flush_interval: float = 0.5,
        worker_id: str | None = None,
    ) -> None:
        self.store = store
        self.files = files
        self.registry = registry
        self.renderer = renderer
        self.secrets = secrets
        self.clock = clock
        self.work_root = work_root
        self.threads = threads
        self.groups = list(groups)
        self.heartbeat_interval = heartbeat_interval
        self.dead_after = dead_after
        self.shutdown_grace = shutdown_grace
        self.idle_poll = idle_poll
        self.log_flush_interval = log_flush_interval
        self.id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{new_id()[:8]}"
        self.running: dict[str, tuple[asyncio.Task[None], asyncio.Event]] = {}
        #: slots promised to the local executor for jobs it claimed on our behalf
        self.reserved = 0
        self._registered = False
        self._execution_of: dict[str, str] = {}
        self._task_cache: dict[str, RunnableTask] = {}
        #: attempts that end while a report is being written go in the next one, together
        self._reports: GroupCommit[FinishedAttempt, bool] = GroupCommit(store.finish_jobs)
        self._slot_freed = asyncio.Event()
        #: told of every ended attempt (``AttemptObserver``); the app sets it to feed its metrics
        self.on_attempt_end: AttemptObserver | None = None
        #: ``TaskStandIn``; set only by ``lanner test`` on its own in-process engine
        self.stand_in: TaskStandIn | None = None
        #: attempts being handed back (task run id -> why); their results are not reported
        self._handing_back: dict[str, str] = {}
        #: handed-back jobs (task run id, attempt) still to release, once the database answers
        self._to_release: list[tuple[str, int]] = []
        #: when the retries this worker queued are due, those not yet due (see ``_idle_timeout``)
        self._retries_due: list[datetime] = []
        #: set once the worker stops taking jobs (its attempts in flight end or are handed back)
        self.stopping = False

    @property
    def _group_keys(self) -> str | None:
        """The named worker groups served, as registered (comma-separated; None: the default group only)."""
        return ",".join(group for group in self.groups if group) or None

    # ------------------------------------------------------------------ loops
    async def register(self) -> None:
        """Announce this worker (before the local executor may hand it jobs)."""
        if not self._registered:
            await self.store.register_worker(self.id, self._group_keys, socket.gethostname())
            self._registered = True

    async def run_forever(self, stop: asyncio.Event) -> None:
        await self.register()
        # The heartbeat outlives the claim loop: attempts finishing during the shutdown grace
        # must not look like a dead worker's.
        drained = asyncio.Event()
        beat = asyncio.create_task(self._heartbeat(drained))
        try:
            while not stop.is_set():
                free = self.threads - len(self.running) - self.reserved
                if free <= 0:
                    # Every slot is busy: queued jobs wait for one, not for a new signal.
                    self._slot_freed.clear()
                    await _first_of(self._slot_freed.wait(), stop.wait())
                    continue
                try:
                    jobs = await self.store.claim_jobs(self.id, self.groups, free)
                except Exception as exc:  # the database is away: try again, attempts in flight go on
                    log.warning("worker could not claim jobs (%s); retrying", exc)
                    await wait_or_stop(self.store, "worker", self.idle_poll, stop)
                    continue
                for job in jobs:
                    self._start(job)
                if len(jobs) >= free:
                    continue  # maybe more due right now
                # Fewer than asked: nothing else was due when we claimed. A job created since
                # has signalled the channel (cleared before the claim), so the wait below
                # returns at once for it; claiming again now would only find nothing.
                await wait_or_stop(self.store, "worker", await self._idle_timeout(found_some=bool(jobs)), stop)
        finally:
            await self._drain()
            drained.set()
            beat.cancel()
            with contextlib.suppress(Exception):
                await self._release_handed_back()
                await self.store.unregister_worker(self.id)  # hands back any job still held
            self._registered = False
            self.stopping = False

    async def _idle_timeout(self, found_some: bool) -> float:
        """How long to wait for a signal: until the next delayed job (a retry) is due, at most
        ``idle_poll``. A re-queued retry wakes a worker, which claims nothing (not yet due) and
        asks the store when it will be; a worker that did claim something skips that query
        (one round trip less per task) and goes by the retries it queued itself, so a retry
        queued by another worker meanwhile starts at most ``idle_poll`` late."""
        now = self.clock()
        while self._retries_due and self._retries_due[0] <= now:
            heapq.heappop(self._retries_due)
        due = self._retries_due[0] if self._retries_due else None
        if not found_some:
            with contextlib.suppress(Exception):  # only a hint: the wait is bounded anyway
                stored = await self.store.next_job_due()
                if stored is not None and (due is None or stored < due):
                    due = stored
        if due is None:
            return self.idle_poll
        return min(self.idle_poll, max((due - self.clock()).total_seconds(), 0.0))

    async def _drain(self) -> None:
        """On shutdown: no new job is taken; attempts in flight have ``shutdown_grace`` seconds
        to end (their results are written), the others are handed back."""
        self.stopping = True
        tasks = [task for task, _ in self.running.values()]
        if not tasks:
            return
        log.info("worker %s stopping: %d attempt(s) running, %ss to end", self.id, len(tasks), self.shutdown_grace)
        _, pending = await asyncio.wait(tasks, timeout=self.shutdown_grace)
        if pending:
            self.hand_back(
                list(self.running), f"the worker stopped and the attempt outlived worker.shutdown_grace ({self.shutdown_grace}s)"
            )
            await asyncio.gather(*pending, return_exceptions=True)

    def hand_back(self, task_run_ids: Sequence[str], reason: str) -> None:
        """Stop these attempts without reporting their results; their jobs go back to the queue."""
        for task_run_id in task_run_ids:
            entry = self.running.get(task_run_id)
            if entry is not None:
                self._handing_back[task_run_id] = reason
                entry[1].set()

    async def _release_handed_back(self) -> None:
        if self._to_release:
            held, self._to_release = self._to_release, []
            try:
                await self.store.release_jobs(self.id, held)
            except Exception:
                self._to_release[:0] = held
                raise

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        last_contact = loop.time()
        while not stop.is_set():
            try:
                # bounded: a database behind a broken network may not answer at all
                alive = await asyncio.wait_for(self.store.heartbeat(self.id), max(self.dead_after / 2, 0.5))
                last_contact = loop.time()
                if not alive:
                    # Our jobs were released and may run elsewhere already: stop ours, and
                    # come back as a live worker for new jobs.
                    log.error("worker %s was declared dead; handing back its attempts", self.id)
                    self.hand_back(list(self.running), "the worker was declared dead (silent for longer than worker.dead_after)")
                    await self.store.register_worker(self.id, self._group_keys, socket.gethostname())
                await self._release_handed_back()
                for task_run_id in await self.store.kill_requested(self.id):
                    entry = self.running.get(task_run_id)
                    if entry is not None:
                        entry[1].set()
            except Exception as exc:
                silent = loop.time() - last_contact
                log.warning("worker heartbeat failed (%s); no contact for %.1fs", str(exc) or type(exc).__name__, silent)
                if silent > self.dead_after and self.running:
                    # Cut off from the database: others have declared us dead and resubmitted
                    # our work by now; running it on would only duplicate it.
                    self.hand_back(list(self.running), "the worker lost the database for longer than worker.dead_after")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.heartbeat_interval)

    def _start(self, job: WorkerJob) -> None:
        kill = asyncio.Event()
        task = asyncio.create_task(self.execute(job, kill))
        self.running[job.task_run_id] = (task, kill)
        self._execution_of[job.task_run_id] = job.execution_id

        def done(_: object) -> None:
            self.running.pop(job.task_run_id, None)
            self._execution_of.pop(job.task_run_id, None)
            self._slot_freed.set()

        task.add_done_callback(done)

    # LocalDispatch: the executor of this process hands jobs over directly
    @property
    def worker_id(self) -> str:
        return self.id

    def reserve(self, group: str | None) -> bool:
        if group not in self.groups or len(self.running) + self.reserved >= self.threads:
            return False
        self.reserved += 1
        return True

    def release(self, count: int) -> None:
        self.reserved = max(self.reserved - count, 0)
        self._slot_freed.set()

    def accept(self, job: WorkerJob) -> None:
        self.reserved = max(self.reserved - 1, 0)
        self._start(job)

    def kill(self, task_run_id: str) -> None:
        entry = self.running.get(task_run_id)
        if entry is not None:
            entry[1].set()

    def kill_execution(self, execution_id: str) -> None:
        for task_run_id, (_, event) in list(self.running.items()):
            if self._execution_of.get(task_run_id) == execution_id:
                event.set()

    # ------------------------------------------------------------------ one attempt
    def _task(self, definition: dict[str, Any]) -> RunnableTask:
        key = repr(definition)
        task = self._task_cache.get(key)
        if task is None:
            cls = self.registry.task_type(definition.get("type", ""))
            if cls is None:
                raise TaskFailure(f"unknown task type {definition.get('type')!r} on this worker", retryable=False)
            try:
                model = cls.model_validate(definition)
            except ValidationError as exc:
                raise TaskFailure(f"invalid task definition: {exc}", retryable=False) from exc
            if not isinstance(model, RunnableTask):
                raise TaskFailure(f"task type {definition.get('type')!r} cannot run on a worker", retryable=False)
            task = model
            if len(self._task_cache) > 2048:
                self._task_cache.clear()
            self._task_cache[key] = task
        return task

    async def execute(self, job: WorkerJob, kill: asyncio.Event) -> None:
        payload = job.payload
        variables = payload["variables"]
        if job.attempt > 1 and isinstance(variables.get("taskrun"), dict):
            # a retry reuses the first attempt's job: count the attempts made before this one
            variables = {**variables, "taskrun": {**variables["taskrun"], "attemptsCount": job.attempt - 1}}
        masker = Masker()
        template = LogEntry(
            job.execution_id,
            "INFO",
            "",
            self.clock(),
            payload["namespace"],
            payload["flowId"],
            payload["taskId"],
            job.task_run_id,
            job.attempt,
        )
        definition = payload["task"]
        logger = AttemptLogger(template, masker, self.clock, definition.get("logLevel"))
        ctx = WorkerRunContext(
            execution_id=job.execution_id,
            task_run_id=job.task_run_id,
            task_id=payload["taskId"],
            attempt=job.attempt,
            namespace=payload["namespace"],
            flow_id=payload["flowId"],
            variables=variables,
            renderer=self.renderer,
            secrets=self.secrets,
            logger=logger,
            masker=masker,
            files=self.files,
            store=self.store,
            work_root=self.work_root,
            kill_event=kill,
            secret_inputs=payload.get("secretInputs"),
            registry=self.registry,
        )
        started = self.clock()
        attempt = Attempt(number=job.attempt, state=State.RUNNING, worker_id=self.id)
        attempt.set_state(State.RUNNING, started)
        outputs: dict[str, Any] | None = None
        state = State.SUCCESS
        retryable = True
        flushed = asyncio.Event()
        flusher = asyncio.create_task(self._flush_logs(logger, flushed))
        try:
            task = self._task(definition)
            replacement = self.stand_in(job) if self.stand_in is not None else None
            outputs = await self._run_attempt(task, ctx, kill, replacement)
            if ctx.warning is not None:
                state = State.WARNING
        except _Killed:
            state = State.KILLED
            logger.warning("attempt killed")
        except TaskFailure as exc:
            state = State.FAILED
            retryable = exc.retryable
            attempt.error = str(exc)
            logger.error(str(exc))
        except LannerError as exc:
            state = State.FAILED
            attempt.error = f"task {payload['taskId']!r}: {exc}" if isinstance(exc, ExpressionError) else str(exc)
            logger.error(attempt.error)
        except Exception as exc:  # a task bug is the task's failure, not the worker's
            state = State.FAILED
            attempt.error = f"{type(exc).__name__}: {exc}"
            logger.error(f"task raised {type(exc).__name__}: {exc}")
            log.debug("task %s failed", payload["taskId"], exc_info=True)
        finally:
            flushed.set()
            await flusher  # a write in progress ends first
            await ctx.cleanup()
        reason = self._handing_back.pop(job.task_run_id, None)
        if reason is not None and state == State.KILLED:
            await self._leave(job, logger, reason)
            return
        attempt.metrics = ctx.metrics
        ended = self.clock()
        attempt.set_state(state, ended)
        if self.on_attempt_end is not None:
            try:
                self.on_attempt_end(definition.get("type", ""), state, (ended - started).total_seconds())
            except Exception:  # an observer's bug must not lose the attempt's result
                log.exception("attempt observer failed")
        masked = cast("dict[str, Any] | None", masker.deep(outputs) if outputs else outputs)
        result = JobResult(state=state, attempt=attempt, outputs=masked, labels=ctx.labels or None)
        if state == State.FAILED:
            self._apply_retry(result, payload, job, retryable, started)
        elif state == State.SUCCESS and job.attempt > 1 and (payload.get("retry") or {}).get("warningOnRetry"):
            result.state = State.WARNING
        if result.state in (State.FAILED, State.WARNING):
            result.state = _final(definition, result.state)
        if ctx.task_runs and result.state is not State.RETRYING:
            # a retried attempt's would be duplicated by the next one's: only the last keeps them
            result.task_runs = dynamic_task_runs(ctx.task_runs, job, self.id, ended, masker.deep)
        accepted = await self._report(FinishedAttempt(job, result, logger.drain()))
        if accepted is False:
            log.warning(
                "result of task run %s attempt %s rejected: the job was handed to another worker", job.task_run_id, job.attempt
            )

    async def _report(self, finished: FinishedAttempt) -> bool | None:
        """Write the attempt's result, retrying while the database is away; None if it stayed
        away for ``dead_after`` (the job is then handed back: others may run it already)."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.dead_after
        delay = 0.1
        while True:
            try:
                return await self._reports.add(finished)
            except Exception:
                # A retry is safe: the finish is fenced, a second one of a written result is rejected.
                if loop.time() + delay > give_up:
                    log.exception("could not record the result of task run %s; handing it back", finished.job.task_run_id)
                    self._to_release.append((finished.job.task_run_id, finished.job.attempt))
                    return None
                log.warning("could not record the result of task run %s yet; retrying", finished.job.task_run_id)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _leave(self, job: WorkerJob, logger: AttemptLogger, reason: str) -> None:
        """A handed-back attempt: its logs say why, its job goes back to the queue."""
        logger.warning(f"attempt handed back: {reason}; it runs again as a new attempt")
        self._to_release.append((job.task_run_id, job.attempt))
        with contextlib.suppress(Exception):  # best effort: the heartbeat retries the release
            await self.store.append_logs(logger.drain())
            await self._release_handed_back()

    async def _run_attempt(
        self,
        task: RunnableTask,
        ctx: WorkerRunContext,
        kill: asyncio.Event,
        replacement: Callable[[WorkerRunContext], Awaitable[Mapping[str, Any] | None]] | None = None,
    ) -> dict[str, Any] | None:
        run = asyncio.ensure_future(replacement(ctx) if replacement is not None else task.run(ctx))
        killer = asyncio.ensure_future(kill.wait())
        timeout = task.timeout.total_seconds() if task.timeout else None
        try:
            done, _ = await asyncio.wait({run, killer}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            killer.cancel()
        if run in done:
            result = run.result()
            return dict(result) if result is not None else None
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await run
        if kill.is_set():
            raise _Killed
        raise TaskTimeout(f"task {task.id!r} timed out after {task.timeout}")

    def _apply_retry(
        self, result: JobResult, payload: dict[str, Any], job: WorkerJob, retryable: bool, started: datetime
    ) -> None:
        raw = payload.get("retry")
        if not raw or not retryable:
            return
        policy = _retry_adapter.validate_python(raw)
        first_start = datetime.fromisoformat(payload["firstAttemptAt"]) if payload.get("firstAttemptAt") else started
        elapsed = self.clock() - first_start
        if policy.allows(job.attempt, elapsed):
            result.state = State.RETRYING
            result.retry_at = self.clock() + policy.delay(job.attempt)
            heapq.heappush(self._retries_due, result.retry_at)
            payload.setdefault("firstAttemptAt", first_start.isoformat())

    async def _flush_logs(self, logger: AttemptLogger, done: asyncio.Event) -> None:
        """Write the attempt's logs every ``log_flush_interval`` until ``done``; the last lines go
        with the result. Stopped by ``done``, never cancelled: a write cancelled midway would
        lose the lines it had taken from the buffer."""
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self.log_flush_interval)
            if done.is_set():
                return
            entries = logger.drain()
            if entries:
                try:
                    await self.store.append_logs(entries)
                except Exception:
                    log.exception("could not write task logs")
                    logger.buffer[:0] = entries


async def _first_of(*waits: Coroutine[Any, Any, Any]) -> None:
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


class _Killed(Exception):
    pass


def _final(definition: dict[str, Any], state: State) -> State:
    if state == State.FAILED and definition.get("allowFailure"):
        return State.WARNING
    if state == State.WARNING and definition.get("allowWarning"):
        return State.SUCCESS
    return state
