"""Waiting for work without missing a stop request."""

from __future__ import annotations

import asyncio
import contextlib

from lanner.storage.ports import Store

__all__ = ["wait_or_stop"]


async def wait_or_stop(store: Store, channel: str, timeout: float, stop: asyncio.Event) -> None:
    """Return when ``channel`` is signalled, ``stop`` is set, or ``timeout`` passed."""
    if stop.is_set():
        return
    waiter = asyncio.ensure_future(store.wait_for(channel, timeout))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (waiter, stopper):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
