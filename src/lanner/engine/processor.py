"""The executor's work on one execution: load, decide, persist.

Given an execution and its task runs (locked by the executor transaction), apply the user
actions (kill, resume, restart…), admit it past concurrency limits, then advance it: ask
each flowable what to start, start work tasks (as worker jobs), subflows and pauses, and end
the execution when its root sequence, `errors` and `finally` are over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lanner.engine.dispatch import LocalDispatch
from lanner.engine.flow_index import FlowCache, FlowIndex
from lanner.engine.group_fallback import group_fallback
from lanner.engine.kv_function import Reader, kv_function, mentions_kv, render_with_kv
from lanner.engine.secrets import SecretBackend, flow_envs
from lanner.engine.task_logs import Masker
from lanner.engine.variables import ExecutionView
from lanner.errors import LannerError
from lanner.expressions import Renderer, render_function
from lanner.models.execution import Attempt, Execution, LogEntry, TaskRun
from lanner.models.ids import new_id
from lanner.models.input_values import resolve_inputs
from lanner.models.state import RESTARTABLE, State
from lanner.storage.ports import ClaimedExecution, ExecutorTx, WorkerJob
from lanner.tasks.base import ExecutableTask, FlowableTask, RunnableTask, Task
from lanner.tasks.core.pause import Pause
from lanner.tasks.core.subflow import Subflow
from lanner.tasks.flowable import ChildRun, NewRun, Plan, finish_with_handlers, index, run_sequence
from lanner.tasks.flowable_utils import is_truthy

__all__ = ["Processor", "final_state"]

log = logging.getLogger(__name__)

_LIVE = (State.RUNNING, State.PAUSED, State.KILLING, State.RETRYING)
#: how long an admission (or a release) waits when another executor holds the flow's lock
FLOW_LOCK_RETRY = timedelta(milliseconds=100)


def final_state(task: Task, state: State) -> State:
    """Apply ``allowFailure`` / ``allowWarning`` to a task's own outcome."""
    if state == State.FAILED and task.allowFailure:
        return State.WARNING
    if state == State.WARNING and task.allowWarning:
        return State.SUCCESS
    return state


@dataclass
class _FlowableView:
    """What a flowable sees of its own task run (see ``lanner.tasks.flowable.FlowableView``)."""

    run: TaskRun
    kids: list[ChildRun]
    renderer: Renderer
    variables: Callable[[], dict[str, Any]]
    functions: dict[str, Callable[..., Any]]
    now: datetime
    value: str | None = field(init=False)
    meta: dict[str, Any] = field(init=False)
    outputs_changed: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.value = self.run.value
        self.meta = self.run.meta

    def set_outputs(self, outputs: dict[str, Any]) -> None:
        self.run.outputs = outputs
        self.outputs_changed = True

    def children(self) -> Sequence[ChildRun]:
        return self.kids

    def render(self, value: Any) -> Any:
        variables = self.variables()
        functions = {**self.functions, "render": render_function(self.renderer, variables, self.functions)}
        if isinstance(value, str):
            return self.renderer.render_typed(value, variables, functions)
        return self.renderer.render_value(value, variables, functions)


