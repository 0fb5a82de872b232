"""PostgreSQL: everything an executor pass writes, in one statement.

A pass writes up to six tables (new executions, changed executions, task runs, worker jobs,
messages, trigger events): one statement each is six round trips, on the path of every task
of a sequential flow. Here each table's rows travel as one JSON array parameter, read by
``jsonb_to_recordset`` in a data-modifying CTE, and all the CTEs form a single statement,
atomic by itself. The statement is built once per combination of tables present.

Creating executions (API submits, webhook rounds) goes the same way: executions and their
messages in one statement, without BEGIN/COMMIT; a trigger commit of one trigger state adds
the fenced state update as one more CTE, and the inserts happen only when the fence held.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, column, exists, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.dml import Update

from lanner.storage.sql.codec import Encoded, dumps
from lanner.storage.sql.database import Tx
from lanner.storage.sql.schema import execution_queue, executions, task_runs, trigger_events, worker_jobs

__all__ = ["create_executions", "json_array", "write_pass"]

#: table -> the key of its upsert (None: plain insert)
_KEYS: dict[str, tuple[str, ...] | None] = {
    "created": None,
    "executions": ("id",),
    "task_runs": ("id",),
    "jobs": ("task_run_id",),
    "messages": None,
    "events": None,
}
_TABLES: dict[str, Table] = {
    "created": executions,
    "executions": executions,
    "task_runs": task_runs,
    "jobs": worker_jobs,
    "messages": execution_queue,
    "events": trigger_events,
}


def _value(value: Any) -> str:
    """One JSON value, the common cases without a trip through the json module."""
    if type(value) is Encoded:
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    if type(value) is datetime:
        return f'"{value.isoformat()}"'
    return dumps(value)


def json_array(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows as one JSON array; pre-encoded ``data`` texts are embedded as they are.
    (Column names are plain identifiers: they need no escaping.)"""
    return "[" + ",".join("{" + ",".join(f'"{k}":{_value(v)}' for k, v in row.items()) + "}" for row in rows) + "]"


def _statement(parts: tuple[tuple[str, tuple[str, ...]], ...], fence: Update | None = None) -> Any:
    """The single statement writing ``parts``; with ``fence`` (an UPDATE), the inserts happen
    only if it updated a row, and the statement answers whether it did."""
    ctes = []
    guard = None
    if fence is not None:
        fenced = fence.returning(literal(1).label("held")).cte("w_fence")
        ctes.append(fenced)
        guard = exists(select(fenced.c.held))
    for name, columns in parts:
        table = _TABLES[name]
        rows = (
            func.jsonb_to_recordset(bindparam(f"rows_{name}", type_=JSONB()))
            .table_valued(*(column(c, table.c[c].type) for c in columns))
            .render_derived(name=f"r_{name}", with_types=True)
        )
        source = select(*(rows.c[c] for c in columns))
        if guard is not None:
            source = source.where(guard)
        stmt = pg_insert(table).from_select(list(columns), source)
        key = _KEYS[name]
        if key is not None:
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c[c] for c in key],
                set_={c: stmt.excluded[c] for c in columns if c not in key},
            )
        ctes.append(stmt.cte(f"w_{name}"))
    return select(guard if guard is not None else literal(1)).add_cte(*ctes)


_cached_statement = lru_cache(maxsize=64)(_statement)


def _write(
    tx: Tx, tables: Mapping[str, Sequence[Mapping[str, Any]]], fence: Update | None, fence_params: Mapping[str, Any]
) -> Any:
    """Run the statement writing the non-empty ``tables`` (guarded by ``fence``); its one value."""
    present = [(name, rows) for name, rows in tables.items() if rows]
    parts = tuple((name, tuple(rows[0])) for name, rows in present)
    params = {f"rows_{name}": Encoded(json_array(rows)) for name, rows in present}
    return tx.conn.execute(_cached_statement(parts, fence), {**params, **fence_params}).scalar()


def write_pass(tx: Tx, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Write the non-empty ``tables`` (names as in ``_KEYS``) in one statement."""
    if any(tables.values()):
        _write(tx, tables, None, {})


def create_executions(
    tx: Tx, rows: Sequence[Mapping[str, Any]], fence: Update | None = None, fence_params: Mapping[str, Any] | None = None
) -> bool:
    """Insert executions and the messages that make an executor pick them up, in one
    statement; with ``fence`` (a parameterized UPDATE of one row), only if it updated its row.
    Says whether the fence held (True without one)."""
    if fence is None and not rows:
        return True
    tables = {"created": rows, "messages": [{"execution_id": row["id"]} for row in rows]}
    held = _write(tx, tables, fence, fence_params or {})
    if rows and held:
        tx.signal("executor")
    return fence is None or bool(held)
