"""Several flows written in one transaction: a namespace replaced by a posted set of flows,
or an import, all or nothing.

Each flow gets a new revision only when its source changed (as ``SqlStore.save_flow``);
flows left out of the set are marked deleted when the caller asks to prune.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update

from lanner.storage.ports import FlowChanges, StoredFlow
from lanner.storage.sql import codec
from lanner.storage.sql.database import Tx
from lanner.storage.sql.schema import flows

__all__ = ["save_flow", "save_flows"]


def save_flows(tx: Tx, items: Sequence[tuple[str, str, str]], prune: str | None, now: datetime) -> FlowChanges:
    """Save ``(namespace, id, source)`` items; with ``prune``, delete the other live flows of
    that namespace (``""``: of every namespace)."""
    saved = [save_flow(tx, namespace, flow_id, source, now) for namespace, flow_id, source in items]
    deleted: list[StoredFlow] = []
    if prune is not None:
        kept = {(namespace, flow_id) for namespace, flow_id, _ in items}
        for flow in _live_flows(tx, prune):
            if (flow.namespace, flow.id) in kept:
                continue
            tx.conn.execute(
                update(flows)
                .where(flows.c.namespace == flow.namespace, flows.c.id == flow.id, flows.c.revision == flow.revision)
                .values(deleted=True, updated=now)
            )
            deleted.append(StoredFlow(flow.namespace, flow.id, flow.revision, flow.source, True, now))
    return FlowChanges(saved=saved, deleted=deleted)


def save_flow(tx: Tx, namespace: str, flow_id: str, source: str, now: datetime) -> StoredFlow:
    """A new revision of the flow, or the latest one if its source is the same (no new revision)."""
    latest = tx.conn.execute(
        select(flows)
        .where(flows.c.namespace == namespace, flows.c.id == flow_id)
        .order_by(flows.c.revision.desc())
        .limit(1)
        .with_for_update()
    ).first()
    if latest is not None and not latest.deleted and latest.source == source:
        return codec.flow_from_row(latest)
    saved = StoredFlow(namespace, flow_id, (latest.revision if latest else 0) + 1, source, False, now)
    tx.conn.execute(
        insert(flows),
        {"namespace": namespace, "id": flow_id, "revision": saved.revision, "source": source, "deleted": False, "updated": now},
    )
    return saved


def _live_flows(tx: Tx, namespace: str) -> list[StoredFlow]:
    """The latest revision of each flow of ``namespace`` (every namespace for ``""``), unless deleted."""
    newest = select(flows.c.namespace, flows.c.id, func.max(flows.c.revision).label("revision")).group_by(
        flows.c.namespace, flows.c.id
    )
    if namespace:
        newest = newest.where(flows.c.namespace == namespace)
    latest = newest.subquery()
    query = (
        select(flows)
        .join(
            latest,
            (flows.c.namespace == latest.c.namespace) & (flows.c.id == latest.c.id) & (flows.c.revision == latest.c.revision),
        )
        .where(flows.c.deleted.is_(False))
        .order_by(flows.c.namespace, flows.c.id)
        .with_for_update(of=flows)
    )
    return [codec.flow_from_row(row) for row in tx.conn.execute(query)]
