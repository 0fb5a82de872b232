"""Storage ports: what the engine needs from a backend, as Protocols.

The engine imports only this module. Adapters (``lanner.storage.sql``) implement it for
SQLite and PostgreSQL; one contract test suite (tests/integration/test_store_contract.py)
runs against each.

Who writes what:
- the executor (inside ``executor_transaction``) creates executions' task runs, resolves
  flowable ones, and ends executions;
- a worker claims jobs (task run -> RUNNING, new attempt) and finishes them (task run ->
  terminal or RETRYING), fenced by job ownership so a superseded worker's late result is
  rejected; each finish queues a message that wakes the executor for that execution. A finish
  may also insert the task run's dynamic task runs (``JobResult.task_runs``): the only task
  runs a worker creates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from lanner.models.execution import Attempt, Execution, LogEntry, TaskRun
from lanner.models.state import State

__all__ = [
    "EXECUTION_SORT_FIELDS",
    "FLOW_SORT_FIELDS",
    "FLOW_TEXT_OPERATIONS",
    "ClaimedExecution",
    "ExecutionBucket",
    "ExecutionQuery",
    "ExecutorTx",
    "FinishedAttempt",
    "FlowChanges",
    "FlowHead",
    "FlowSearch",
    "LatestExecution",
    "JobResult",
    "KVEntry",
    "LogPurge",
    "Page",
    "PurgedExecution",
    "PurgeQuery",
    "StatisticsUnit",
    "Store",
    "StoreStats",
    "StoredFlow",
    "TriggerCommit",
    "TriggerEvent",
    "TriggerState",
    "WorkerJob",
]


@dataclass(frozen=True, slots=True)
class StoredFlow:
    namespace: str
    id: str
    revision: int
    source: str
    deleted: bool = False
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class FlowHead:
    """The latest revision of a deployed flow, without its source (``Store.flow_heads``)."""

    namespace: str
    id: str
    revision: int
    #: the source contains the word ``triggers``: a flow without it declares no trigger
    mentions_triggers: bool


@dataclass(frozen=True, slots=True)
class FlowChanges:
    """What ``Store.save_flows`` did: the latest revision of each flow given, and the flows deleted."""

    saved: list[StoredFlow] = field(default_factory=list)
    deleted: list[StoredFlow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Counts for monitoring."""

    #: executions per state name
    executions: dict[str, int] = field(default_factory=dict)
    #: executor messages not processed yet (due or delayed)
    executor_messages: int = 0
    #: worker jobs not claimed yet (due or waiting for a retry), and claimed ones
    jobs_waiting: int = 0
    jobs_running: int = 0
    #: workers whose heartbeat is recent
    live_workers: int = 0


@dataclass(slots=True)
class WorkerJob:
    """A runnable task run waiting for, or held by, a worker."""

    task_run_id: str
    execution_id: str
    attempt: int
    #: everything the worker needs: the task definition and the expression variables
    payload: dict[str, Any]
    worker_group: str | None = None
    not_before: datetime | None = None
    worker_id: str | None = None
    kill_requested: bool = False


@dataclass(slots=True)
class JobResult:
    """What a worker reports when an attempt ends."""

    state: State  # SUCCESS, WARNING, FAILED, KILLED, or RETRYING (another attempt is queued)
    attempt: Attempt
    outputs: dict[str, Any] | None = None
    labels: dict[str, str] | None = None
    retry_at: datetime | None = None  # with RETRYING: when the next attempt may start
    #: dynamic task runs: ended children of this task run that the task reported (dbt nodes),
    #: inserted with the result if it is accepted, with the parent's ``seq``; never with RETRYING
    task_runs: list[TaskRun] | None = None


@dataclass(frozen=True, slots=True)
class FinishedAttempt:
    """One attempt's end as a worker reports it: the job, its result, its last log lines."""

    job: WorkerJob
    result: JobResult
    logs: Sequence[LogEntry] = ()


