"""Dynamic task runs written with their parent's result (``JobResult.task_runs``).

They take their parent's ``seq``, read in SQL (a worker does not know it): one INSERT for all
the dynamic task runs of a finished batch. PostgreSQL reads them from one JSON array
parameter; the single-statement finish uses the same rows as a CTE joined to the released
job, so that a rejected finish inserts none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, String, Text, bindparam, column, func, insert, select
from sqlalchemy.dialects.postgresql import JSONB

from lanner.models.execution import TaskRun
from lanner.storage.sql import codec
from lanner.storage.sql.codec import Encoded
from lanner.storage.sql.database import Tx
from lanner.storage.sql.pg_write import json_array
from lanner.storage.sql.schema import task_runs

__all__ = ["COLUMNS", "insert_dynamic_runs", "pg_params", "pg_select"]

_t = task_runs

COLUMNS = (
    ("id", String()),
    ("execution_id", String()),
    ("task_id", String()),
    ("parent_id", String()),
    ("value", Text()),
    ("iteration", Integer()),
    ("state", String()),
    ("attempt_count", Integer()),
    ("data", JSONB()),
)
_NAMES = [name for name, _ in COLUMNS]


def _rows(runs: Sequence[TaskRun]) -> list[dict[str, Any]]:
    rows = []
    for run in runs:
        row = codec.task_run_row(run)
        del row["seq"]
        rows.append(row)
    return rows


def pg_params(runs: Sequence[TaskRun]) -> Encoded:
    """The ``dynamic_json`` parameter: the rows as one JSON array (``data`` embedded as encoded)."""
    return Encoded(json_array(_rows(runs)))


def pg_select(released: Any = None) -> Any:
    """PostgreSQL: the rows of ``dynamic_json`` with their parent's ``seq`` (only those whose
    parent's job is in ``released``, when given: the single-statement finish)."""
    rows = (
        func.jsonb_to_recordset(bindparam("dynamic_json", type_=JSONB()))
        .table_valued(*(column(name, type_) for name, type_ in COLUMNS))
        .render_derived(name="dyn", with_types=True)
    )
    parent = _t.alias("dyn_parent")
    source: Any = rows.join(parent, parent.c.id == rows.c.parent_id)
    if released is not None:
        source = source.join(released, released.c.task_run_id == rows.c.parent_id)
    return insert(_t).from_select([*_NAMES, "seq"], select(*(rows.c[name] for name in _NAMES), parent.c.seq).select_from(source))


_PG_INSERT = pg_select()
_PARENT_SEQ = func.coalesce(select(_t.c.seq).where(_t.c.id == bindparam("of_parent")).scalar_subquery(), 0)
#: SQLite: one execution of many parameter sets (in process, no round trips)
_INSERT = insert(_t).values(seq=_PARENT_SEQ)


def insert_dynamic_runs(tx: Tx, runs: Sequence[TaskRun]) -> None:
    if not runs:
        return
    if tx.conn.dialect.name == "postgresql":
        tx.conn.execute(_PG_INSERT, {"dynamic_json": pg_params(runs)})
    else:
        tx.conn.execute(_INSERT, [{**row, "of_parent": row["parent_id"]} for row in _rows(runs)])
