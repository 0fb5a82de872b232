"""Functions, tests and translation helpers every template sees.

Functions (Kestra names): ``now(timeZone=…)``, ``fromJson(text)``, ``range(start, end, step)``
(inclusive like Pebble, at most a million items), ``max(…)``/``min(…)``, ``uuid()`` (UUID v7),
``randomInt(lower, upper)`` (upper excluded). Engine functions such as ``secret`` or ``kv`` are
passed per render and take precedence over these.

Tests: ``null``, ``empty``, ``defined``, ``even``, ``odd``, ``iterable``, ``map``, ``json``.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid as uuidlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from jinja2 import Undefined, pass_context
from jinja2.runtime import Context

from . import dates
from .filters import FilterError, is_empty
from .sandbox import MAX_SEQUENCE, LannerEnvironment
from .serialize import to_text

__all__ = ["helpers", "public_functions", "tests"]

_KEPT = "__lanner_kept"


def public_functions(clock: Callable[[], datetime]) -> dict[str, Callable[..., Any]]:
    """The functions templates call by name; ``now()`` reads ``clock``."""

    def now(timeZone: str | None = None) -> datetime:
        return dates.now(clock, timeZone)

    return {
        "now": now,
        "fromJson": from_json,
        "json": from_json,  # removed in Kestra 2.0, kept for flows written before it
        "range": pebble_range,
        "max": maximum,
        "min": minimum,
        "uuid": uuid,
        "randomInt": random_int,
    }


def helpers(environment: LannerEnvironment) -> dict[str, Callable[..., Any]]:
    """Filters the translated templates use; see :mod:`lanner.expressions.pebble`."""

    def get(obj: Any, key: Any) -> Any:
        """``obj.key`` / ``obj[key]`` that yields undefined (never raises) when anything is missing."""
        if isinstance(obj, Undefined):
            return obj
        if obj is None:
            return environment.undefined(obj=obj, name=key)
        if isinstance(key, str) and not isinstance(obj, Mapping | list | tuple | str):
            return environment.getattr(obj, key)
        return environment.getitem(obj, key)

    return {
        "__lanner_get": get,
        "__lanner_keep": keep,
        "__lanner_take": take,
        "__lanner_concat": concat,
        "__lanner_contains": contains,
        "__lanner_in": is_in,
        "__lanner_range": pebble_range,
        "__lanner_iter": iterate,
    }


@pass_context
def keep(context: Context, value: Any, undefined_only: bool) -> bool:
    """Left side of ``??``: remember ``value`` for :func:`take` when it is present."""
    if isinstance(value, Undefined) or (value is None and not undefined_only):
        return False
    context.vars.setdefault(_KEPT, []).append(value)
    return True


@pass_context
def take(context: Context, _ignored: Any) -> Any:
    """The value :func:`keep` just remembered (so the left side is evaluated only once)."""
    return context.vars[_KEPT].pop()


def from_json(text: Any) -> Any:
    if text is None or isinstance(text, Undefined):
        return text
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise FilterError(f"fromJson: not valid JSON ({exc})") from exc


def pebble_range(start: int, end: int, step: int = 1) -> list[int]:
    """Integers from ``start`` to ``end`` *included*, like Pebble."""
    _require_defined(start, end, step)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end, step)):
        raise FilterError("range expects integers")
    if step == 0:
        raise FilterError("range step cannot be 0")
    size = (end - start) // step + 1
    if size > MAX_SEQUENCE:
        raise FilterError(f"range cannot produce more than {MAX_SEQUENCE} items (asked for {size})")
    return list(range(start, end + (1 if step > 0 else -1), step))


def maximum(*values: Any) -> Any:
    items = list(values[0]) if len(values) == 1 and isinstance(values[0], list | tuple) else list(values)
    return max(items)


def minimum(*values: Any) -> Any:
    items = list(values[0]) if len(values) == 1 and isinstance(values[0], list | tuple) else list(values)
    return min(items)


def uuid() -> str:
    """A time-ordered UUID (version 7), as Kestra generates."""
    millis = time.time_ns() // 1_000_000
    value = (millis & (2**48 - 1)) << 80 | int.from_bytes(os.urandom(10)) & (2**80 - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return str(uuidlib.UUID(int=value))


def random_int(lower: int, upper: int) -> int:
    return random.randrange(lower, upper)


def concat(left: Any, right: Any) -> Any:
    """``left ~ right``: both as they would print; an undefined side stays undefined."""
    for side in (left, right):
        if isinstance(side, Undefined):
            return side
    return to_text(left) + to_text(right)


def contains(container: Any, item: Any) -> bool:
    """Pebble's ``contains``: substring, map key, list element; a list item means all of them."""
    _require_defined(container, item)
    if container is None:
        return False
    if isinstance(container, str):
        return to_text(item) in container
    wanted = item if isinstance(item, list | tuple) else [item]
    if isinstance(container, Mapping | list | tuple | set | frozenset):
        return all(element in container for element in wanted)
    raise FilterError(f"'contains' cannot look inside {type(container).__name__}")


def is_in(item: Any, container: Any) -> bool:
    """Kestra's ``in``: compares as strings; in a map, a key or a value matches."""
    _require_defined(item, container)
    if item is None or container is None:
        return False
    text = to_text(item)
    if isinstance(container, str):
        return text in container
    if isinstance(container, Mapping):
        return any(to_text(k) == text or to_text(v) == text for k, v in container.items())
    if isinstance(container, Iterable):
        return any(to_text(element) == text for element in container)
    return False


def _require_defined(*values: Any) -> None:
    for value in values:
        if isinstance(value, Undefined):
            str(value)  # a strict undefined raises, naming what is missing


def iterate(iterable: Any, targets: int) -> Iterable[Any]:
    """What ``{% for %}`` walks: map entries (``key``/``value``, or pairs for two variables)."""
    if isinstance(iterable, Mapping):
        if targets == 1:
            return [{"key": key, "value": value} for key, value in iterable.items()]
        return list(iterable.items())
    if iterable is None:
        return []
    return iterable  # type: ignore[no-any-return]


def _test_null(value: Any) -> bool:
    return value is None or isinstance(value, Undefined)


def _test_map(value: Any) -> bool:
    return isinstance(value, Mapping)


def _test_iterable(value: Any) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def _test_json(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def tests() -> dict[str, Callable[..., bool]]:
    """Pebble tests missing from Jinja, or whose Jinja meaning differs (``iterable``)."""
    return {
        "null": _test_null,
        "none": _test_null,
        "empty": is_empty,
        "map": _test_map,
        "iterable": _test_iterable,
        "json": _test_json,
    }
