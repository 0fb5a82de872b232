"""Server-Sent Events: the wire format and the streaming response.

Kestra's follow endpoints send each JSON document as one event whose ``id`` says where the
stream is (``start``, ``progress``, ``end``); Lanner writes the same frames, so Kestra's UI
and clients read them unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

__all__ = ["KEEPALIVE_SECONDS", "POLL_SECONDS", "sse_event", "sse_response"]

#: how often followers look at storage for changes
POLL_SECONDS = 0.2
#: an idle stream sends a comment this often, so proxies keep it open and a gone client is noticed
KEEPALIVE_SECONDS = 15.0
_KEEPALIVE = ": keep-alive\n\n"


def sse_event(data: Any, *, event_id: str | None = None, event: str | None = None) -> str:
    """One event: ``data`` as compact JSON on a single ``data:`` line."""
    head = ""
    if event_id is not None:
        head += f"id: {event_id}\n"
    if event is not None:
        head += f"event: {event}\n"
    return f"{head}data: {json.dumps(data, separators=(',', ':'), default=str)}\n\n"


async def _with_keepalive(events: AsyncIterator[str]) -> AsyncIterator[str]:
    """``events``, with a keep-alive comment whenever none came for ``KEEPALIVE_SECONDS``."""
    iterator = aiter(events)
    pending: asyncio.Task[str] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait({pending}, timeout=KEEPALIVE_SECONDS)
            if not done:
                yield _KEEPALIVE
                continue
            try:
                frame = pending.result()
            except StopAsyncIteration:
                return
            finally:
                pending = None
            yield frame
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending
        closer = getattr(iterator, "aclose", None)
        if closer is not None:
            await closer()


class _EventStream(StreamingResponse):
    """A stream that ends cleanly when the server cancels it: a stopping server cancels the
    streams still open after its grace period (``server.shutdown_timeout``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or task.uncancel() > 0:  # cancelled from elsewhere too: let it through
                raise
            with contextlib.suppress(Exception):  # the client may be gone already
                await send({"type": "http.response.body", "body": b"", "more_body": False})


def sse_response(events: AsyncIterator[str]) -> StreamingResponse:
    """A ``text/event-stream`` response that is neither cached nor buffered by proxies."""
    return _EventStream(
        _with_keepalive(events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
