"""Wake-ups: one asyncio event per channel, set in-process after each commit and, on
PostgreSQL, by ``NOTIFY`` from any process through a dedicated ``LISTEN`` connection.

The triggers created by migration 0001 send ``NOTIFY lanner_executor`` /
``NOTIFY lanner_worker`` with the table's schema as payload, so stores isolated in different
schemas of one database do not wake each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

__all__ = ["CHANNELS", "Notifier"]

CHANNELS = ("executor", "worker")
_PG_PREFIX = "lanner_"
#: how often an idle LISTEN connection is pinged, so a silently dropped one is replaced
_KEEPALIVE_SECONDS = 30.0
_MAX_BACKOFF_SECONDS = 5.0

logger = logging.getLogger(__name__)


class Notifier:
    """Channel events; with a DSN, also a LISTEN connection that reconnects when it drops."""

    def __init__(self, dsn: str | None, schema: str | None) -> None:
        self._dsn = dsn
        self._schema = schema
        # Set from the start: work may be waiting from before this process started.
        self._events = {channel: asyncio.Event() for channel in CHANNELS}
        for wake in self._events.values():
            wake.set()
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._conn: Any = None
        self._own_pids: set[int] = set()

    def own_backend(self, pid: int) -> None:
        """A server process of this process's pool: its notifications are ignored (every
        commit made here is signalled here directly)."""
        self._own_pids.add(pid)

    @property
    def backend_pid(self) -> int | None:
        """The LISTEN connection's server process id (None when not connected)."""
        return None if self._conn is None else int(self._conn.get_server_pid())

    def signal(self, channel: str) -> None:
        self._events[channel].set()

    async def wait(self, channel: str, timeout: float) -> None:
        if channel not in self._events:
            raise ValueError(f"unknown channel {channel!r} (expected one of {', '.join(CHANNELS)})")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if self._dsn is not None and not self._listening.is_set():
            if self._task is None:
                self._task = asyncio.create_task(self._listen(), name="lanner-listen")
            # Until LISTEN is in place a NOTIFY would be lost: wait for it (once).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._listening.wait(), timeout)
            if not self._listening.is_set():
                return
        wake = self._events[channel]
        if not wake.is_set():
            try:
                await asyncio.wait_for(wake.wait(), max(deadline - loop.time(), 0.0))
            except TimeoutError:
                return
        # Cleared before the caller looks for work: a signal from now on is not lost.
        wake.clear()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            try:
                await self._listen_once()
                delay = 0.1
                logger.warning("LISTEN connection lost; reconnecting")
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                logger.warning("LISTEN connection failed (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF_SECONDS)

    async def _listen_once(self) -> None:
        """Connect, LISTEN, and return when the connection is lost."""
        conn = await asyncpg.connect(self._dsn, server_settings={"application_name": "lanner-listen"})
        try:
            schema = self._schema or await conn.fetchval("SELECT current_schema()")
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn: lost.set())

            def on_notify(_conn: Any, pid: int, pg_channel: str, payload: str) -> None:
                if payload in ("", schema) and pid not in self._own_pids:
                    self._events[pg_channel.removeprefix(_PG_PREFIX)].set()

            for channel in CHANNELS:
                await conn.add_listener(_PG_PREFIX + channel, on_notify)
            self._conn = conn
            # Notifications sent while nobody listened are gone: assume there were some.
            for wake in self._events.values():
                wake.set()
            self._listening.set()
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), _KEEPALIVE_SECONDS)
                except TimeoutError:
                    await conn.execute("SELECT 1")
        finally:
            self._conn = None
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close(timeout=1))
