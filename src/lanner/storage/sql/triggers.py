"""Trigger state and trigger events on SQL: the scheduler's side of the store.

Every state write is fenced on the row's ``version``: ``UPDATE … WHERE version = :expected``
bumps it, and a commit whose fence fails is rolled back entirely, executions included. So a
schedule tick, a precondition met or a trigger event is acted upon once, whatever the number
of schedulers sharing the database and whenever they crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Text, bindparam, cast, delete, or_, select, tuple_, update

from lanner.models.state import State
from lanner.storage.ports import TriggerCommit, TriggerEvent, TriggerState
from lanner.storage.sql import codec, events
from lanner.storage.sql.database import Tx
from lanner.storage.sql.executor_tx import insert_executions, upsert
from lanner.storage.sql.pg_write import create_executions
from lanner.storage.sql.schema import trigger_events, triggers

__all__ = [
    "add_states",
    "commit",
    "commit_in_one_statement",
    "delete_states",
    "list_due_states",
    "list_events",
    "list_states",
    "one_statement_possible",
    "state_from_row",
]

_t = triggers
_FENCED = (
    update(_t)
    .where(
        _t.c.namespace == bindparam("k_namespace"),
        _t.c.flow_id == bindparam("k_flow_id"),
        _t.c.trigger_id == bindparam("k_trigger_id"),
        _t.c.version == bindparam("k_version"),
    )
    .values(
        next_date=bindparam("next_date"),
        last_date=bindparam("last_date"),
        disabled=bindparam("disabled"),
        execution_id=bindparam("execution_id"),
        locked_by=bindparam("locked_by"),
        locked_until=bindparam("locked_until"),
        data=bindparam("data"),
        version=bindparam("new_version"),
        updated=bindparam("updated"),
    )
)


def state_from_row(row: Row[Any]) -> TriggerState:
    return TriggerState(
        namespace=row.namespace,
        flow_id=row.flow_id,
        trigger_id=row.trigger_id,
        type=row.type,
        next_date=row.next_date,
        last_date=row.last_date,
        disabled=bool(row.disabled),
        execution_id=row.execution_id,
        locked_by=row.locked_by,
        locked_until=row.locked_until,
        data=dict(row.data or {}),
        version=row.version,
        updated=row.updated,
    )


def _row(state: TriggerState, now: datetime) -> dict[str, Any]:
    return {
        "namespace": state.namespace,
        "flow_id": state.flow_id,
        "trigger_id": state.trigger_id,
        "type": state.type,
        "next_date": state.next_date,
        "last_date": state.last_date,
        "disabled": state.disabled,
        "execution_id": state.execution_id,
        "locked_by": state.locked_by,
        "locked_until": state.locked_until,
        "data": codec.encode(state.data),
        "version": state.version,
        "updated": now,
    }


def list_states(
    conn: Connection, namespace: str | None, flow_id: str | None, trigger_id: str | None = None
) -> list[TriggerState]:
    query = select(_t).order_by(_t.c.namespace, _t.c.flow_id, _t.c.trigger_id)
    if namespace:
        query = query.where(or_(_t.c.namespace == namespace, _t.c.namespace.startswith(namespace + ".", autoescape=True)))
    if flow_id:
        query = query.where(_t.c.flow_id == flow_id)
    if trigger_id:
        query = query.where(_t.c.trigger_id == trigger_id)
    return [state_from_row(row) for row in conn.execute(query)]


def _due_states(backfill: Any) -> Any:
    """States a scheduler pass may have to act on (see ``list_due_states``)."""
    return (
        select(_t)
        .where(
            _t.c.type.in_(bindparam("types", expanding=True)),
            or_(_t.c.next_date.is_(None), _t.c.next_date <= bindparam("now", type_=_t.c.next_date.type), backfill),
        )
        .order_by(_t.c.namespace, _t.c.flow_id, _t.c.trigger_id)
    )


#: a backfill goes on whatever the next tick: on PostgreSQL the jsonb key test; elsewhere a
#: test on the text, which may match more rows (the word elsewhere in the data), never fewer
_DUE_STATES = {
    "postgresql": _due_states(_t.c.data.op("?")("backfill")),
    "sqlite": _due_states(cast(_t.c.data, Text).like('%"backfill"%')),
}


def list_due_states(conn: Connection, now: datetime, types: Sequence[str]) -> list[TriggerState]:
    """The states of triggers of these ``types`` that may have something to do at ``now``: no
    next date yet (a schedule enabled again, a polling trigger never polled), a next date
    reached, or a backfill in progress. A superset: the scheduler decides for each."""
    if not types:
        return []
    statement = _DUE_STATES[conn.dialect.name]
    return [state_from_row(row) for row in conn.execute(statement, {"now": now, "types": list(types)})]


def add_states(tx: Tx, dialect: str, states: Sequence[TriggerState], now: datetime) -> None:
    if not states:
        return
    stmt = upsert(dialect)(_t).on_conflict_do_nothing(index_elements=[_t.c.namespace, _t.c.flow_id, _t.c.trigger_id])
    tx.conn.execute(stmt, [_row(state, now) for state in states])


def delete_states(tx: Tx, keys: Sequence[tuple[str, str, str]]) -> None:
    if keys:
        tx.conn.execute(delete(_t).where(tuple_(_t.c.namespace, _t.c.flow_id, _t.c.trigger_id).in_(list(keys))))


def _fence_params(state: TriggerState, now: datetime) -> dict[str, Any]:
    values = _row(state, now)
    params = {f"k_{name}": values.pop(name) for name in ("namespace", "flow_id", "trigger_id", "version")}
    values.pop("type")
    return {**params, **values, "new_version": state.version + 1}


def one_statement_possible(dialect: str, change: TriggerCommit) -> bool:
    """A commit of at most one trigger state and no events is a single statement on
    PostgreSQL (a webhook round, most schedule ticks): one fence, nothing to undo if it fails."""
    return dialect == "postgresql" and not change.event_ids and len(change.states) <= 1


def commit_in_one_statement(tx: Tx, change: TriggerCommit, now: datetime) -> bool:
    """``commit`` as one PostgreSQL statement (see ``one_statement_possible``)."""
    rows = [{**codec.execution_row(ex), "updated": now} for ex in change.executions]
    if not change.states:
        return create_executions(tx, rows)
    state = change.states[0]
    if not create_executions(tx, rows, _FENCED, _fence_params(state, now)):
        return False
    state.version += 1
    return True


def commit(tx: Tx, change: TriggerCommit, now: datetime) -> bool:
    """Apply ``change`` fenced (see the module docstring); roll back and say False on a lost race."""
    if change.event_ids and not events.consume_events(tx, change.event_ids):
        tx.abort()
        return False
    for state in change.states:
        if not tx.conn.execute(_FENCED, _fence_params(state, now)).rowcount:
            tx.abort()
            return False
    if change.executions:
        insert_executions(tx, [{**codec.execution_row(ex), "updated": now} for ex in change.executions])
    for state in change.states:
        state.version += 1
    return True


def list_events(conn: Connection, limit: int) -> list[TriggerEvent]:
    query = select(trigger_events).order_by(trigger_events.c.id).limit(limit)
    return [
        TriggerEvent(row.id, row.execution_id, row.namespace, row.flow_id, State(row.state), row.created, dict(row.data or {}))
        for row in conn.execute(query)
    ]