@dataclass(slots=True)
class ClaimedExecution:
    """An execution handed to one executor, locked until its transaction ends."""

    execution: Execution
    task_runs: list[TaskRun]
    #: user actions consumed with the messages, oldest first: ("kill", {}), ("resume", {...})…
    actions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


#: what executions can be sorted by (``ExecutionQuery.sort``)
EXECUTION_SORT_FIELDS = ("start_date", "end_date", "id", "namespace", "flow_id", "state")


@dataclass(frozen=True, slots=True)
class ExecutionQuery:
    #: this namespace and the ones below it (only this one with ``exact_namespace``)
    namespace: str | None = None
    exact_namespace: bool = False
    flow_id: str | None = None
    states: Sequence[State] | None = None
    labels: dict[str, str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    parent_id: str | None = None
    #: True: only subflow executions (with a parent); False: only top-level ones
    children: bool | None = None
    #: case-insensitive text found in the id, namespace or flow id
    text: str | None = None
    #: (field of ``EXECUTION_SORT_FIELDS``, descending) pairs; default newest first
    sort: Sequence[tuple[str, bool]] = ()
    page: int = 1
    size: int = 25


#: the time buckets ``Store.execution_statistics`` groups by
StatisticsUnit = Literal["hour", "day"]


@dataclass(frozen=True, slots=True)
class ExecutionBucket:
    """Executions created in one hour or day (UTC) and now in one state."""

    #: the start of the hour or day, UTC
    start: datetime
    state: State
    count: int
    #: created-to-ended seconds of the ended ones among them (None when none has ended)
    duration_min: float | None = None
    duration_max: float | None = None
    duration_sum: float | None = None
    ended: int = 0


@dataclass(frozen=True, slots=True)
class Page:
    results: list[Any] = field(default_factory=list)
    total: int = 0


#: what flows can be sorted by (``FlowSearch.sort``)
FLOW_SORT_FIELDS = ("id", "namespace", "revision", "updated")
#: how ``FlowSearch.namespace`` and ``FlowSearch.flow_id`` compare (CONTAINS ignores case)
FLOW_TEXT_OPERATIONS = ("EQUALS", "NOT_EQUALS", "CONTAINS", "STARTS_WITH", "ENDS_WITH", "PREFIX")


@dataclass(frozen=True, slots=True)
class FlowSearch:
    """Latest live revisions of flows; every condition must hold."""

    #: case-insensitive text found in ``namespace.id``
    text: str | None = None
    #: (operation of ``FLOW_TEXT_OPERATIONS``, value) conditions; PREFIX: the namespace and the ones below it
    namespace: Sequence[tuple[str, str]] = ()
    flow_id: Sequence[tuple[str, str]] = ()
    #: (field of ``FLOW_SORT_FIELDS``, descending) pairs, then namespace and id
    sort: Sequence[tuple[str, bool]] = ()
    page: int = 1
    #: flows per page; None: every match
    size: int | None = None


@dataclass(frozen=True, slots=True)
class LatestExecution:
    """The most recently created execution of a flow."""

    id: str
    namespace: str
    flow_id: str
    state: State
    created: datetime


@dataclass(frozen=True, slots=True)
class KVEntry:
    namespace: str
    key: str
    value: Any
    expires_at: datetime | None = None
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class PurgeQuery:
    """Ended executions to delete: created in ``[start, end)`` and ended before ``end``.

    Only executions in a terminal state with no pending executor message are ever deleted.
    """

    end: datetime
    start: datetime | None = None
    #: this namespace and the ones below it (only this one when ``flow_id`` is set)
    namespace: str | None = None
    flow_id: str | None = None
    #: terminal states to delete (all terminal states when unset)
    states: Sequence[State] | None = None
    #: delete the executions' logs with them
    logs: bool = True


@dataclass(frozen=True, slots=True)
class PurgedExecution:
    """An execution ``Store.purge_executions`` deleted (its files are the caller's to delete)."""

    id: str
    namespace: str
    flow_id: str
    task_runs: int = 0


@dataclass(frozen=True, slots=True)
class LogPurge:
    """Log lines to delete: written in ``[start, end)``, optionally of one namespace, flow, execution or level."""

    end: datetime
    start: datetime | None = None
    namespace: str | None = None
    flow_id: str | None = None
    execution_id: str | None = None
    levels: Sequence[str] | None = None


@dataclass(slots=True)
class TriggerState:
    """What the scheduler keeps about one trigger of one flow, between ticks and restarts."""

    namespace: str
    flow_id: str
    trigger_id: str
    type: str
    #: when a schedule fires next (or a polling trigger polls next); None: not planned
    next_date: datetime | None = None
    #: the last tick fired (schedules) or the last execution started
    last_date: datetime | None = None
    #: disabled through the API (the flow's own `disabled` counts as well)
    disabled: bool = False
    #: the last execution this trigger started
    execution_id: str | None = None
    #: the scheduler evaluating the trigger (polling triggers), until ``locked_until``
    locked_by: str | None = None
    locked_until: datetime | None = None
    #: trigger-type state: polling state, preconditions met so far, backfill
    data: dict[str, Any] = field(default_factory=dict)
    #: bumped by every write; a write expecting another version is rejected (fencing)
    version: int = 0
    updated: datetime | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.flow_id, self.trigger_id)


