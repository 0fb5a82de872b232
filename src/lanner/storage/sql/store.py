"""``SqlStore``: the storage port on SQLite or PostgreSQL.

Each method is one transaction of as few statements as possible, written as a plain
function over a Core ``Connection`` and run by the backend's ``Database`` in one step. The
executor's and the workers' hot paths live in ``executor_tx`` and ``jobs``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, text, update

from lanner.errors import ConfigError, LannerError
from lanner.models.execution import Execution, LogEntry, utcnow
from lanner.models.state import State
from lanner.storage.batching import GroupCommit
from lanner.storage.ports import (
    ClaimedExecution,
    ExecutionBucket,
    ExecutionQuery,
    FinishedAttempt,
    FlowChanges,
    FlowHead,
    FlowSearch,
    JobResult,
    KVEntry,
    LatestExecution,
    LogPurge,
    Page,
    PurgedExecution,
    PurgeQuery,
    StatisticsUnit,
    StoredFlow,
    StoreStats,
    TriggerCommit,
    TriggerEvent,
    TriggerState,
    WorkerJob,
)
from lanner.storage.sql import codec, finish, flow_search, flow_writes, jobs, pg_write, purge
from lanner.storage.sql import triggers as trigger_sql
from lanner.storage.sql.database import Clock, Database, Tx, parse_url
from lanner.storage.sql.execution_stats import read_execution_statistics
from lanner.storage.sql.executor_tx import SqlExecutorTx, insert_executions, read_execution, upsert_statement
from lanner.storage.sql.flow_writes import save_flows
from lanner.storage.sql.migrate import run_migrations
from lanner.storage.sql.postgres import PostgresDatabase
from lanner.storage.sql.run_cache import TaskRunCache
from lanner.storage.sql.schema import execution_queue, executions, flows, flows_version, kv, logs, task_runs, worker_jobs, workers
from lanner.storage.sql.sqlite import SqliteDatabase
from lanner.storage.sql.stats import read_stats

__all__ = ["LOG_LEVELS", "SqlStore"]

#: log levels from the least to the most severe
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
_LEVEL_ALIASES = {"WARNING": "WARN"}


def _in_namespace(column: Any, namespace: str) -> Any:
    """``namespace`` itself and every namespace below it (``ns.*``)."""
    return or_(column == namespace, column.startswith(namespace + ".", autoescape=True))


#: ``ExecutionQuery.sort`` fields and their columns
_SORT_COLUMNS: dict[str, Any] = {
    "start_date": executions.c.created,
    "end_date": executions.c.ended,
    "id": executions.c.id,
    "namespace": executions.c.namespace,
    "flow_id": executions.c.flow_id,
    "state": executions.c.state,
}


def _sorted_by(name: str, descending: bool) -> Any:
    column = _SORT_COLUMNS[name]
    return (column.desc() if descending else column.asc()).nulls_last()  # the same on both backends


_NOW = bindparam("now", type_=execution_queue.c.not_before.type)
_NEXT_MESSAGE = select(func.min(execution_queue.c.not_before)).where(execution_queue.c.not_before > _NOW)
_HEARTBEAT = (
    update(workers)
    .where(workers.c.id == bindparam("b_id"), workers.c.dead.is_(False))
    .values(heartbeat=bindparam("b_now", type_=workers.c.heartbeat.type))
)
_EXECUTION_STATE = select(executions.c.state).where(executions.c.id == bindparam("id"))
#: a job handed back by the worker and attempt holding it (fenced: a later claim is left alone)
_RELEASE_JOB = (
    update(worker_jobs)
    .where(
        worker_jobs.c.task_run_id == bindparam("b_id"),
        worker_jobs.c.worker_id == bindparam("b_worker"),
        worker_jobs.c.attempt == bindparam("b_attempt"),
    )
    .values(worker_id=None, claimed_at=None)
)
_KILL_REQUESTED = select(worker_jobs.c.task_run_id).where(
    worker_jobs.c.worker_id == bindparam("id"), worker_jobs.c.kill_requested
)


def _latest_flows(query: Any, namespace_prefix: str | None) -> Any:
    """``query`` (over ``flows``) narrowed to the latest revision of each flow not deleted."""
    latest = select(flows.c.namespace, flows.c.id, func.max(flows.c.revision).label("revision")).group_by(
        flows.c.namespace, flows.c.id
    )
    if namespace_prefix:
        latest = latest.where(_in_namespace(flows.c.namespace, namespace_prefix))
    newest = latest.subquery()
    return (
        query.join(
            newest,
            (flows.c.namespace == newest.c.namespace) & (flows.c.id == newest.c.id) & (flows.c.revision == newest.c.revision),
        )
        .where(flows.c.deleted.is_(False))
        .order_by(flows.c.namespace, flows.c.id)
    )


def _open(url: str, schema: str | None, pool_size: int, idle_in_transaction_timeout: float) -> Database:
    backend, parsed = parse_url(url)
    if backend == "sqlite":
        if schema is not None:
            raise ConfigError("schema= applies to PostgreSQL only")
        return SqliteDatabase(parsed)
    return PostgresDatabase(parsed, schema=schema, pool_size=pool_size, idle_in_transaction_timeout=idle_in_transaction_timeout)


class SqlStore:
    """The ``Store`` port on SQLAlchemy Core (see ``lanner.storage.ports``)."""

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        pool_size: int = 5,
        idle_in_transaction_timeout: float = 0,
        clock: Clock = utcnow,
    ) -> None:
        self._db = _open(url, schema, pool_size, idle_in_transaction_timeout)
        self.dialect: str = self._db.dialect
        #: the store's notion of "now"; tests move it to age heartbeats and messages
        self.clock: Clock = clock
        #: task runs decoded by executor passes, reused while their stored text is unchanged
        self._task_runs = TaskRunCache()
        self._creations: GroupCommit[dict[str, Any], None] = GroupCommit(self._create_executions)

    @property
    def listen_pid(self) -> int | None:
        """PostgreSQL: the server process of the LISTEN connection, when connected."""
        return self._db.notifier.backend_pid

    async def migrate(self) -> None:
        """Create or upgrade the tables (idempotent; concurrent callers are serialized)."""
        await self._db.write(lambda tx: run_migrations(tx.conn, self._db.schema))

    async def close(self) -> None:
        await self._db.close()

    async def drop_schema(self) -> None:
        """PostgreSQL: drop this store's schema and everything in it (tests, benchmarks)."""
        schema = self._db.schema
        if schema is None:
            raise ConfigError("drop_schema() needs a store created with a PostgreSQL schema=")

        def drop(tx: Tx) -> None:
            quoted = tx.conn.dialect.identifier_preparer.quote_schema(schema)
            tx.conn.execute(text(f"DROP SCHEMA IF EXISTS {quoted} CASCADE"))

        await self._db.write(drop)

    # flows

    async def save_flow(self, namespace: str, flow_id: str, source: str) -> StoredFlow:
        return await self._db.write(
            partial(flow_writes.save_flow, namespace=namespace, flow_id=flow_id, source=source, now=self.clock())
        )

    async def get_flow(self, namespace: str, flow_id: str, revision: int | None = None) -> StoredFlow | None:
        """The given revision (even a deleted one), or the latest unless the flow is deleted."""
        query = select(flows).where(flows.c.namespace == namespace, flows.c.id == flow_id)
        if revision is None:
            query = query.order_by(flows.c.revision.desc()).limit(1)
        else:
            query = query.where(flows.c.revision == revision)
        row = await self._db.read(lambda conn: conn.execute(query).first())
        if row is None or (revision is None and row.deleted):
            return None
        return codec.flow_from_row(row)

    async def list_flows(self, namespace_prefix: str | None = None) -> list[StoredFlow]:
        query = _latest_flows(select(flows), namespace_prefix)
        return await self._db.read(lambda conn: [codec.flow_from_row(row) for row in conn.execute(query)])

    async def flows_version(self) -> int:
        query = select(flows_version.c.version).where(flows_version.c.id == 1)
        return await self._db.read(lambda conn: int(conn.execute(query).scalar_one()))

    async def flow_heads(self) -> list[FlowHead]:
        mentions = flows.c.source.contains("triggers").label("mentions_triggers")
        query = _latest_flows(select(flows.c.namespace, flows.c.id, flows.c.revision, mentions), None)
        return await self._db.read(
            lambda conn: [
                FlowHead(row.namespace, row.id, row.revision, bool(row.mentions_triggers)) for row in conn.execute(query)
            ]
        )

    async def flow_revisions(self, namespace: str, flow_id: str) -> list[StoredFlow]:
        query = select(flows).where(flows.c.namespace == namespace, flows.c.id == flow_id).order_by(flows.c.revision)
        return await self._db.read(lambda conn: [codec.flow_from_row(row) for row in conn.execute(query)])

    async def search_flows(self, query: FlowSearch) -> Page:
        return await self._db.read(lambda conn: flow_search.search_flows(conn, query))

    async def flow_namespaces(self) -> list[str]:
        return await self._db.read(flow_search.flow_namespaces)

    async def latest_executions(self, flows: Sequence[tuple[str, str]]) -> list[LatestExecution]:
        return await self._db.read(lambda conn: flow_search.latest_executions(conn, flows))

    async def delete_flow(self, namespace: str, flow_id: str) -> bool:
        """Mark the latest revision deleted; saving the flow again starts a new revision."""
        newest = select(func.max(flows.c.revision)).where(flows.c.namespace == namespace, flows.c.id == flow_id).scalar_subquery()
        mark = (
            update(flows)
            .where(flows.c.namespace == namespace, flows.c.id == flow_id, flows.c.revision == newest, flows.c.deleted.is_(False))
            .values(deleted=True, updated=self.clock())
        )
        return await self._db.write(lambda tx: bool(tx.conn.execute(mark).rowcount))

    async def save_flows(self, flows: Sequence[tuple[str, str, str]], *, prune: str | None = None) -> FlowChanges:
        now = self.clock()
        return await self._db.write(lambda tx: save_flows(tx, flows, prune, now))

    # monitoring

    async def stats(self, alive_within: float) -> StoreStats:
        now = self.clock()
        return await self._db.read(lambda conn: read_stats(conn, now, alive_within))

    # executions

    async def create_execution(self, execution: Execution) -> None:
        """Executions created concurrently (API calls, triggers) are inserted together."""
        await self._creations.add({**codec.execution_row(execution), "updated": self.clock()})

    async def _create_executions(self, rows: Sequence[dict[str, Any]]) -> list[None]:
        if self.dialect == "postgresql":
            await self._db.write(partial(pg_write.create_executions, rows=rows), one_statement=True)
        else:
            await self._db.write(lambda tx: insert_executions(tx, list(rows)))
        return [None] * len(rows)

    async def execution_state(self, execution_id: str) -> State | None:
        value = await self._db.read(lambda conn: conn.scalar(_EXECUTION_STATE, {"id": execution_id}))
        return None if value is None else State(value)

    async def get_execution(self, execution_id: str) -> ClaimedExecution | None:
        return await self._db.read(lambda conn: read_execution(conn, execution_id))

    async def execution_statistics(
        self, namespace: str | None, flow_id: str | None, start: datetime, end: datetime, unit: StatisticsUnit
    ) -> list[ExecutionBucket]:
        return await self._db.read(lambda conn: read_execution_statistics(conn, namespace, flow_id, start, end, unit))

    async def search_executions(self, query: ExecutionQuery) -> Page:
        """Newest first unless ``sort`` says otherwise. ``namespace`` matches it and the
        namespaces below it (only it with ``exact_namespace``)."""
        e = executions
        where: list[Any] = []
        if query.namespace:
            exact = e.c.namespace == query.namespace
            where.append(exact if query.exact_namespace else _in_namespace(e.c.namespace, query.namespace))
        if query.flow_id:
            where.append(e.c.flow_id == query.flow_id)
        if query.states:
            where.append(e.c.state.in_([state.value for state in query.states]))
        for key, value in (query.labels or {}).items():
            where.append(e.c.data[("labels", key)].as_string() == value)
        if query.start:
            where.append(e.c.created >= query.start)
        if query.end:
            where.append(e.c.created <= query.end)
        if query.parent_id:
            where.append(e.c.parent_id == query.parent_id)
        if query.children is not None:
            where.append(e.c.parent_id.is_not(None) if query.children else e.c.parent_id.is_(None))
        if query.text:
            where.append(or_(*(column.icontains(query.text, autoescape=True) for column in (e.c.id, e.c.namespace, e.c.flow_id))))
        size = max(query.size, 1)
        count = select(func.count()).select_from(e).where(*where)
        order = [_sorted_by(name, descending) for name, descending in query.sort]
        page = (
            select(e)
            .where(*where)
            .order_by(*order, e.c.created.desc(), e.c.id.desc())
            .limit(size)
            .offset((max(query.page, 1) - 1) * size)
        )

        def search(conn: Connection) -> Page:
            total = conn.scalar(count)
            return Page([codec.execution_from_row(row) for row in conn.execute(page)], int(total or 0))

        return await self._db.read(search)

    async def delete_execution(self, execution_id: str) -> bool:
        """Delete the execution with its task runs, messages, jobs and logs."""

        def remove(tx: Tx) -> bool:
            deleted = tx.conn.execute(delete(executions).where(executions.c.id == execution_id))
            for table in (task_runs, execution_queue, worker_jobs, logs):
                tx.conn.execute(delete(table).where(table.c.execution_id == execution_id))
            return bool(deleted.rowcount)

        return await self._db.write(remove)

    async def request(self, execution_id: str, action: str, payload: dict[str, Any] | None = None) -> None:
        message = {"execution_id": execution_id, "action": action, "payload": payload or {}}

        def queue(tx: Tx) -> None:
            tx.conn.execute(insert(execution_queue), message)
            tx.signal("executor")

        await self._db.write(queue)

    def executor_transaction(self) -> SqlExecutorTx:
        return SqlExecutorTx(self._db, self.clock, self._task_runs)

    async def next_message_due(self) -> datetime | None:
        now = self.clock()
        due: datetime | None = await self._db.read(lambda conn: conn.scalar(_NEXT_MESSAGE, {"now": now}))
        return due

    # workers

    async def register_worker(self, worker_id: str, group: str | None, hostname: str) -> None:
        now = self.clock()
        row = {"id": worker_id, "worker_group": group, "hostname": hostname, "started": now, "heartbeat": now, "dead": False}
        stmt = upsert_statement(self.dialect, workers, ("id",), tuple(row))
        await self._db.write(lambda tx: tx.conn.execute(stmt, row))

    async def live_worker_groups(self, alive_within: float) -> set[str]:
        cutoff = self.clock() - timedelta(seconds=alive_within)
        query = select(workers.c.worker_group).where(
            workers.c.dead.is_(False), workers.c.heartbeat >= cutoff, workers.c.worker_group.is_not(None)
        )
        rows = await self._db.read(lambda conn: conn.execute(query).scalars().all())
        return {group for row in rows for group in row.split(",") if group}

    async def heartbeat(self, worker_id: str) -> bool:
        values = {"b_id": worker_id, "b_now": self.clock()}
        return await self._db.write(lambda tx: bool(tx.conn.execute(_HEARTBEAT, values).rowcount))

    async def unregister_worker(self, worker_id: str) -> None:
        """Forget the worker; jobs it still holds go back to the queue."""

        def forget(tx: Tx) -> None:
            tx.conn.execute(delete(workers).where(workers.c.id == worker_id))
            released = tx.conn.execute(
                update(worker_jobs).where(worker_jobs.c.worker_id == worker_id).values(worker_id=None, claimed_at=None)
            )
            if released.rowcount:
                tx.signal("worker")

        await self._db.write(forget)

    async def release_jobs(self, worker_id: str, attempts: Sequence[tuple[str, int]]) -> int:
        held = [{"b_id": task_run_id, "b_worker": worker_id, "b_attempt": attempt} for task_run_id, attempt in attempts]
        if not held:
            return 0

        def release(tx: Tx) -> int:
            # one statement each: an executemany's row count is not reliable on every driver
            released = sum(tx.conn.execute(_RELEASE_JOB, row).rowcount for row in held)
            if released:
                tx.signal("worker")
            return int(released)

        return await self._db.write(release)

    async def claim_jobs(self, worker_id: str, groups: Sequence[str | None], limit: int) -> list[WorkerJob]:
        """Due jobs of these groups (``None``: jobs without a group), oldest first."""
        if isinstance(self._db, PostgresDatabase):  # one statement: no BEGIN, no COMMIT round trips
            return await jobs.claim_jobs_in_one_statement(self._db, worker_id, groups, limit, self.clock())
        return await self._db.write(partial(jobs.claim_jobs, worker_id=worker_id, groups=groups, limit=limit, now=self.clock()))

    async def finish_job(self, job: WorkerJob, result: JobResult, logs: Sequence[LogEntry] = ()) -> bool:
        now = self.clock()
        if finish.one_statement_possible(self.dialect, result):
            return await self._db.write(
                partial(finish.finish_job_in_one_statement, job=job, result=result, entries=logs, now=now),
                one_statement=True,
                lane="finish",
            )
        return await self._db.write(
            partial(finish.finish_job, dialect=self.dialect, job=job, result=result, entries=logs, now=now)
        )

    async def finish_jobs(self, finished: Sequence[FinishedAttempt]) -> list[bool]:
        if not finished:
            return []
        now = self.clock()
        plain = [i for i, item in enumerate(finished) if not item.result.labels]
        accepted = [False] * len(finished)
        if len(plain) == 1 and finish.one_statement_possible(self.dialect, finished[plain[0]].result):
            only = finished[plain[0]]  # alone: one statement, no transaction round trips
            accepted[plain[0]] = await self.finish_job(only.job, only.result, only.logs)
        elif plain:
            batch = [finished[i] for i in plain]
            try:
                written = await self._db.write(partial(finish.finish_jobs, dialect=self.dialect, finished=batch, now=now))
            except LannerError:
                # e.g. a deadlock with an executor on PostgreSQL: one at a time instead
                written = [await self.finish_job(item.job, item.result, item.logs) for item in batch]
            for i, ok in zip(plain, written, strict=True):
                accepted[i] = ok
        for i, item in enumerate(finished):
            if item.result.labels:
                accepted[i] = await self.finish_job(item.job, item.result, item.logs)
        return accepted

    async def kill_requested(self, worker_id: str) -> list[str]:
        return await self._db.read(lambda conn: list(conn.execute(_KILL_REQUESTED, {"id": worker_id}).scalars()))

    async def requeue_lost_jobs(self, dead_after_seconds: float, *, all_workers: bool = False) -> int:
        """Declare workers silent for ``dead_after_seconds`` dead and release the jobs held by
        dead or unknown workers (``all_workers``: every claimed job, at a local restart)."""
        return await self._db.write(
            partial(jobs.requeue_lost_jobs, dead_after_seconds=dead_after_seconds, all_workers=all_workers, now=self.clock())
        )

    async def next_job_due(self) -> datetime | None:
        now = self.clock()
        if isinstance(self._db, PostgresDatabase):
            return await jobs.next_job_due_on_postgres(self._db, now)
        due: datetime | None = await self._db.read(lambda conn: conn.scalar(jobs.NEXT_JOB, {"now": now}))
        return due

    # logs

    async def append_logs(self, entries: Sequence[LogEntry]) -> None:
        if entries:
            await self._db.write(lambda tx: jobs.insert_logs(tx, entries))

    async def get_logs(
        self,
        execution_id: str,
        min_level: str | None = None,
        task_run_id: str | None = None,
        attempt: int | None = None,
        task_id: str | None = None,
    ) -> list[LogEntry]:
        """Oldest first; ``min_level`` keeps that level and the more severe ones."""
        query = select(logs).where(logs.c.execution_id == execution_id).order_by(logs.c.id)
        if min_level is not None:
            level = _LEVEL_ALIASES.get(min_level.upper(), min_level.upper())
            if level not in LOG_LEVELS:
                raise ValueError(f"unknown log level {min_level!r} (expected one of {', '.join(LOG_LEVELS)})")
            query = query.where(logs.c.level.in_(LOG_LEVELS[LOG_LEVELS.index(level) :]))
        if task_run_id is not None:
            query = query.where(logs.c.task_run_id == task_run_id)
        if attempt is not None:
            query = query.where(logs.c.attempt == attempt)
        if task_id is not None:
            query = query.where(logs.c.task_id == task_id)
        return await self._db.read(lambda conn: [codec.log_from_row(row) for row in conn.execute(query)])

    # retention (see ``purge.py``)

    async def purge_executions(self, query: PurgeQuery, limit: int) -> tuple[list[PurgedExecution], int]:
        return await self._db.write(partial(purge.purge_executions, query=query, limit=limit))

    async def purge_logs(self, query: LogPurge, limit: int) -> int:
        return await self._db.write(partial(purge.purge_logs, query=query, limit=limit))

    # key/value store: expired entries are invisible, and purged by kv_set

    async def kv_get(self, namespace: str, key: str) -> KVEntry | None:
        query = select(kv).where(kv.c.namespace == namespace, kv.c.key == key, self._live())
        row = await self._db.read(lambda conn: conn.execute(query).first())
        return None if row is None else codec.kv_from_row(row)

    async def kv_set(self, entry: KVEntry) -> None:
        now = self.clock()
        row = {
            "namespace": entry.namespace,
            "key": entry.key,
            "value": entry.value,
            "expires_at": entry.expires_at,
            "updated": now,
        }
        stmt = upsert_statement(self.dialect, kv, ("namespace", "key"), tuple(row))
        purge = delete(kv).where(kv.c.namespace == entry.namespace, kv.c.expires_at <= now)

        def store(tx: Tx) -> None:
            tx.conn.execute(purge)
            tx.conn.execute(stmt, row)

        await self._db.write(store)

    async def kv_delete(self, namespace: str, key: str) -> bool:
        """True if a live entry was deleted."""
        remove = delete(kv).where(kv.c.namespace == namespace, kv.c.key == key).returning(kv.c.expires_at)
        gone = await self._db.write(lambda tx: tx.conn.execute(remove).first())
        return gone is not None and (gone.expires_at is None or gone.expires_at > self.clock())

    async def kv_list(self, namespace: str) -> list[KVEntry]:
        query = select(kv).where(kv.c.namespace == namespace, self._live()).order_by(kv.c.key)
        return await self._db.read(lambda conn: [codec.kv_from_row(row) for row in conn.execute(query)])

    def _live(self) -> Any:
        return or_(kv.c.expires_at.is_(None), kv.c.expires_at > self.clock())

    # triggers (see ``triggers.py``)

    async def trigger_states(self, namespace: str | None = None, flow_id: str | None = None) -> list[TriggerState]:
        return await self._db.read(lambda conn: trigger_sql.list_states(conn, namespace, flow_id))

    async def due_trigger_states(self, now: datetime, types: Sequence[str]) -> list[TriggerState]:
        return await self._db.read(lambda conn: trigger_sql.list_due_states(conn, now, types))

    async def get_trigger_state(self, namespace: str, flow_id: str, trigger_id: str) -> TriggerState | None:
        found = await self._db.read(lambda conn: trigger_sql.list_states(conn, namespace, flow_id, trigger_id))
        return next((state for state in found if state.namespace == namespace), None)

    async def add_trigger_states(self, states: Sequence[TriggerState]) -> None:
        now = self.clock()
        await self._db.write(partial(trigger_sql.add_states, dialect=self.dialect, states=states, now=now))

    async def delete_trigger_states(self, keys: Sequence[tuple[str, str, str]]) -> None:
        await self._db.write(partial(trigger_sql.delete_states, keys=keys))

    async def commit_triggers(self, commit: TriggerCommit) -> bool:
        if trigger_sql.one_statement_possible(self.dialect, commit):
            write = partial(trigger_sql.commit_in_one_statement, change=commit, now=self.clock())
            return await self._db.write(write, one_statement=True)
        return await self._db.write(partial(trigger_sql.commit, change=commit, now=self.clock()))

    async def trigger_events(self, limit: int) -> list[TriggerEvent]:
        return await self._db.read(lambda conn: trigger_sql.list_events(conn, limit))

    # wake-ups

    async def wait_for(self, channel: str, timeout: float) -> None:
        await self._db.notifier.wait(channel, timeout)
