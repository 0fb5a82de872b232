"""``workerGroup.fallback``: what becomes of a task whose worker group no live worker serves.

The executor looks when it creates the task's worker job (Kestra does the same): ``WAIT`` (the
default) queues the job anyway, with a warning in the task run's logs, and a worker of the
group takes it whenever one starts; ``FAIL`` fails the task run; ``CANCEL`` cancels the task
run and kills the execution. A job already waiting is not looked at again if the last worker
of its group dies later: it waits, whatever its fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

from lanner.models.flow import WorkerGroup
from lanner.models.state import State

__all__ = ["Fallback", "group_fallback"]


@dataclass(frozen=True)
class Fallback:
    """The outcome for a task whose group is not served."""

    #: the task run's state; None: the job is queued and waits for a worker of the group
    state: State | None
    level: str
    message: str
    #: the whole execution is killed (``fallback: CANCEL``)
    kill_execution: bool = False


def group_fallback(group: WorkerGroup | None, served: frozenset[str] | None) -> Fallback | None:
    """None when the task can be queued as usual (no group, the group is served, or the served
    groups are unknown); otherwise what its ``fallback`` says to do."""
    if group is None or served is None or group.key in served:
        return None
    missing = f"no live worker serves worker group {group.key!r}"
    hint = f"start one with `lanner server worker --worker-group {group.key}`"
    if group.fallback == "FAIL":
        return Fallback(State.FAILED, "ERROR", f"{missing} (workerGroup.fallback: FAIL): the task run fails; {hint}")
    if group.fallback == "CANCEL":
        return Fallback(
            State.CANCELLED,
            "WARN",
            f"{missing} (workerGroup.fallback: CANCEL): the task run is cancelled and the execution killed; {hint}",
            kill_execution=True,
        )
    return Fallback(None, "WARN", f"{missing}: the task waits for one (workerGroup.fallback: WAIT); {hint}")