class Processor:
    """Processes claimed executions inside one executor transaction."""

    def __init__(
        self,
        tx: ExecutorTx,
        flows: FlowCache,
        renderer: Renderer,
        functions: dict[str, Callable[..., Any]],
        clock: Callable[[], datetime],
        dispatch: LocalDispatch | None = None,
        *,
        kv_read: Reader | None = None,
        secrets: SecretBackend | None = None,
        worker_groups: frozenset[str] | None = None,
    ) -> None:
        self.tx = tx
        #: the worker groups live workers serve (None: unknown), for ``workerGroup.fallback``
        self.worker_groups = worker_groups
        self.kv_read = kv_read
        self.secrets = secrets
        self._masker: Masker | None = None
        self._uses_kv: dict[int, bool] = {}
        self.dispatch = dispatch
        #: jobs claimed in this transaction for the local worker, handed over after commit
        self.assigned: list[WorkerJob] = []
        #: executions being killed: the local worker stops their attempts at once after commit
        self.killing: list[str] = []
        self.flows = flows
        self.renderer = renderer
        self.functions: dict[str, Callable[..., Any]] = {**functions, "secret": self._secret}
        if "envs" not in functions:
            self.functions["envs"] = flow_envs()  # type: ignore[assignment]  # a variable, passed with the functions
        self._secret_of = functions.get("secret")
        self.clock = clock
        self.logs: list[LogEntry] = []
        #: (execution id, action) requests to send once the transaction committed
        self.requests: list[tuple[str, str]] = []
        #: executions that reached a terminal state in this transaction
        self.finished: list[Execution] = []
        #: the earliest delayed wake-up this batch queued (the executor sleeps no longer)
        self.earliest_wake: datetime | None = None

    # ------------------------------------------------------------------ entry point
    async def wake_later(self, execution_id: str, at: datetime) -> None:
        """Queue a delayed message for the execution (a pause's delay, a loop's interval…)."""
        await self.tx.notify(execution_id, at)
        if self.earliest_wake is None or at < self.earliest_wake:
            self.earliest_wake = at

    async def process(self, claimed: ClaimedExecution) -> None:
        ex = claimed.execution
        try:
            flow = await self.flows.get(ex.namespace, ex.flow_id, ex.flow_revision)
        except LannerError as exc:
            if not ex.state.is_terminal:
                self._log(ex, None, "ERROR", f"cannot load the flow: {exc}")
                ex.set_state(State.FAILED, self.clock())
                await self.tx.save(ex, [])
                self.finished.append(ex)
            return
        work = _Work(self, ex, claimed.task_runs, flow)
        await work.run(claimed.actions)

    @property
    def masker(self) -> Masker:
        """Every secret the backend knows and every one read here, masked in logs and outputs."""
        if self._masker is None:
            self._masker = Masker(self.secrets.known_values() if self.secrets is not None else ())
        return self._masker

    def _secret(self, name: str) -> str:
        if self._secret_of is None:
            raise LannerError("secret() is not available")
        value: str = self._secret_of(name)
        self.masker.add(value)
        return value

    def uses_kv(self, task: Task, definition: dict[str, Any]) -> bool:
        found = self._uses_kv.get(id(task))
        if found is None:
            found = self._uses_kv[id(task)] = self.kv_read is not None and mentions_kv(definition)
        return found

    def _log(self, ex: Execution, run: TaskRun | None, level: str, message: str) -> None:
        self.logs.append(
            LogEntry(
                execution_id=ex.id,
                level=level,
                message=self.masker(message),
                timestamp=self.clock(),
                namespace=ex.namespace,
                flow_id=ex.flow_id,
                task_id=run.task_id if run else None,
                task_run_id=run.id if run else None,
                attempt=len(run.attempts) if run and run.attempts else None,
            )
        )


