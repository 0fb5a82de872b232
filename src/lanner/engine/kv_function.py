"""The ``kv()`` expression function, for the worker and the executor alike.

Rendering is synchronous and the store is asynchronous: a template mentioning ``kv(`` is
rendered in a thread (``render_with_kv``), where ``kv()`` waits for the read it schedules on
the event loop. The loop stays free meanwhile, so the read can run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from lanner.errors import ExpressionError
from lanner.models.kv_values import decode
from lanner.storage.ports import KVEntry

__all__ = ["kv_function", "mentions_kv", "render_with_kv"]

T = TypeVar("T")

Reader = Callable[[str, str], Coroutine[Any, Any, KVEntry | None]]


def kv_function(read: Reader, default_namespace: str, loop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """``kv(key, namespace=None, errorOnMissing=False)``, callable from a thread other than ``loop``'s."""

    def kv(key: Any, namespace: Any = None, errorOnMissing: Any = False) -> Any:
        ns = str(namespace) if namespace else default_namespace
        entry: KVEntry | None = asyncio.run_coroutine_threadsafe(read(ns, str(key)), loop).result()
        if entry is None:
            if errorOnMissing:
                raise ExpressionError(f"kv('{key}')", f"no KV entry {str(key)!r} in namespace {ns!r}")
            return None
        return decode(entry.value).value

    return kv


def mentions_kv(value: Any) -> bool:
    """Whether a template (or a structure of templates) may call ``kv()``."""
    if isinstance(value, str):
        return "kv(" in value
    if isinstance(value, dict):
        return any(mentions_kv(k) or mentions_kv(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(mentions_kv(v) for v in value)
    return False


async def render_with_kv(render: Callable[[], T]) -> T:
    """Run a synchronous rendering that may call ``kv()`` in a thread, keeping the loop free."""
    return await asyncio.to_thread(render)
