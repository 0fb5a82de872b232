"""Automatic retention: the scheduler deletes ended executions and log lines past their age.

Off unless ``retention.executions`` or ``retention.logs`` is set. A pass runs every
``retention.interval`` and deletes at most ``max_batches`` batches of each kind (short
transactions, oldest first); when more is left, the next scheduler pass continues. Several
schedulers may run it at once: the deletes skip rows another process holds and are
idempotent, and running or pending executions are never deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lanner.engine.purge import StorePurger
from lanner.storage.files import FileStorage
from lanner.storage.ports import Store
from lanner.tasks.context import ExecutionPurge, LogPurgeRequest, PurgeCounts

__all__ = ["Retention", "RetentionOptions"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionOptions:
    #: ended executions older than this are deleted with their task runs, logs and files
    executions: timedelta | None = None
    #: log lines older than this are deleted
    logs: timedelta | None = None
    #: time between two retention passes
    interval: timedelta = timedelta(hours=1)
    #: rows per delete transaction
    batch: int = 500
    #: batches of each kind per pass; the rest waits for the next scheduler pass
    max_batches: int = 20

    @property
    def enabled(self) -> bool:
        return self.executions is not None or self.logs is not None


class Retention:
    """Runs retention passes when they are due (called by the scheduler after each pass)."""

    def __init__(self, store: Store, files: FileStorage, options: RetentionOptions, clock: Callable[[], datetime]) -> None:
        self.options = options
        self._purger = StorePurger(store, files)
        self._clock = clock
        self._next: datetime | None = None

    async def run_if_due(self) -> tuple[PurgeCounts, int] | None:
        """A pass if one is due: the executions and log lines deleted; None when not due or off."""
        if not self.options.enabled:
            return None
        now = self._clock()
        if self._next is not None and now < self._next:
            return None
        counts, log_lines, more = await self.run_once(now)
        self._next = now if more else now + self.options.interval
        if counts.executions or log_lines:
            log.info("retention deleted %s execution(s) and %s log line(s)", counts.executions, counts.logs + log_lines)
        return counts, log_lines

    async def run_once(self, now: datetime) -> tuple[PurgeCounts, int, bool]:
        """Delete what is past its age (bounded); also says whether more may be left."""
        options = self.options
        full = options.batch * options.max_batches
        counts, log_lines = PurgeCounts(), 0
        if options.executions is not None:
            request = ExecutionPurge(end=now - options.executions, batch_size=options.batch)
            counts = await self._purger.executions(request, max_batches=options.max_batches)
        if options.logs is not None:
            request_logs = LogPurgeRequest(end=now - options.logs, batch_size=options.batch)
            log_lines = await self._purger.logs(request_logs, max_batches=options.max_batches)
        return counts, log_lines, counts.executions >= full or log_lines >= full
