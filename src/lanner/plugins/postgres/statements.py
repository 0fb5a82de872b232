"""Running SQL statements on a psycopg connection and collecting what they return."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lanner.errors import TaskFailure
from lanner.plugins.jdbc import FetchType, ResultCollector, StoreFormat, bind_parameters
from lanner.plugins.postgres.connection import require_psycopg
from lanner.tasks.context import RunContext

__all__ = ["StatementResult", "run_statements", "sql_failure"]

#: statements a server-side cursor can read in batches (``DECLARE … CURSOR FOR`` accepts only these)
_QUERY = re.compile(r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*(select|with|values|table)\b", re.IGNORECASE | re.DOTALL)
#: SQLSTATEs for which running the statement again cannot help
_PERMANENT = frozenset({"42601", "42501", "42803", "42804", "42883", "22P02"})


@dataclass(slots=True)
class StatementResult:
    index: int
    outputs: dict[str, Any] | None  # None: the statement returned no rows (DDL, DML without RETURNING)
    rowcount: int


def sql_failure(exc: Exception, index: int | None = None, total: int = 1) -> TaskFailure:
    """A task failure for a database error: the server's message, its SQLSTATE, which statement."""
    state = getattr(exc, "sqlstate", None)
    where = f"statement {index + 1} of {total}: " if index is not None and total > 1 else ""
    code = f" (SQLSTATE {state})" if state else ""
    return TaskFailure(f"{where}{str(exc).strip()}{code}", retryable=state not in _PERMANENT)


async def run_statements(
    ctx: RunContext | None,
    conn: Any,
    statements: Sequence[str],
    parameters: Mapping[str, Any] | None,
    fetch_type: FetchType,
    *,
    fetch_size: int,
    store_dir: Path | None = None,
    store_format: StoreFormat = "ION",
) -> list[StatementResult]:
    """Run ``statements`` in order on ``conn``; collect each result set as ``fetch_type`` asks."""
    psycopg = require_psycopg()
    results: list[StatementResult] = []
    for index, statement in enumerate(statements):
        sql, values = bind_parameters(statement, parameters, "format")
        if ctx is not None:
            ctx.logger.debug(f"running statement {index + 1} of {len(statements)}: {statement[:500]}")
        collector: ResultCollector | None = None
        try:
            server_side = fetch_type == "STORE" and not conn.autocommit and _QUERY.match(statement) is not None
            cursor = conn.cursor(name=f"lanner_{index}") if server_side else conn.cursor()
            async with cursor:
                if server_side:
                    cursor.itersize = fetch_size
                await cursor.execute(sql, values)
                if cursor.description is None:
                    results.append(StatementResult(index, None, cursor.rowcount))
                    continue
                columns = [column.name for column in cursor.description]
                collector = ResultCollector(
                    fetch_type, columns, store_dir=store_dir, store_format=store_format, name=f"statement-{index + 1}"
                )
                while collector.wants_rows:
                    batch = await cursor.fetchmany(fetch_size if fetch_type != "FETCH_ONE" else 1)
                    if not batch:
                        break
                    await collector.add(batch)
                outputs = await collector.finish(ctx)
                results.append(StatementResult(index, outputs, cursor.rowcount))
        except psycopg.Error as exc:
            if collector is not None:
                collector.close()
            raise sql_failure(exc, index, len(statements)) from exc
    return results
