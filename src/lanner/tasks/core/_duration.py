"""Durations in task properties: ISO-8601 (``PT5M``) or a number of seconds, after rendering."""

from __future__ import annotations

from datetime import timedelta

from pydantic import TypeAdapter, ValidationError

from lanner.errors import TaskFailure

__all__ = ["parse_duration"]

_TIMEDELTA = TypeAdapter(timedelta)


def parse_duration(value: object, what: str) -> timedelta:
    """The duration ``value`` stands for; ``TaskFailure`` naming the property ``what`` otherwise."""
    if isinstance(value, timedelta):
        return value
    try:
        return _TIMEDELTA.validate_python(value.strip() if isinstance(value, str) else value)
    except ValidationError:
        raise TaskFailure(
            f"`{what}` is not a duration: {value!r} (use ISO-8601, such as PT30S or PT5M)", retryable=False
        ) from None