@dataclass(frozen=True, slots=True)
class TriggerEvent:
    """An execution that reached a state Flow triggers react to (queued with that state change)."""

    id: int
    execution_id: str
    namespace: str
    flow_id: str
    state: State
    created: datetime
    #: ``labels``, ``outputs``, ``trigger_id`` (the trigger that started the execution)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class TriggerCommit:
    """Trigger changes written in one transaction, or not at all.

    Each state is written only if its stored ``version`` still equals ``state.version`` (then
    bumped): a scheduler that lost a race writes nothing, and its executions are not created.
    """

    states: list[TriggerState] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)
    #: the trigger events handled by this commit, deleted with it: all of them, or the
    #: commit fails (another scheduler handled one)
    event_ids: list[int] = field(default_factory=list)


class ExecutorTx(Protocol):
    """One executor unit of work; committed when the context exits without error."""

    async def claim(self, limit: int, defer: Mapping[str, datetime] | None = None) -> list[ClaimedExecution]:
        """Executions with pending messages, locked (SKIP LOCKED), their messages consumed.

        ``defer``: executions whose plain wake-up messages (not user actions) are postponed
        to the given time first, so they are not claimed before it (large executions, whose
        every pass is costly, are then processed once for many ended tasks).
        """
        ...

    async def save(
        self,
        execution: Execution,
        task_runs: Sequence[TaskRun],
        jobs: Sequence[WorkerJob] = (),
    ) -> None:
        """Persist the execution, new or changed task runs, and new worker jobs."""
        ...

    async def delete_task_runs(self, task_run_ids: Sequence[str]) -> None:
        """Delete task runs of a claimed execution (the dynamic task runs of a restarted task run)."""
        ...

    async def notify(self, execution_id: str, not_before: datetime | None = None) -> None:
        """Queue a message for another (or the same, later) execution."""
        ...

    async def create_execution(self, execution: Execution) -> None:
        """Create a (sub)execution inside this transaction and queue it."""
        ...

    async def kill_jobs(self, execution_id: str) -> list[str]:
        """Cancel this execution's unclaimed jobs (returns their task run ids) and flag claimed ones."""
        ...

    async def lock_flow(self, namespace: str, flow_id: str) -> bool:
        """Take the flow's admission lock until the commit, or return False at once if another
        transaction holds it (the caller then retries later). Concurrency limits are counted
        under it so that executors admitting executions of one flow at once cannot both see
        room; re-taking a held lock is free, and a backend with a single writer always grants it."""
        ...

    async def running_count(self, namespace: str, flow_id: str) -> int:
        """Executions of the flow currently RUNNING (or PAUSED/KILLING), for concurrency limits."""
        ...

    async def oldest_queued(self, namespace: str, flow_id: str, limit: int) -> list[str]:
        """Ids of the oldest QUEUED executions of the flow."""
        ...

    async def load(self, execution_id: str) -> ClaimedExecution | None:
        """Read another execution (a subflow's child) without claiming it."""
        ...


