"""Query parameters Kestra's API shares between endpoints: labels, sort, durations.

A value that cannot be read is answered like FastAPI's own parameter checks: 422 with a
``detail`` list locating the parameter (``["query", "labels"]``) and saying what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from fastapi.exceptions import RequestValidationError

from lanner.api.errors import invalid_request
from lanner.models.input_values import InvalidValue, parse_duration

__all__ = ["SYSTEM_LABEL_PREFIX", "param_error", "parse_labels", "parse_sort", "parse_time_range"]

#: labels under this prefix are set by the server only (except ``system.correlationId``)
SYSTEM_LABEL_PREFIX = "system."
_USER_SYSTEM_LABELS = frozenset({"system.correlationId"})


def param_error(name: str, message: str, value: Any = None, *, where: str = "query") -> RequestValidationError:
    """A 422 answer about one request parameter (``value`` is for the log, never echoed)."""
    return invalid_request((where, name), message)


def parse_labels(values: Iterable[str] | None, *, name: str = "labels", user_given: bool = True) -> dict[str, str]:
    """``["team:data", "env:prod"]`` as a map; ``user_given`` refuses server-only labels."""
    labels: dict[str, str] = {}
    for value in values or ():
        key, sep, text = value.partition(":")
        if not sep or not key.strip():
            raise param_error(name, f"a label is written key:value, got {value!r}", value)
        key = key.strip()
        if user_given and key.startswith(SYSTEM_LABEL_PREFIX) and key not in _USER_SYSTEM_LABELS:
            raise param_error(name, f"labels under {SYSTEM_LABEL_PREFIX!r} are set by the server only, got {key!r}", value)
        labels[key] = text
    return labels


def parse_sort(values: Iterable[str] | None, fields: dict[str, str], *, name: str = "sort") -> list[tuple[str, bool]]:
    """``["state.startDate:desc"]`` as ``[("start_date", True)]``; ``fields`` maps API names
    to storage names."""
    order: list[tuple[str, bool]] = []
    for value in values or ():
        for item in value.split(","):
            if not item.strip():
                continue
            field, _, direction = item.strip().partition(":")
            if field not in fields:
                raise param_error(name, f"cannot sort by {field!r}; use one of {', '.join(fields)}", value)
            direction = direction.lower() or "asc"
            if direction not in ("asc", "desc"):
                raise param_error(name, f"sort direction is asc or desc, got {direction!r}", value)
            order.append((fields[field], direction == "desc"))
    return order


def parse_time_range(value: str | None, *, name: str = "timeRange") -> timedelta | None:
    """An ISO-8601 duration (``PT5M``, ``P1D``) as a positive ``timedelta``."""
    if value is None:
        return None
    try:
        return abs(parse_duration(value))
    except InvalidValue as exc:
        raise param_error(name, exc.message, value) from exc
