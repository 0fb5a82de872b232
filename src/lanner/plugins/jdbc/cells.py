"""Database values as task outputs: JSON-friendly, close to what Kestra's JDBC tasks return.

Numbers stay numbers (an integral ``NUMERIC`` becomes an int, another a float when that is
exact, else a string so no digit is lost), dates and times become ISO-8601 strings, intervals
ISO-8601 durations, binary data base64, JSON columns their parsed value.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["iso_duration", "to_output"]


def to_output(value: Any) -> Any:
    """``value`` converted to what JSON can hold, recursively."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return iso_duration(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(key): to_output(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_output(item) for item in value]
    return str(value)


def _decimal(value: Decimal) -> int | float | str:
    if not value.is_finite():
        return str(value)
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value.normalize() else str(value)


def iso_duration(value: dt.timedelta) -> str:
    """``PT1H30M``-style duration (days as ``P1D``), negative with a leading ``-``."""
    total = value.total_seconds()
    sign = "-" if total < 0 else ""
    remaining = abs(value)
    days, seconds = remaining.days, remaining.seconds
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    fraction = f".{remaining.microseconds:06d}".rstrip("0") if remaining.microseconds else ""
    time = "".join(
        part
        for part, present in ((f"{hours}H", hours), (f"{minutes}M", minutes), (f"{seconds}{fraction}S", seconds or fraction))
        if present
    )
    text = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return sign + (text if text != "P" else "PT0S")