class Store(Protocol):
    """A storage backend."""

    dialect: str

    async def migrate(self) -> None: ...
    async def close(self) -> None: ...

    # flows
    async def save_flow(self, namespace: str, flow_id: str, source: str) -> StoredFlow:
        """Store a new revision if ``source`` differs from the latest one; return the latest."""
        ...

    async def get_flow(self, namespace: str, flow_id: str, revision: int | None = None) -> StoredFlow | None: ...
    async def list_flows(self, namespace_prefix: str | None = None) -> list[StoredFlow]: ...
    async def flows_version(self) -> int:
        """A number that changes with every change to the stored flows (a revision saved, a
        flow deleted or pruned), made by any process: read before ``flow_heads``, an unchanged
        number means unchanged heads."""
        ...

    async def flow_heads(self) -> list[FlowHead]:
        """The latest revision of every deployed flow, sources left in the database (the
        scheduler asks at every pass; 10,000 sources are megabytes)."""
        ...

    async def flow_revisions(self, namespace: str, flow_id: str) -> list[StoredFlow]: ...
    async def search_flows(self, query: FlowSearch) -> Page:
        """One page of ``StoredFlow`` matching ``query`` and how many match in all."""
        ...

    async def flow_namespaces(self) -> list[str]:
        """The namespaces holding at least one live flow, sorted."""
        ...

    async def latest_executions(self, flows: Sequence[tuple[str, str]]) -> list[LatestExecution]:
        """The newest execution of each ``(namespace, flow_id)`` that has one."""
        ...

    async def delete_flow(self, namespace: str, flow_id: str) -> bool: ...
    async def save_flows(self, flows: Sequence[tuple[str, str, str]], *, prune: str | None = None) -> FlowChanges:
        """Save ``(namespace, id, source)`` flows in one transaction, all or nothing; with
        ``prune``, also delete the other flows of that namespace (not the ones below it;
        ``""``: of every namespace)."""
        ...

    async def stats(self, alive_within: float) -> StoreStats:
        """Executions per state, queue depths, and workers heard from in the last ``alive_within`` s."""
        ...

    # executions
    async def create_execution(self, execution: Execution) -> None:
        """Store a new execution and queue it for the executor."""
        ...

    async def get_execution(self, execution_id: str) -> ClaimedExecution | None: ...
    async def execution_state(self, execution_id: str) -> State | None:
        """The execution's current state alone (cheap to poll); None if there is none."""
        ...

    async def search_executions(self, query: ExecutionQuery) -> Page: ...
    async def execution_statistics(
        self, namespace: str | None, flow_id: str | None, start: datetime, end: datetime, unit: StatisticsUnit
    ) -> list[ExecutionBucket]:
        """Executions created in ``[start, end]`` counted per hour or day (UTC) and state, with
        their durations; ``namespace`` also counts the namespaces below it. Empty buckets are left out."""
        ...

    async def delete_execution(self, execution_id: str) -> bool: ...
    async def request(self, execution_id: str, action: str, payload: dict[str, Any] | None = None) -> None:
        """Record a user action (kill, resume, restart…) for the executor and wake it."""
        ...

    def executor_transaction(self) -> AbstractAsyncContextManager[ExecutorTx]: ...
    async def next_message_due(self) -> datetime | None:
        """When the earliest delayed executor message becomes due (None: none delayed)."""
        ...

    # workers
    async def register_worker(self, worker_id: str, group: str | None, hostname: str) -> None:
        """Announce a worker; ``group``: the worker groups it serves, comma-separated (None: the default)."""
        ...

    async def live_worker_groups(self, alive_within: float) -> set[str]:
        """The worker group keys served by at least one worker heard from in the last ``alive_within`` s."""
        ...

    async def heartbeat(self, worker_id: str) -> bool:
        """Refresh the worker's heartbeat; False if it was declared dead meanwhile."""
        ...

    async def unregister_worker(self, worker_id: str) -> None: ...
    async def release_jobs(self, worker_id: str, attempts: Sequence[tuple[str, int]]) -> int:
        """Hand back jobs (task run id, attempt) this worker holds, so a worker claims them again
        as a new attempt; a job since given to another worker or attempt is left alone."""
        ...

    async def claim_jobs(self, worker_id: str, groups: Sequence[str | None], limit: int) -> list[WorkerJob]:
        """Take up to ``limit`` due jobs: each task run becomes RUNNING with a new attempt."""
        ...

    async def finish_job(self, job: WorkerJob, result: JobResult, logs: Sequence[LogEntry] = ()) -> bool:
        """Record the attempt's end; False (nothing written) if the job is no longer ours."""
        ...

    async def finish_jobs(self, finished: Sequence[FinishedAttempt]) -> list[bool]:
        """``finish_job`` for several attempts in one transaction (a worker's group commit);
        each is fenced on its own: one no longer ours is skipped, the others are written."""
        ...

    async def kill_requested(self, worker_id: str) -> list[str]:
        """Task run ids held by this worker whose execution is being killed."""
        ...

    async def requeue_lost_jobs(self, dead_after_seconds: float, *, all_workers: bool = False) -> int:
        """Hand back jobs of workers silent for longer than the timeout (or all, at a local start)."""
        ...

    async def next_job_due(self) -> datetime | None: ...

    # logs
    async def append_logs(self, entries: Sequence[LogEntry]) -> None: ...
    async def get_logs(
        self,
        execution_id: str,
        min_level: str | None = None,
        task_run_id: str | None = None,
        attempt: int | None = None,
        task_id: str | None = None,
    ) -> list[LogEntry]: ...

    # retention (batched deletes: each call is one short transaction)
    async def purge_executions(self, query: PurgeQuery, limit: int) -> tuple[list[PurgedExecution], int]:
        """Delete up to ``limit`` ended executions matching ``query``, oldest first, with their task
        runs, messages, jobs and (with ``query.logs``) logs; returns them and the log lines deleted.
        A running execution, or one with a pending message (a restart), is never deleted."""
        ...

    async def purge_logs(self, query: LogPurge, limit: int) -> int:
        """Delete up to ``limit`` log lines matching ``query``, oldest first; returns how many."""
        ...

    # key/value store
    async def kv_get(self, namespace: str, key: str) -> KVEntry | None: ...
    async def kv_set(self, entry: KVEntry) -> None: ...
    async def kv_delete(self, namespace: str, key: str) -> bool: ...
    async def kv_list(self, namespace: str) -> list[KVEntry]: ...

    # triggers
    async def trigger_states(self, namespace: str | None = None, flow_id: str | None = None) -> list[TriggerState]:
        """Stored trigger states (``namespace`` matches it and the namespaces below it)."""
        ...

    async def due_trigger_states(self, now: datetime, types: Sequence[str]) -> list[TriggerState]:
        """The states of triggers of these types (canonical) that may have something to do at
        ``now`` (no next date yet, a next date reached, a backfill in progress): what a
        scheduler pass reads when no flow changed since it last read them all. May hold more,
        never fewer."""
        ...

    async def get_trigger_state(self, namespace: str, flow_id: str, trigger_id: str) -> TriggerState | None: ...
    async def add_trigger_states(self, states: Sequence[TriggerState]) -> None:
        """Store states of triggers seen for the first time; existing ones are left as they are."""
        ...

    async def delete_trigger_states(self, keys: Sequence[tuple[str, str, str]]) -> None: ...
    async def commit_triggers(self, commit: TriggerCommit) -> bool:
        """Write the states (fenced on their versions), create the executions, consume the
        events; False, and nothing written, if another writer got there first."""
        ...

    async def trigger_events(self, limit: int) -> list[TriggerEvent]:
        """The oldest unhandled trigger events."""
        ...

    # wake-ups (LISTEN/NOTIFY on PostgreSQL, in-process events everywhere)
    async def wait_for(self, channel: str, timeout: float) -> None:
        """Return when ``channel`` ('executor' or 'worker') is signalled, or after ``timeout``."""
        ...
