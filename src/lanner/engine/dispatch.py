"""Handing jobs straight to a worker of the same process."""

from __future__ import annotations

from typing import Protocol

from lanner.storage.ports import WorkerJob

__all__ = ["LocalDispatch"]


class LocalDispatch(Protocol):
    """A worker in the executor's process that can take jobs without claiming them from storage.

    The executor reserves a slot while it plans (inside its transaction), records the job as
    claimed by this worker, and hands it over once the transaction committed.
    """

    @property
    def worker_id(self) -> str: ...

    def reserve(self, group: str | None) -> bool:
        """Take a free slot for a job of ``group``; False when none is free."""
        ...

    def release(self, count: int) -> None:
        """Give back slots reserved by a transaction that did not commit."""
        ...

    def accept(self, job: WorkerJob) -> None:
        """Run a job reserved earlier (its transaction committed)."""
        ...

    def kill_execution(self, execution_id: str) -> None:
        """Stop at once every attempt of this execution running here."""
        ...