class _Work:
    """One execution being processed."""

    def __init__(self, proc: Processor, ex: Execution, runs: list[TaskRun], flow: FlowIndex) -> None:
        self.p = proc
        self.ex = ex
        self.flow = flow
        self.view = ExecutionView(ex, runs, flow)
        self.dirty: dict[str, TaskRun] = {}
        self.jobs: list[WorkerJob] = []
        #: dynamic task runs of restarted task runs, deleted with this pass's writes
        self.deleted: list[str] = []
        self.ex_changed = False
        #: the state stored when claimed: whether the execution's row counts against its limit
        self.claimed_state = ex.state
        #: a task's ``workerGroup.fallback: CANCEL`` kills the execution at the end of this pass
        self.cancelling = False
        self.seq = max((run.seq for run in runs), default=0)
        self.children: dict[str | None, list[TaskRun]] = {}
        self.functions = proc.functions
        if proc.kv_read is not None:
            kv = kv_function(proc.kv_read, ex.namespace, asyncio.get_running_loop())
            self.functions = {**proc.functions, "kv": kv}
        for run in sorted(runs, key=lambda r: r.seq):
            self.children.setdefault(run.parent_id, []).append(run)

    @property
    def now(self) -> datetime:
        return self.p.clock()

    # ------------------------------------------------------------------ flow of one pass
    async def run(self, actions: list[tuple[str, dict[str, Any]]]) -> None:
        for action, payload in actions:
            await self.apply_action(action, payload)
        ex = self.ex
        if ex.state in (State.CREATED, State.QUEUED):
            await self.admit()
        elif ex.state.is_terminal and self.claimed_state.is_terminal and self.flow.flow.concurrency is not None:
            await self.release_slot(self.flow.flow.concurrency.limit)  # a release that found the lock taken
        if ex.state == State.KILLING:
            await self.kill()
        elif ex.state in (State.RUNNING, State.PAUSED):
            await self.advance()
            if self.cancelling and not ex.state.is_terminal:
                self.set_ex_state(State.KILLING)
                await self.kill()
        if self.deleted:
            await self.p.tx.delete_task_runs(self.deleted)
        if self.ex_changed or self.dirty or self.jobs:
            await self.p.tx.save(ex, list(self.dirty.values()), self.jobs)
        if ex.state.is_terminal and self.ex_changed:
            self.p.finished.append(ex)

    def set_ex_state(self, state: State) -> None:
        if self.ex.state != state:
            self.ex.set_state(state, self.now)
            self.ex_changed = True

    def set_run_state(self, run: TaskRun, state: State) -> None:
        if run.state != state:
            run.set_state(state, self.now)
            self.dirty[run.id] = run
            if state.is_terminal and run.outputs is not None:
                self.view.changed()

    # ------------------------------------------------------------------ actions
    async def apply_action(self, action: str, payload: dict[str, Any]) -> None:
        ex = self.ex
        if action == "kill":
            if ex.state.is_terminal:
                return
            if ex.state in (State.CREATED, State.QUEUED):
                self.set_ex_state(State.KILLED)
                await self.on_end()
            else:
                self.set_ex_state(State.KILLING)
        elif action == "resume":
            for run in self.view.runs.values():
                if run.state == State.PAUSED:
                    run.outputs = {"onResume": payload.get("inputs") or {}} if payload.get("inputs") else run.outputs
                    self.set_run_state(run, State.SUCCESS)
            if ex.state == State.PAUSED:
                self.set_ex_state(State.RUNNING)
        elif action == "restart":
            if ex.state not in RESTARTABLE or ex.state == State.SUCCESS:
                return
            self.restart()
        elif action == "change_state":
            target = self.view.runs.get(payload.get("taskRunId", ""))
            if target is None or target.dynamic:
                return
            self.set_run_state(target, State(payload["state"]))
            # the containers around it ended on the old state: they run again to work theirs out
            parent = self.view.runs.get(target.parent_id) if target.parent_id else None
            while parent is not None:
                if parent.state.is_terminal:
                    self.set_run_state(parent, State.RUNNING)
                parent = self.view.runs.get(parent.parent_id) if parent.parent_id else None
            if ex.state.is_terminal:
                self.set_ex_state(State.RUNNING)
        elif action == "wake":
            return
        else:
            self.p._log(ex, None, "WARN", f"unknown action {action!r} ignored")

    def restart(self) -> None:
        """Run the failed task runs again; successful ones are kept. A runnable task run that
        runs again loses its dynamic task runs: its new attempt reports its own."""
        for run in sorted(self.view.runs.values(), key=lambda r: r.seq):
            if run.state not in (State.FAILED, State.KILLED, State.CANCELLED) or run.dynamic:
                continue
            task = self.flow.tasks.get(run.task_id)
            if task is None:
                continue
            if isinstance(task, FlowableTask):
                self.set_run_state(run, State.RUNNING)
            elif isinstance(task, RunnableTask):
                self.drop_dynamic_children(run)
                self.set_run_state(run, State.CREATED)
                self.queue_job(run, task)
            else:
                run.meta.pop("child", None)
                self.set_run_state(run, State.CREATED)
        self.set_ex_state(State.RUNNING)

    def drop_dynamic_children(self, run: TaskRun) -> None:
        kids = self.children.get(run.id)
        if not kids:
            return
        gone = [kid for kid in kids if kid.dynamic]
        if gone:
            self.children[run.id] = [kid for kid in kids if not kid.dynamic]
            self.view.remove(kid.id for kid in gone)
            self.deleted.extend(kid.id for kid in gone)

    # ------------------------------------------------------------------ admission
    async def admit(self) -> None:
        start_at = self.ex.meta.get("startAt")  # a flow-level retry waits for its delay
        if start_at is not None and self.ex.state == State.CREATED:
            due = datetime.fromisoformat(start_at)
            if due > self.now:
                await self.p.wake_later(self.ex.id, due)
                return
        concurrency = self.flow.flow.concurrency
        if concurrency is not None:
            if not await self.p.tx.lock_flow(self.ex.namespace, self.ex.flow_id):
                await self.p.wake_later(self.ex.id, self.now + FLOW_LOCK_RETRY)  # another executor admits
                return
            running = await self.p.tx.running_count(self.ex.namespace, self.ex.flow_id)
            if running >= concurrency.limit:
                if concurrency.behavior == "QUEUE":
                    self.set_ex_state(State.QUEUED)
                    return
                self.p._log(
                    self.ex,
                    None,
                    "WARN",
                    f"concurrency limit {concurrency.limit} reached: execution {concurrency.behavior.lower()}ed",
                )
                self.set_ex_state(State.CANCELLED if concurrency.behavior == "CANCEL" else State.FAILED)
                await self.on_end()
                return
        self.set_ex_state(State.RUNNING)

    # ------------------------------------------------------------------ kill
    async def kill(self) -> None:
        self.p.killing.append(self.ex.id)
        for task_run_id in await self.p.tx.kill_jobs(self.ex.id):
            run = self.view.runs.get(task_run_id)
            if run is not None and not run.state.is_terminal:
                self.set_run_state(run, State.KILLED)
        changed = True
        while changed:
            changed = False
            for run in self.view.runs.values():
                if run.state.is_terminal:
                    continue
                task = self.flow.tasks.get(run.task_id)
                if isinstance(task, RunnableTask) and run.state in (State.RUNNING, State.RETRYING) and run.attempts:
                    continue  # its worker reports KILLED
                if isinstance(task, Subflow) and run.meta.get("child") and run.state == State.RUNNING:
                    if not run.meta.get("kill_sent"):
                        run.meta["kill_sent"] = True
                        self.dirty[run.id] = run
                        self.p.requests.append((run.meta["child"], "kill"))
                    child = await self.p.tx.load(run.meta["child"])
                    if child is None or child.execution.state.is_terminal:
                        self.set_run_state(run, State.KILLED)
                        changed = True
                    continue
                if all(kid.state.is_terminal for kid in self.children.get(run.id, [])):
                    self.set_run_state(run, State.KILLED)
                    changed = True
        if all(run.state.is_terminal for run in self.view.runs.values()):
            self.set_ex_state(State.KILLED)
            await self.on_end()

    # ------------------------------------------------------------------ advance
    async def advance(self) -> None:
        progress = True
        rounds = 0
        while progress and not self.ex.state.is_terminal and not self.cancelling:
            rounds += 1
            progress = await self.advance_once()
            if rounds > 10_000:
                raise RuntimeError("executor did not converge")
        if not self.ex.state.is_terminal:
            paused = any(run.state == State.PAUSED for run in self.view.runs.values())
            self.set_ex_state(State.PAUSED if paused else State.RUNNING)

    async def advance_once(self) -> bool:
        progress = False
        for run in sorted(self.view.runs.values(), key=lambda r: r.seq):
            if run.state.is_terminal:
                continue
            task = self.flow.tasks.get(run.task_id)
            if task is None:
                self.p._log(self.ex, run, "ERROR", f"task {run.task_id!r} is not in flow revision {self.flow.revision}")
                self.set_run_state(run, State.FAILED)
                progress = True
            elif isinstance(task, FlowableTask) and run.state == State.RUNNING:
                if self.p.uses_kv(task, self.flow.definition(task)):
                    plan = await render_with_kv(lambda: self.plan_flowable(run, task))  # noqa: B023 - awaited at once
                else:
                    plan = self.plan_flowable(run, task)
                if plan.wake_at is not None and run.meta.get("wakeAt") != plan.wake_at.isoformat():
                    run.meta["wakeAt"] = plan.wake_at.isoformat()
                    self.dirty[run.id] = run
                    await self.p.wake_later(self.ex.id, plan.wake_at)
                for new in plan.start:
                    await self.start(new, run)
                    progress = True
                if plan.state is not None:
                    self.set_run_state(run, final_state(task, plan.state))
                    progress = True
            elif isinstance(task, Subflow):
                progress |= await self.step_subflow(run, task)
            elif isinstance(task, Pause):
                progress |= await self.step_pause(run, task)
        root = self.root_plan()
        for new in root.start:
            await self.start(new, None)
            progress = True
        if root.state is not None:
            await self.end(root.state)
            progress = True
        return progress

    def child_runs(self, parent_id: str | None) -> list[ChildRun]:
        return [ChildRun(r.task_id, r.value, r.state, r.outputs) for r in self.children.get(parent_id, [])]

    def root_plan(self) -> Plan:
        runs = index(self.child_runs(None))
        main = run_sequence(self.flow.main, runs)
        return finish_with_handlers(main, self.flow.errors, self.flow.finally_, runs)

    def plan_flowable(self, run: TaskRun, task: FlowableTask) -> Plan:
        view = _FlowableView(
            run, self.child_runs(run.id), self.p.renderer, lambda: self.view.for_task_run(run), self.functions, self.now
        )
        meta_before = dict(run.meta)
        try:
            plan = task.plan(view)
        except LannerError as exc:
            self.p._log(self.ex, run, "ERROR", f"task {task.id!r}: {exc}")
            return Plan(state=State.FAILED)
        if run.meta != meta_before or view.outputs_changed:
            self.dirty[run.id] = run
        if view.outputs_changed:
            self.view.changed()
        return plan

    # ------------------------------------------------------------------ starting task runs
    async def start(self, new: NewRun, parent: TaskRun | None) -> TaskRun:
        task = new.task
        self.seq += 1
        run = TaskRun(
            id=new_id(),
            execution_id=self.ex.id,
            task_id=task.id,
            state=State.CREATED,
            parent_id=parent.id if parent else None,
            value=new.value,
            iteration=new.iteration,
            seq=self.seq,
        )
        run.set_state(State.CREATED, self.now)
        self.view.add(run)
        self.children.setdefault(run.parent_id, []).append(run)
        self.dirty[run.id] = run
        if task.disabled:
            self.set_run_state(run, State.SKIPPED)
            return run
        if task.runIf is not None:
            try:
                condition = task.runIf if isinstance(task.runIf, bool) else await self.render(task.runIf, run)
            except LannerError as exc:
                self.p._log(self.ex, run, "ERROR", f"task {task.id!r}, runIf: {exc}")
                self.set_run_state(run, final_state(task, State.FAILED))
                return run
            if not is_truthy(condition):
                self.set_run_state(run, State.SKIPPED)
                return run
        if isinstance(task, FlowableTask):
            self.set_run_state(run, State.RUNNING)
        elif isinstance(task, RunnableTask):
            self.queue_job(run, task)
        elif isinstance(task, ExecutableTask):
            pass  # started by step_subflow / step_pause in this same pass
        return run

    async def render(self, template: Any, run: TaskRun | None) -> Any:
        variables = self.view.for_task_run(run)
        renderer = self.p.renderer
        functions = {**self.functions, "render": render_function(renderer, variables, self.functions)}

        def render() -> Any:
            if isinstance(template, str):
                return renderer.render_typed(template, variables, functions)
            return renderer.render_value(template, variables, functions)

        if self.p.kv_read is not None and mentions_kv(template):
            return await render_with_kv(render)
        return render()

    def queue_job(self, run: TaskRun, task: RunnableTask) -> None:
        """Queue the task's worker job, unless no live worker serves its group and its
        ``workerGroup.fallback`` says to fail or cancel it instead (see ``group_fallback``)."""
        fallback = group_fallback(task.workerGroup, self.p.worker_groups)
        if fallback is not None:
            self.p._log(self.ex, run, fallback.level, fallback.message)
            if fallback.state is not None:
                self.set_run_state(run, final_state(task, fallback.state))
                self.cancelling |= fallback.kill_execution
                return
        self.jobs.append(self.make_job(run, task))

    def make_job(self, run: TaskRun, task: RunnableTask) -> WorkerJob:
        needed = self.flow.needed_outputs(task, self.p.renderer)
        variables = self.view.for_task_run(run, self.view.outputs(needed) if needed is not None else None)
        flow_retry = self.flow.flow.retry
        retry = task.retry or (flow_retry if flow_retry is not None and flow_retry.behavior == "RETRY_FAILED_TASK" else None)
        payload = {
            "task": self.flow.definition(task),
            "variables": variables,
            "retry": retry.model_dump(mode="json") if retry is not None else None,
            "namespace": self.ex.namespace,
            "flowId": self.ex.flow_id,
            "taskId": task.id,
        }
        group = task.workerGroup.key if task.workerGroup else None
        job = WorkerJob(task_run_id=run.id, execution_id=self.ex.id, attempt=0, payload=payload, worker_group=group)
        dispatch = self.p.dispatch
        if dispatch is not None and dispatch.reserve(group):
            # Claimed here for this process's worker: one transaction less per task. If the
            # process dies, the job is handed back like any job of a dead worker.
            job.worker_id = dispatch.worker_id
            job.attempt = len(run.attempts) + 1
            attempt = Attempt(number=job.attempt, state=State.RUNNING, worker_id=dispatch.worker_id)
            attempt.set_state(State.RUNNING, self.now)
            run.attempts.append(attempt)
            self.set_run_state(run, State.RUNNING)
            self.p.assigned.append(job)
        return job

    # ------------------------------------------------------------------ executable tasks
    async def step_subflow(self, run: TaskRun, task: Subflow) -> bool:
        if run.state == State.CREATED:
            return await self.start_subflow(run, task)
        child_id = run.meta.get("child")
        if run.state != State.RUNNING or not child_id:
            return False
        child = await self.p.tx.load(child_id)
        if child is None:
            self.p._log(self.ex, run, "ERROR", f"subflow execution {child_id} disappeared")
            self.set_run_state(run, final_state(task, State.FAILED))
            return True
        if not child.execution.state.is_terminal:
            return False
        state = child.execution.state
        run.outputs = {"executionId": child_id, "state": state.value, "outputs": child.execution.outputs or {}}
        if state.is_failed and not task.transmitFailed:
            state = State.SUCCESS
        self.set_run_state(run, final_state(task, state))
        self.dirty[run.id] = run
        self.view.changed()
        return True

    async def start_subflow(self, run: TaskRun, task: Subflow) -> bool:
        try:
            child_flow = await self.p.flows.get(task.namespace, task.flowId, task.revision)
            raw_inputs = await self.render(task.inputs or {}, run)
            inputs = resolve_inputs(child_flow.flow.inputs or [], raw_inputs)
            labels = dict(self.ex.labels) if task.inheritLabels else {}
            labels.update(child_flow.flow.label_map())
            labels.update(await self.render(task.label_map(), run))
        except LannerError as exc:
            self.p._log(self.ex, run, "ERROR", f"cannot start subflow {task.namespace}.{task.flowId}: {exc}")
            self.set_run_state(run, final_state(task, State.FAILED))
            return True
        child = Execution(
            id=new_id(),
            namespace=task.namespace,
            flow_id=task.flowId,
            flow_revision=child_flow.revision,
            state=State.CREATED,
            inputs=inputs,
            labels={str(k): str(v) for k, v in labels.items()},
            variables=dict(child_flow.flow.variables or {}),
            trigger={
                "id": task.id,
                "type": task.canonical_type(),
                "variables": {
                    "executionId": self.ex.id,
                    "namespace": self.ex.namespace,
                    "flowId": self.ex.flow_id,
                    "flowRevision": self.ex.flow_revision,
                },
            },
            parent_id=self.ex.id,
            parent_task_run_id=run.id,
            created=self.now,
        )
        child.set_state(State.CREATED, self.now)
        await self.p.tx.create_execution(child)
        run.meta["child"] = child.id
        self.p._log(self.ex, run, "INFO", f"started subflow execution {child.id} of {task.namespace}.{task.flowId}")
        if task.wait:
            self.set_run_state(run, State.RUNNING)
        else:
            run.outputs = {"executionId": child.id}
            self.set_run_state(run, final_state(task, State.SUCCESS))
            self.view.changed()
        return True

    async def step_pause(self, run: TaskRun, task: Pause) -> bool:
        if run.state == State.CREATED:
            self.set_run_state(run, State.PAUSED)
            duration = task.duration()
            if duration is not None:
                resume_at = self.now + duration
                run.meta["resumeAt"] = resume_at.isoformat()
                await self.p.wake_later(self.ex.id, resume_at)
            return True
        if run.state == State.PAUSED and "resumeAt" in run.meta and datetime.fromisoformat(run.meta["resumeAt"]) <= self.now:
            outcome = {"RESUME": State.SUCCESS, "WARN": State.WARNING, "FAIL": State.FAILED, "CANCEL": State.CANCELLED}
            self.set_run_state(run, final_state(task, outcome[task.behavior]))
            return True
        return False

    # ------------------------------------------------------------------ end of the execution
    async def end(self, state: State) -> None:
        flow = self.flow.flow
        if flow.outputs:
            outputs: dict[str, Any] = {}
            for output in flow.outputs:
                try:
                    outputs[output.id] = await self.render(output.value, None)
                except LannerError as exc:
                    if output.required:
                        self.p._log(self.ex, None, "ERROR", f"flow output {output.id!r}: {exc}")
                        state = State.FAILED if not state.is_failed else state
            self.ex.outputs = self.p.masker.deep(outputs) if self.p.masker else outputs  # type: ignore[assignment]
        self.set_ex_state(state)
        if state == State.FAILED:
            await self.retry_as_new_execution()
        await self.on_end()

    async def retry_as_new_execution(self) -> None:
        """Flow ``retry`` with ``behavior: CREATE_NEW_EXECUTION``: a failed execution starts a
        new one of the same revision, inputs and labels, after the policy's delay."""
        policy = self.flow.flow.retry
        if policy is None or policy.behavior != "CREATE_NEW_EXECUTION":
            return
        ex = self.ex
        if ex.parent_id:  # a subflow's failure goes to its parent task, whose own retry applies
            return
        attempt = int(ex.meta.get("attemptNumber", 1))
        first_created = datetime.fromisoformat(ex.meta.get("originalCreated", ex.created.isoformat()))
        if not policy.allows(attempt, self.now - first_created):
            return
        start_at = self.now + policy.delay(attempt)
        retry = Execution(
            id=new_id(),
            namespace=ex.namespace,
            flow_id=ex.flow_id,
            flow_revision=ex.flow_revision,
            state=State.CREATED,
            inputs=dict(ex.inputs),
            labels=dict(ex.labels),
            variables=dict(ex.variables),
            trigger=ex.trigger,
            original_id=ex.original_id or ex.id,
            created=self.now,
            meta={"attemptNumber": attempt + 1, "originalCreated": first_created.isoformat(), "startAt": start_at.isoformat()},
        )
        retry.set_state(State.CREATED, self.now)
        await self.p.tx.create_execution(retry)
        ex.meta["retriedBy"] = retry.id
        self.p._log(
            ex, None, "INFO", f"flow retry: execution {retry.id} (attempt {attempt + 1}) starts at {start_at.isoformat()}"
        )

    async def on_end(self) -> None:
        if self.ex.parent_id:
            await self.p.tx.notify(self.ex.parent_id)
        concurrency = self.flow.flow.concurrency
        if concurrency is not None:
            await self.release_slot(concurrency.limit)

    async def release_slot(self, limit: int) -> None:
        """Wake as many of the oldest QUEUED executions as there are free slots (each is
        admitted, or queued again, by whichever executor claims it). Under the flow's lock, so
        that an admission that queued an execution is committed (and seen here) or sees this
        execution ended. Without the lock, this execution is woken again later to retry: the
        terminal pass in ``run`` calls this again."""
        ex = self.ex
        if not await self.p.tx.lock_flow(ex.namespace, ex.flow_id):
            await self.p.wake_later(ex.id, self.now + FLOW_LOCK_RETRY)
            return
        running = await self.p.tx.running_count(ex.namespace, ex.flow_id)
        if self.claimed_state in _LIVE:
            running -= 1  # this execution's row still counts: it is saved after this pass
        free = limit - running
        if free > 0:
            for queued in await self.p.tx.oldest_queued(ex.namespace, ex.flow_id, free):
                await self.p.tx.notify(queued)
