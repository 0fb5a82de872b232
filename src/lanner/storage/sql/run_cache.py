"""Decoded task runs kept between executor passes.

An execution of 10,000 task runs is claimed again each time some of its tasks end; decoding
every run's JSON each time would make it quadratic. Rows are still read (they are the truth),
but a run whose ``(state, data text)`` is the one it was decoded from is not decoded again.

The processor changes runs in place and saves those it changed; a saved run is forgotten
(its stored text is new), and so is any handed-out run found changed but not saved (a failed
pass): the cache never answers with anything but what the database holds. The runs of an
execution that ended are forgotten (``forget_execution``), and so are those of executions with
fewer than ``executor_tx.CACHED_FROM`` runs, cheap to decode again: a backlog of 10,000 small
executions in flight would otherwise hold all their runs here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from lanner.models.execution import TaskRun
from lanner.storage.sql import codec

__all__ = ["Lent", "TaskRunCache"]

_Key = tuple[str, str]  # state, data as stored (text)
#: runs handed out in one transaction, with their fingerprint then
Lent = dict[str, tuple[TaskRun, tuple[Any, ...]]]


def _fingerprint(run: TaskRun) -> tuple[Any, ...]:
    """Cheap evidence of a change made in place (every change goes through these)."""
    return (run.state, len(run.history), len(run.attempts), id(run.outputs), len(run.meta))


class TaskRunCache:
    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        #: run id -> (state and text decoded, the run, its fingerprint when decoded)
        self._runs: dict[str, tuple[_Key, TaskRun, tuple[Any, ...]]] = {}
        #: execution id -> ids of its runs held here
        self._by_execution: dict[str, set[str]] = {}

    def decode(self, row: Any, lent: Lent) -> TaskRun:
        """The run of a row read with its ``data`` as text (``data_text``); ``lent`` (one per
        transaction) records it for ``settle``."""
        text = row.data_text
        if not isinstance(text, str):  # a driver that decoded it anyway: no caching
            return codec.task_run_from_data(row, text)
        key = (row.state, text)
        cached = self._runs.get(row.id)
        if cached is None or cached[0] != key:
            run = codec.task_run_from_data(row, json.loads(text))
            if len(self._runs) >= self._size:
                self._runs.clear()
                self._by_execution.clear()
            cached = (key, run, _fingerprint(run))
            self._runs[row.id] = cached
            self._by_execution.setdefault(row.execution_id, set()).add(row.id)
        # a cached run is as decoded (any change in place is found by ``settle``)
        lent[row.id] = (cached[1], cached[2])
        return cached[1]

    def forget(self, ids: Iterable[str]) -> None:
        for run_id in ids:
            self._runs.pop(run_id, None)

    def forget_execution(self, execution_id: str) -> None:
        """Drop every run of an execution (it ended: it is rarely claimed again)."""
        for run_id in self._by_execution.pop(execution_id, ()):
            self._runs.pop(run_id, None)

    def __len__(self) -> int:
        return len(self._runs)

    def settle(self, lent: Lent, committed: bool) -> None:
        """End of a transaction: drop runs saved in it (their text changed), changed in place
        but not saved, or every lent run if it rolled back."""
        if not committed:
            self.forget(lent)
            return
        for run_id, (run, fingerprint) in lent.items():
            if _fingerprint(run) != fingerprint:
                self._runs.pop(run_id, None)
