"""The executor's unit of work: claim executions, persist what the engine decided.

``save``, ``notify`` and ``create_execution`` only collect rows; they are written in bulk
(one statement per table) just before the next read of the transaction and before the
commit, so a claimed batch of executions costs a handful of statements in all.

Lock order, shared with the worker side (``jobs.py``) so that transactions never wait on
each other in a cycle: executions, then worker jobs, then task runs. The per-flow admission
locks of flows with a concurrency limit (``_lock_flow``) are only ever tried, never waited for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, partial
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import JSON, Connection, Integer, Table, Text, bindparam, cast, delete, func, insert, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import BindParameter

from lanner.models.execution import Execution, TaskRun
from lanner.models.state import State
from lanner.storage.ports import ClaimedExecution, WorkerJob
from lanner.storage.sql import codec, events
from lanner.storage.sql.database import Clock, Database, Session, Tx
from lanner.storage.sql.pg_write import write_pass
from lanner.storage.sql.run_cache import Lent, TaskRunCache
from lanner.storage.sql.schema import execution_queue, executions, task_runs, worker_jobs

__all__ = [
    "ACTIVE_STATES",
    "SqlExecutorTx",
    "insert_executions",
    "read_execution",
    "upsert",
    "upsert_many",
]

T = TypeVar("T")

#: executions with fewer task runs are not kept decoded between passes (``run_cache``)
CACHED_FROM = 10
#: states that count against a flow's concurrency limit
ACTIVE_STATES = (State.RUNNING, State.PAUSED, State.KILLING, State.RETRYING)
#: first key of the two-key advisory locks on flows (the two-key space is apart from the
#: one-key space of the migration lock); the second key is a hash of schema, namespace and flow
FLOW_LOCK_CLASS = 0x6C6E6E72  # "lnnr"


def upsert(dialect: str) -> Any:
    """The dialect's ``insert`` (both offer ``on_conflict_do_update``)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@lru_cache(maxsize=64)
