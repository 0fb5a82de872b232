"""Flow search, namespaces and the latest execution of flows, each one SQL query.

The latest revision of each flow comes from a ``max(revision)`` subquery grouped on the primary
key (namespace, id, revision); filters, counting, sorting and paging happen in the database so a
page of a large catalogue reads only its own rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, literal, or_, select, tuple_

from lanner.models.state import State
from lanner.storage.ports import FlowSearch, LatestExecution, Page
from lanner.storage.sql import codec
from lanner.storage.sql.schema import executions, flows

__all__ = ["flow_namespaces", "latest_executions", "search_flows"]

_SORT_COLUMNS: dict[str, Any] = {
    "id": flows.c.id,
    "namespace": flows.c.namespace,
    "revision": flows.c.revision,
    "updated": flows.c.updated,
}


def _live_flows() -> Any:
    """The latest revision of each flow, deleted ones left out (as a FROM clause)."""
    newest = select(flows.c.namespace, flows.c.id, func.max(flows.c.revision).label("revision")).group_by(
        flows.c.namespace, flows.c.id
    )
    latest = newest.subquery()
    joined = flows.join(
        latest,
        (flows.c.namespace == latest.c.namespace) & (flows.c.id == latest.c.id) & (flows.c.revision == latest.c.revision),
    )
    return joined, flows.c.deleted.is_(False)


def _starts_with(column: Any, value: str) -> Any:
    # substr, not LIKE: case-sensitive on SQLite too, and no wildcard to escape
    return func.substr(column, 1, len(value)) == value


def _compare(column: Any, operation: str, value: str) -> Any:
    if operation == "EQUALS":
        return column == value
    if operation == "NOT_EQUALS":
        return column != value
    if operation == "CONTAINS":
        return column.icontains(value, autoescape=True)
    if operation == "STARTS_WITH":
        return _starts_with(column, value)
    if operation == "ENDS_WITH":
        length = func.length(column)
        return and_(length >= len(value), func.substr(column, length - len(value) + 1) == value)
    if operation == "PREFIX":
        return or_(column == value, _starts_with(column, value + "."))
    raise ValueError(f"unknown flow text operation {operation!r}")


def search_flows(conn: Connection, query: FlowSearch) -> Page:
    source, live = _live_flows()
    where: list[Any] = [live]
    if query.text:
        where.append((flows.c.namespace + literal(".") + flows.c.id).icontains(query.text, autoescape=True))
    where += [_compare(flows.c.namespace, op, value) for op, value in query.namespace]
    where += [_compare(flows.c.id, op, value) for op, value in query.flow_id]
    order = [(_SORT_COLUMNS[name].desc() if descending else _SORT_COLUMNS[name].asc()) for name, descending in query.sort]
    page = select(flows).select_from(source).where(*where).order_by(*order, flows.c.namespace, flows.c.id)
    if query.size is not None:
        size = max(query.size, 1)
        page = page.limit(size).offset((max(query.page, 1) - 1) * size)
    found = [codec.flow_from_row(row) for row in conn.execute(page)]
    if query.size is None or (query.page <= 1 and len(found) < max(query.size, 1)):
        return Page(found, len(found))
    total = conn.scalar(select(func.count()).select_from(source).where(*where))
    return Page(found, int(total or 0))


def flow_namespaces(conn: Connection) -> list[str]:
    source, live = _live_flows()
    query = select(flows.c.namespace).select_from(source).where(live).distinct().order_by(flows.c.namespace)
    return list(conn.scalars(query))


def latest_executions(conn: Connection, wanted: Sequence[tuple[str, str]]) -> list[LatestExecution]:
    if not wanted:
        return []
    e = executions
    rank = func.row_number().over(partition_by=(e.c.namespace, e.c.flow_id), order_by=(e.c.created.desc(), e.c.id.desc()))
    ranked = (
        select(e.c.id, e.c.namespace, e.c.flow_id, e.c.state, e.c.created, rank.label("rank"))
        .where(tuple_(e.c.namespace, e.c.flow_id).in_(sorted(set(wanted))))
        .subquery()
    )
    rows = conn.execute(select(ranked).where(ranked.c.rank == 1).order_by(ranked.c.namespace, ranked.c.flow_id))
    return [LatestExecution(row.id, row.namespace, row.flow_id, State(row.state), row.created) for row in rows]
