"""The scheduler: fires the triggers of deployed flows.

Each pass (``run_once``) lists the deployed flows' triggers, stores a state row for triggers
seen for the first time, then fires due schedules and backfills (``schedules.py``), polls due
polling triggers (``polling.py``) and reacts to ended executions (``flow_triggers.py``).
Webhooks are fired by the API (``webhooks.py``). Such a full pass runs every
``SchedulerOptions.poll`` and when an operator changes a trigger; an execution that ended in
this process wakes the scheduler for its trigger events only (``run_events_once``).

Everything a pass decides is committed fenced on the trigger states' versions, together with
the executions it starts: with several schedulers on one database, or after a crash, a tick
fires once. The clock is injected, so tests drive passes with a fake one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lanner.engine.flow_index import FlowCache, FlowIndex
from lanner.engine.flow_triggers import handle_events
from lanner.engine.loop_errors import report_failure
from lanner.engine.polling import poll_if_due
from lanner.engine.retention import Retention, RetentionOptions
from lanner.engine.schedules import declared_backfill, fire_due
from lanner.engine.trigger_runs import Launcher
from lanner.errors import LannerError, StorageError
from lanner.models.ids import new_id
from lanner.storage.files import FileStorage
from lanner.storage.ports import Store, StoredFlow, TriggerCommit, TriggerState
from lanner.triggers.base import Trigger
from lanner.triggers.core.flow import FlowTrigger
from lanner.triggers.core.schedule import Schedule
from lanner.triggers.polling import PollingTrigger

__all__ = ["Deployed", "Scheduler", "SchedulerOptions"]

log = logging.getLogger(__name__)

Key = tuple[str, str, str]
#: the trigger kinds a pass fires by their next date
_TIMED = (Schedule, PollingTrigger)
#: more new flow revisions than this to read: one read of every flow instead of one each
_READ_ALL_FROM = 50


@dataclass
class SchedulerOptions:
    #: seconds between passes when nothing wakes the scheduler earlier
    poll: float = 1.0
    #: recoverMissedSchedules of schedules that set none: ALL, LAST or NONE
    recover_missed_schedules: str = "ALL"
    #: a tick older than this when the scheduler gets to it was missed (downtime)
    late_after: timedelta = timedelta(seconds=60)
    #: most ticks fired per schedule and pass (the rest comes at the next pass)
    batch: int = 100
    #: trigger events handled per pass
    event_batch: int = 200
    #: how long a polling trigger stays locked by the scheduler polling it
    poll_lock: timedelta = timedelta(minutes=5)
    #: automatic deletion of old executions and logs (off by default)
    retention: RetentionOptions = field(default_factory=RetentionOptions)


@dataclass(slots=True)
class Deployed:
    """A trigger of the latest revision of a deployed flow."""

    index: FlowIndex
    trigger: Trigger

    @property
    def key(self) -> Key:
        return (self.index.flow.namespace, self.index.flow.id, self.trigger.id)

    @property
    def disabled(self) -> bool:
        return self.trigger.disabled or self.index.flow.disabled


@dataclass(frozen=True, slots=True)
class _Deployment:
    """The deployed triggers as one read of the flows found them, and what passes derive from
    them, computed once per read (an events pass runs after every ended execution)."""

    #: the triggers of each flow's latest revision
    by_revision: dict[tuple[str, str, int], list[Deployed]]
    by_key: dict[Key, Deployed]
    #: the Flow triggers
    watchers: list[Deployed]
    #: canonical types of the triggers fired by their next date (schedules, polling)
    timed_types: list[str]

    @classmethod
    def of(cls, by_revision: dict[tuple[str, str, int], list[Deployed]]) -> _Deployment:
        by_key = {item.key: item for items in by_revision.values() for item in items}
        kinds = {type(item.trigger) for item in by_key.values()}
        return cls(
            by_revision,
            by_key,
            [item for item in by_key.values() if isinstance(item.trigger, FlowTrigger)],
            sorted(kind.canonical_type() for kind in kinds if issubclass(kind, _TIMED)),
        )


@dataclass
class Scheduler:
    store: Store
    flows: FlowCache
    launcher: Launcher
    clock: Callable[[], datetime]
    options: SchedulerOptions = field(default_factory=SchedulerOptions)
    id: str = field(default_factory=lambda: f"{socket.gethostname()}-{new_id()[:8]}")
    #: internal storage, for retention to delete the files of the executions it deletes
    files: FileStorage | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    #: the next pass must be a full one (``wake``), not only the trigger events
    _full_wanted: bool = field(default=True, init=False, repr=False)
    retention: Retention | None = field(default=None, init=False)
    #: the deployed triggers seen at the last read of the flows (see `deployed`)
    _deployment: _Deployment = field(default_factory=lambda: _Deployment.of({}), init=False, repr=False)
    _reading: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)
    #: ``Store.flows_version`` when ``_deployment`` was read (see `deployed`)
    _flows_version: int | None = field(default=None, init=False, repr=False)
    #: ``_flows_version`` when every trigger state was last read and synced (see `run_once`)
    _synced_version: int | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.files is not None and self.options.retention.enabled:
            self.retention = Retention(self.store, self.files, self.options.retention, self.clock)

    def wake(self) -> None:
        """Run a full pass now (a trigger was changed, enabled, reset…)."""
        self._full_wanted = True
        self._wake.set()

    def wake_for_events(self) -> None:
        """Handle the queued trigger events now (an execution ended): Flow triggers react at
        once, without a full pass over every schedule and trigger state (with thousands of
        triggers and hundreds of executions ending per second, back-to-back full passes)."""
        self._wake.set()

    async def deployed(self) -> dict[Key, Deployed]:
        """The triggers of every deployed flow, by (namespace, flow id, trigger id) (kept
        until the next read: not to be modified).

        A pass reads the flows only when ``Store.flows_version`` moved since the last read
        (one row instead of 10,000: passes come every second and after every ended
        execution); then the latest revision of each flow, without its source (``flow_heads``).
        Each revision is read and parsed once (its source never changes; one without the word
        ``triggers`` not at all), then its triggers are kept until the flow changes or goes: the
        flow cache holds 512 flows, and a pass over 10,000 of them parsed all 10,000 again,
        holding the event loop, and so every API answer of the server, for seconds at each pass."""
        # One read at a time (the loop's passes, the API's trigger list): a second caller waits
        # for the read in progress and finds the version read, instead of parsing every flow too.
        async with self._reading:
            version = await self.store.flows_version()  # before the heads: a change after it is seen next pass
            if version != self._flows_version:  # a flow was saved, deleted or pruned somewhere since the last read
                self._deployment = _Deployment.of(await self._read_triggers())
                self._flows_version = version
        return self._deployment.by_key

    async def _read_triggers(self) -> dict[tuple[str, str, int], list[Deployed]]:
        """The triggers of the latest revision of each flow, parsing only revisions not seen before."""
        known: dict[tuple[str, str, int], list[Deployed]] = {}
        heads = await self.store.flow_heads()
        seen = self._deployment.by_revision
        new = sum(1 for h in heads if h.mentions_triggers and (h.namespace, h.id, h.revision) not in seen)
        sources: dict[tuple[str, str, int], StoredFlow] = {}
        if new > _READ_ALL_FROM:
            # Many revisions not seen yet (a start): one read of every flow's latest revision,
            # not one per flow (5,000 reads took ~2 s on PostgreSQL).
            sources = {(flow.namespace, flow.id, flow.revision): flow for flow in await self.store.list_flows()}
        for head in heads:
            revision = (head.namespace, head.id, head.revision)
            items = seen.get(revision)
            if items is None and not head.mentions_triggers:
                items = []  # no trigger is declared without the word: nothing to read or parse
            if items is None:
                try:
                    stored = sources.get(revision)
                    if stored is not None:
                        index = self.flows.add(stored)
                        await asyncio.sleep(0)  # parsing thousands in a row must not hold the event loop
                    else:
                        index = await self.flows.get(head.namespace, head.id, head.revision)
                except StorageError:
                    raise  # the database is away: this pass fails, the next one reads everything again
                except LannerError as exc:
                    log.warning("flow %s.%s revision %s has invalid triggers: %s", head.namespace, head.id, head.revision, exc)
                    continue
                items = [Deployed(index, trigger) for trigger in index.flow.triggers or []]  # type: ignore[arg-type]
            known[revision] = items
        return known

    def initial_state(self, item: Deployed, now: datetime) -> TriggerState:
        trigger = item.trigger
        state = TriggerState(*item.key, type=trigger.canonical_type())
        if isinstance(trigger, Schedule):
            state.next_date = trigger.next_fire(now)
            state.data["signature"] = trigger.signature()
            if (backfill := declared_backfill(trigger, now)) is not None:
                state.data["backfill"] = backfill
        elif isinstance(trigger, PollingTrigger):
            state.next_date = now
        return state

    async def sync(self, deployed: dict[Key, Deployed], now: datetime) -> dict[Key, TriggerState]:
        """Trigger states of the deployed triggers (created when missing; those of removed triggers dropped)."""
        states = {state.key: state for state in await self.store.trigger_states()}
        missing = [self.initial_state(item, now) for key, item in deployed.items() if key not in states]
        if missing:
            await self.store.add_trigger_states(missing)
            states.update({state.key: state for state in await self.store.trigger_states()})
        stale = [key for key in states if key not in deployed]
        if stale:
            await self.store.delete_trigger_states(stale)
        self._synced_version = self._flows_version
        return {key: state for key, state in states.items() if key in deployed}

    async def _states(self, deployed: dict[Key, Deployed], now: datetime) -> dict[Key, TriggerState]:
        """The states this pass acts on: after a flow change, every state (``sync``); otherwise
        only those with something possibly due (``Store.due_trigger_states``), instead of
        reading and decoding every trigger's state each second: 10,000 states took ~110 ms a
        pass, holding the event loop. Nothing else changes a state's due-ness unseen: a
        disabled or re-enabled schedule has its next date cleared, a backfill is in the data."""
        if self._synced_version is None or self._synced_version != self._flows_version:
            return await self.sync(deployed, now)
        # Only the kinds a pass acts on: Flow triggers and webhooks have no next date.
        due = await self.store.due_trigger_states(now, self._deployment.timed_types)
        return {state.key: state for state in due if state.key in deployed}

    async def commit(self, commit: TriggerCommit) -> bool:
        return await self.store.commit_triggers(commit)

    async def run_once(self) -> int:
        """One pass; returns how many executions it started."""
        now = self.clock()
        deployed = await self.deployed()
        states = await self._states(deployed, now)
        started = 0
        polls: list[Any] = []
        for key, state in states.items():
            item = deployed[key]
            try:
                if isinstance(item.trigger, Schedule):
                    started += await fire_due(self, item, state, now)
                elif isinstance(item.trigger, PollingTrigger):
                    polls.append(poll_if_due(self, item, state, now))
            except Exception:  # one broken trigger must not stop the others
                log.exception("trigger %s failed", ".".join(key))
        for count in await asyncio.gather(*polls, return_exceptions=True):
            if isinstance(count, BaseException):
                log.error("polling trigger failed: %r", count)
            else:
                started += int(count)
        started += await handle_events(self, deployed, self._deployment.watchers)
        return started

    async def run_events_once(self) -> int:
        """The trigger events only, with the triggers the last full pass read; a full pass
        instead when there was none yet or a flow changed since (a new Flow trigger needs its
        state stored before it can react). Returns how many executions it started."""
        if self._flows_version is None or await self.store.flows_version() != self._flows_version:
            return await self.run_once()
        return await handle_events(self, self._deployment.by_key, self._deployment.watchers)

    async def run_forever(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        next_full = loop.time()
        while not stop.is_set():
            self._wake.clear()
            full = self._full_wanted or loop.time() >= next_full
            self._full_wanted = False
            try:
                if full:
                    next_full = loop.time() + self.options.poll
                    await self.run_once()
                else:
                    await self.run_events_once()
            except Exception:
                self._full_wanted = True  # whatever failed, the next pass looks at everything
                report_failure(log, "scheduler pass failed; retrying")
            if full and self.retention is not None:
                try:
                    await self.retention.run_if_due()
                except Exception:
                    report_failure(log, "retention pass failed; retrying at the next pass")
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            timeout = max(next_full - loop.time(), 0.0)
            try:
                await asyncio.wait({waiter, stopper}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (waiter, stopper):
                    if not task.done():
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