def upsert_statement(dialect: str, table: Table, key: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` of ``columns``, built once (building costs
    more than executing)."""
    stmt = upsert(dialect)(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={name: stmt.excluded[name] for name in columns if name not in key},
    )


def upsert_many(conn: Connection, dialect: str, table: Table, key: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    conn.execute(upsert_statement(dialect, table, key, tuple(rows[0])), rows)


_q = execution_queue
_e = executions
_j = worker_jobs
_NOW = bindparam("now", type_=_q.c.not_before.type)
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_DUE = or_(_q.c.not_before.is_(None), _q.c.not_before <= _NOW)

_INSERT_EXECUTION = insert(_e)
_INSERT_MESSAGE = insert(_q)
#: how many of the oldest due messages a claim looks at first (``_claim``)
CLAIM_WINDOW = 1_000
_WINDOW = select(_q.c.id, _q.c.execution_id).where(_DUE).order_by(_q.c.id).limit(bindparam("window", type_=Integer())).subquery()


def _claim_statement(messages: Any) -> Any:
    """Executions with due ``messages``, oldest message first, locked; others' locked ones skipped."""
    due = select(messages.c.execution_id, func.min(messages.c.id).label("first")).group_by(messages.c.execution_id).subquery()
    return (
        select(_e)
        .join(due, due.c.execution_id == _e.c.id)
        .order_by(due.c.first)
        .limit(bindparam("limit", type_=Integer()))
        .with_for_update(of=_e, skip_locked=True)
    )


#: among the ``CLAIM_WINDOW`` oldest due messages (the primary key's order): a backlog of any
#: size costs the same
_CLAIM_OLDEST = _claim_statement(_WINDOW)
#: among all due messages (grouped and sorted: a backlog of 10,000 executions costs ~100 ms)
_CLAIM = _claim_statement(select(_q.c.id, _q.c.execution_id).where(_DUE).subquery())
_UNTIL = bindparam("until", type_=_q.c.not_before.type)
#: plain wake-ups of an execution moved to a later time (user actions stay due)
_POSTPONE = (
    update(_q)
    .where(
        _q.c.execution_id == bindparam("postponed_id"),
        _q.c.action.is_(None),
        or_(_q.c.not_before.is_(None), _q.c.not_before < _UNTIL),
    )
    .values(not_before=_UNTIL)
)
_CONSUME = delete(_q).where(_q.c.execution_id.in_(_IDS), _DUE).returning(_q.c.id, _q.c.execution_id, _q.c.action, _q.c.payload)
_TASK_RUNS = select(task_runs).where(task_runs.c.execution_id.in_(_IDS)).order_by(task_runs.c.seq)
#: the same, with ``data`` as the stored text (decoded only when not cached)
_TASK_RUNS_AS_TEXT = (
    select(*(column for column in task_runs.c if column.name != "data"), cast(task_runs.c.data, Text).label("data_text"))
    .where(task_runs.c.execution_id.in_(_IDS))
    .order_by(task_runs.c.seq)
)
_CONSUMED = _CONSUME.cte("consumed")
#: PostgreSQL: ``_CONSUME`` and ``_TASK_RUNS_AS_TEXT`` in one statement; the consumed actions
#: ride on every row (one row with no task run when there is none)
_CONSUME_AND_READ = (
    select(
        select(
            func.json_agg(
                func.json_build_array(_CONSUMED.c.id, _CONSUMED.c.execution_id, _CONSUMED.c.action, _CONSUMED.c.payload),
                type_=JSON(),
            )
        )
        .where(_CONSUMED.c.action.is_not(None))
        .scalar_subquery()
        .label("actions"),
        *_TASK_RUNS_AS_TEXT.selected_columns,
    )
    .select_from(
        select(literal(1).label("one"))
        .subquery("one_row")
        .outerjoin(task_runs, task_runs.c.execution_id.in_(bindparam("ids", expanding=True)))
    )
    .order_by(task_runs.c.seq)
)
_EXECUTION = select(_e).where(_e.c.id == bindparam("id"))
_DELETE_TASK_RUNS = delete(task_runs).where(task_runs.c.id.in_(_IDS))
_CANCEL_JOBS = delete(_j).where(_j.c.execution_id == bindparam("id"), _j.c.worker_id.is_(None)).returning(_j.c.task_run_id)
_FLAG_JOBS = update(_j).where(_j.c.execution_id == bindparam("id"), _j.c.worker_id.is_not(None)).values(kill_requested=True)
_RUNNING_COUNT = (
    select(func.count())
    .select_from(_e)
    .where(
        _e.c.namespace == bindparam("namespace"),
        _e.c.flow_id == bindparam("flow_id"),
        _e.c.state.in_([state.value for state in ACTIVE_STATES]),
    )
)
#: PostgreSQL: this transaction's admission lock on one flow, without waiting (see ``_lock_flow``)
_FLOW_LOCK = select(func.pg_try_advisory_xact_lock(literal(FLOW_LOCK_CLASS), func.hashtext(bindparam("key"))))
_OLDEST_QUEUED = (
    select(_e.c.id)
    .where(_e.c.namespace == bindparam("namespace"), _e.c.flow_id == bindparam("flow_id"), _e.c.state == State.QUEUED.value)
    .order_by(_e.c.created, _e.c.id)
    .limit(bindparam("limit", type_=Integer()))
)


def insert_executions(tx: Tx, rows: list[dict[str, Any]]) -> None:
    """Insert executions and the messages that make an executor pick them up."""
    tx.conn.execute(_INSERT_EXECUTION, rows)
    tx.conn.execute(_INSERT_MESSAGE, [{"execution_id": row["id"]} for row in rows])
    tx.signal("executor")


def read_execution(conn: Connection, execution_id: str) -> ClaimedExecution | None:
    """The execution with all its task runs, or None."""
    claimed = [ClaimedExecution(codec.execution_from_row(row), []) for row in conn.execute(_EXECUTION, {"id": execution_id})]
    _attach_task_runs(conn, claimed)
    return claimed[0] if claimed else None


def _attach_task_runs(conn: Connection, claimed: list[ClaimedExecution], cache: tuple[TaskRunCache, Lent] | None = None) -> None:
    if not claimed:
        return
    by_id = {item.execution.id: item for item in claimed}
    if cache is None:
        for run in conn.execute(_TASK_RUNS, {"ids": list(by_id)}):
            by_id[run.execution_id].task_runs.append(codec.task_run_from_row(run))
        return
    runs, lent = cache
    for row in conn.execute(_TASK_RUNS_AS_TEXT, {"ids": list(by_id)}):
        by_id[row.execution_id].task_runs.append(runs.decode(row, lent))


def _claim(
    tx: Tx, limit: int, now: datetime, cache: tuple[TaskRunCache, Lent], postponed: list[dict[str, Any]]
) -> list[ClaimedExecution]:
    """Three statements, on purpose. On PostgreSQL (READ COMMITTED) a row locked with
    ``FOR UPDATE`` comes back in its latest version, but any other read in the same statement
    uses the snapshot taken when the statement began, which may predate the commit of the
    executor that held the lock: task runs read there could miss the ones it just created
    (and they would be created twice). Reading after the lock, in later statements, is safe.

    The lock looks at the executions of the ``CLAIM_WINDOW`` oldest due messages only, so a
    claim costs the same whatever the backlog; a batch that is not full then means that
    nothing else was due in the window. Only when the window yields nothing does it look at
    every due message."""
    if postponed:
        tx.conn.execute(_POSTPONE, postponed)
    rows = tx.conn.execute(_CLAIM_OLDEST, {"now": now, "limit": limit, "window": CLAIM_WINDOW}).all()
    if not rows:
        # The window's executions may all be held by other executors while later messages
        # are due: look at every due message before saying nothing is (the executor then waits).
        rows = tx.conn.execute(_CLAIM, {"now": now, "limit": limit}).all()
    claimed = [ClaimedExecution(codec.execution_from_row(row), []) for row in rows]
    if not claimed:
        return []
    ids = [item.execution.id for item in claimed]
    actions: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
    if tx.conn.dialect.name == "postgresql":
        _consume_and_attach(tx.conn, claimed, ids, now, cache, actions)
    else:
        # Consume the due messages before reading task runs: whatever a later message
        # announces is either visible below or leaves its message for the next claim.
        for message in tx.conn.execute(_CONSUME, {"ids": ids, "now": now}):
            if message.action is not None:
                actions.setdefault(message.execution_id, []).append((message.id, message.action, message.payload or {}))
        _attach_task_runs(tx.conn, claimed, cache)
    for item in claimed:
        item.actions = [(action, payload) for _, action, payload in sorted(actions.get(item.execution.id, ()))]
    return claimed


def _consume_and_attach(
    conn: Connection,
    claimed: list[ClaimedExecution],
    ids: list[str],
    now: datetime,
    cache: tuple[TaskRunCache, Lent],
    actions: dict[str, list[tuple[int, str, dict[str, Any]]]],
) -> None:
    """PostgreSQL: consume the due messages and read the task runs in ONE statement (the
    second of the claim). Its snapshot is taken after the claim's locks were granted, so it
    sees everything the previous holder committed; and the messages it consumes and the task
    runs it reads come from that one snapshot, so whatever a consumed message announces is
    read here, and a message committed later is left for the next claim."""
    by_id = {item.execution.id: item for item in claimed}
    runs, lent = cache
    first = True
    for row in conn.execute(_CONSUME_AND_READ, {"ids": ids, "now": now}):
        if first:
            for message_id, execution_id, action, payload in row.actions or ():
                actions.setdefault(execution_id, []).append((message_id, action, payload or {}))
            first = False
        if row.id is not None:
            by_id[row.execution_id].task_runs.append(runs.decode(row, lent))


def _kill_jobs(tx: Tx, execution_id: str) -> list[str]:
    ids = list(tx.conn.execute(_CANCEL_JOBS, {"id": execution_id}).scalars())
    tx.conn.execute(_FLAG_JOBS, {"id": execution_id})
    return ids


def _running_count(tx: Tx, namespace: str, flow_id: str) -> int:
    return int(tx.conn.scalar(_RUNNING_COUNT, {"namespace": namespace, "flow_id": flow_id}) or 0)


def _lock_flow(tx: Tx, key: str) -> bool:
    """PostgreSQL: take the flow's admission lock for the rest of the transaction, or return
    False at once if another transaction holds it. Admissions and releases of a flow with a
    concurrency limit count its active executions under this lock, in a LATER statement than
    the one taking it: a READ COMMITTED snapshot taken after the lock was granted sees all the
    previous holder committed. Never waiting keeps the lock out of any wait cycle, whatever
    order executors meet flows in (see the lock order above)."""
    return bool(tx.conn.scalar(_FLOW_LOCK, {"key": key}))


def _oldest_queued(tx: Tx, namespace: str, flow_id: str, limit: int) -> list[str]:
    rows = tx.conn.execute(_OLDEST_QUEUED, {"namespace": namespace, "flow_id": flow_id, "limit": limit})
    return list(rows.scalars())


def _load(tx: Tx, execution_id: str) -> ClaimedExecution | None:
    return read_execution(tx.conn, execution_id)


@dataclass(slots=True)
class _Pending:
    """Rows collected by save/notify/create_execution, written at the next flush."""

    created: list[dict[str, Any]] = field(default_factory=list)
    executions: dict[str, dict[str, Any]] = field(default_factory=dict)
    task_runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    #: trigger events: executions entering a state Flow triggers watch (``events.py``)
    events: list[dict[str, Any]] = field(default_factory=list)
    #: task runs to delete (dynamic ones of restarted task runs: rare, one statement more)
    deleted: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.created or self.executions or self.task_runs or self.jobs or self.messages or self.events or self.deleted
        )

    def write(self, tx: Tx, dialect: str) -> None:
        if self.deleted:
            tx.conn.execute(_DELETE_TASK_RUNS, {"ids": self.deleted})
        if dialect == "postgresql":
            self._write_in_one_statement(tx)
            return
        if self.created:
            insert_executions(tx, self.created)
        if self.executions:
            upsert_many(tx.conn, dialect, executions, ("id",), list(self.executions.values()))
        if self.jobs:
            # A job saved again for the same task run replaces the old one; the old holder's
            # finish is then rejected (fencing on worker and attempt).
            upsert_many(tx.conn, dialect, worker_jobs, ("task_run_id",), list(self.jobs.values()))
            if any(job["worker_id"] is None for job in self.jobs.values()):
                tx.signal("worker")  # only for jobs a worker must claim
        if self.task_runs:
            upsert_many(tx.conn, dialect, task_runs, ("id",), list(self.task_runs.values()))
        if self.messages:
            tx.conn.execute(_INSERT_MESSAGE, self.messages)
            tx.signal("executor")
        events.insert_events(tx, self.events)

    def _write_in_one_statement(self, tx: Tx) -> None:
        messages = [{"execution_id": row["id"], "not_before": None} for row in self.created]
        messages += [{"execution_id": m["execution_id"], "not_before": m.get("not_before")} for m in self.messages]
        write_pass(
            tx,
            {
                "created": self.created,
                "executions": list(self.executions.values()),
                # a job saved again for the same task run replaces the old one; the old
                # holder's finish is then rejected (fencing on worker and attempt)
                "jobs": list(self.jobs.values()),
                "task_runs": list(self.task_runs.values()),
                "messages": messages,
                "events": self.events,
            },
        )
        if messages:
            tx.signal("executor")
        if any(job["worker_id"] is None for job in self.jobs.values()):
            tx.signal("worker")


class SqlExecutorTx:
    """``ExecutorTx`` on one write transaction (see ``lanner.storage.ports``); it is its own
    context manager: the transaction commits when the block exits without error."""

    def __init__(self, db: Database, clock: Clock, runs: TaskRunCache | None = None) -> None:
        self._db = db
        self._clock = clock
        # not ``runs or …``: an empty cache is falsy (it has a length), and it would never fill
        self._runs = runs if runs is not None else TaskRunCache()
        self._lent: Lent = {}
        self._pending = _Pending()
        # Execution rows as claimed: an unchanged execution is not written back.
        self._claimed: dict[str, dict[str, Any]] = {}
        self._session: Session | None = None
        self._context: Any = None
        #: flows whose admission lock this transaction holds (``lock_flow``)
        self._flows_locked: set[tuple[str, str]] = set()

    async def __aenter__(self) -> SqlExecutorTx:
        self._context = self._db.session(last=self._write_pending, lane="executor")
        self._session = await self._context.__aenter__()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> bool | None:
        context, self._context, self._session = self._context, None, None
        committed = False
        try:
            suppressed = bool(await context.__aexit__(kind, error, trace))
            committed = kind is None
            return suppressed
        finally:
            self._runs.settle(self._lent, committed)

    def _write_pending(self, tx: Tx) -> None:
        pending, self._pending = self._pending, _Pending()
        if pending:
            pending.write(tx, self._db.dialect)

    async def _run(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn`` in the transaction, after writing what is pending so that it sees it."""
        if self._session is None:
            raise RuntimeError("use the ExecutorTx inside `async with store.executor_transaction()`")
        pending, self._pending = self._pending, _Pending()
        if not pending:
            return await self._session.run(fn)

        def write_then(tx: Tx) -> T:
            pending.write(tx, self._db.dialect)
            return fn(tx)

        return await self._session.run(write_then)

    async def claim(self, limit: int, defer: Mapping[str, datetime] | None = None) -> list[ClaimedExecution]:
        now = self._clock()
        postponed = [{"postponed_id": key, "until": until} for key, until in (defer or {}).items() if until > now]
        claimed = await self._run(partial(_claim, limit=limit, now=now, cache=(self._runs, self._lent), postponed=postponed))
        for item in claimed:
            self._claimed[item.execution.id] = codec.execution_row(item.execution)
            if len(item.task_runs) < CACHED_FROM:
                # cheap to decode again, and a backlog of thousands in flight would fill memory
                self._runs.forget_execution(item.execution.id)
        return claimed

    async def save(self, execution: Execution, task_runs: Sequence[TaskRun], jobs: Sequence[WorkerJob] = ()) -> None:
        now = self._clock()
        row = codec.execution_row(execution)
        previous = self._claimed.get(execution.id)
        if previous != row:
            event = events.ended_event(execution, previous["state"] if previous else None, now)
            if event is not None:
                self._pending.events.append(event)
            self._claimed[execution.id] = row
            self._pending.executions[execution.id] = {**row, "updated": now}
        for run in task_runs:
            self._pending.task_runs[run.id] = codec.task_run_row(run)
        self._runs.forget(run.id for run in task_runs)
        if execution.state.is_terminal:
            self._runs.forget_execution(execution.id)
        for job in jobs:
            self._pending.jobs[job.task_run_id] = codec.job_row(job, now)

    async def delete_task_runs(self, task_run_ids: Sequence[str]) -> None:
        self._pending.deleted.extend(task_run_ids)
        self._runs.forget(task_run_ids)

    async def notify(self, execution_id: str, not_before: datetime | None = None) -> None:
        self._pending.messages.append({"execution_id": execution_id, "not_before": not_before})

    async def create_execution(self, execution: Execution) -> None:
        row = codec.execution_row(execution)
        row["updated"] = self._clock()
        self._pending.created.append(row)

    async def kill_jobs(self, execution_id: str) -> list[str]:
        return await self._run(partial(_kill_jobs, execution_id=execution_id))

    async def running_count(self, namespace: str, flow_id: str) -> int:
        return await self._run(partial(_running_count, namespace=namespace, flow_id=flow_id))

    async def lock_flow(self, namespace: str, flow_id: str) -> bool:
        if self._db.dialect != "postgresql":
            return True  # SQLite: one writer at a time, executor transactions never overlap
        if (namespace, flow_id) in self._flows_locked:
            return True  # held until the commit
        key = "\x1f".join((self._db.schema or "", namespace, flow_id))
        locked = await self._run(partial(_lock_flow, key=key))
        if locked:
            self._flows_locked.add((namespace, flow_id))
        return locked

    async def oldest_queued(self, namespace: str, flow_id: str, limit: int) -> list[str]:
        return await self._run(partial(_oldest_queued, namespace=namespace, flow_id=flow_id, limit=limit))

    async def load(self, execution_id: str) -> ClaimedExecution | None:
        return await self._run(partial(_load, execution_id=execution_id))
