"""Trigger events: the executor queues one, in its own transaction, each time an execution
enters a state Flow triggers may watch; the scheduler consumes them, a batch per commit
(``triggers.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert

from lanner.models.execution import Execution
from lanner.models.state import TERMINAL_STATES, State
from lanner.storage.sql import codec
from lanner.storage.sql.database import Tx
from lanner.storage.sql.schema import trigger_events

__all__ = ["EVENT_STATES", "consume_events", "ended_event", "insert_events"]

#: execution states queued as trigger events (what a Flow trigger may watch)
EVENT_STATES = frozenset(TERMINAL_STATES | {State.PAUSED})

_INSERT = insert(trigger_events)


def ended_event(execution: Execution, previous_state: str | None, now: datetime) -> dict[str, Any] | None:
    """The trigger event row to queue when ``execution`` is saved, or None.

    An event is queued when the execution enters a state Flow triggers may watch: once per
    state change, in the transaction that records it.
    """
    if execution.state not in EVENT_STATES or previous_state == execution.state.value:
        return None
    trigger = execution.trigger or {}
    return {
        "execution_id": execution.id,
        "namespace": execution.namespace,
        "flow_id": execution.flow_id,
        "state": execution.state.value,
        "created": now,
        "data": codec.encode(
            {
                "labels": execution.labels,
                "outputs": execution.outputs or {},
                "trigger_id": trigger.get("id"),
                "trigger_type": trigger.get("type"),
            }
        ),
    }


def insert_events(tx: Tx, rows: list[dict[str, Any]]) -> None:
    if rows:
        tx.conn.execute(_INSERT, rows)


def consume_events(tx: Tx, ids: Sequence[int]) -> bool:
    """Delete the events ``ids``; False if one of them was gone already (another scheduler
    consumed it: the caller rolls back, so each event is acted upon once)."""
    wanted = set(ids)
    deleted = tx.conn.execute(delete(trigger_events).where(trigger_events.c.id.in_(wanted))).rowcount
    return deleted == len(wanted)
