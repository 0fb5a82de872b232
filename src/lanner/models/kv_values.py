"""Typed values of the namespace KV store, as Kestra types them.

A KV value is stored as JSON. STRING, NUMBER, BOOLEAN and JSON values are stored as they are,
their type read from the JSON value. DATETIME, DATE and DURATION values (and any value with a
description) are stored in a small envelope, ``{"__lannerKV": 1, "type": …, "value": …}``, so
their type survives; readers (``kv()``, the KV tasks, the API) see the value only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, cast

__all__ = [
    "KV_KEY_PATTERN",
    "KV_TYPES",
    "KVType",
    "TypedValue",
    "decode",
    "encode",
    "is_valid_key",
    "parse_text",
    "type_of",
]

KVType = Literal["STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON"]
KV_TYPES: tuple[KVType, ...] = ("STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON")
#: Kestra's rule: a letter or digit first, then letters, digits, ``.``, ``_`` and ``-``
KV_KEY_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$"

_ENVELOPE = "__lannerKV"
_KEY = re.compile(KV_KEY_PATTERN)
_DURATION = re.compile(r"^-?P(?=\d|T\d)(?:\d+(?:[.,]\d+)?[YMWD])*(?:T(?=\d)(?:\d+(?:[.,]\d+)?[HMS])*)?$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True, slots=True)
class TypedValue:
    """A KV value with its type and optional description."""

    type: KVType
    value: Any
    description: str | None = None


def is_valid_key(key: str) -> bool:
    return bool(_KEY.match(key))


def type_of(value: Any) -> KVType:
    """The type of a plain (JSON) value."""
    if value is None or isinstance(value, str):
        return "STRING"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int | float):
        return "NUMBER"
    if isinstance(value, datetime):
        return "DATETIME"
    if isinstance(value, date):
        return "DATE"
    if isinstance(value, timedelta):
        return "DURATION"
    return "JSON"


def encode(value: Any, description: str | None = None) -> Any:
    """The JSON to store for ``value``; datetimes, dates and timedeltas keep their type."""
    typed = value if isinstance(value, TypedValue) else TypedValue(type_of(value), value, description)
    plain = _plain(typed.value)
    if typed.type in ("DATETIME", "DATE", "DURATION") or typed.description:
        return {_ENVELOPE: 1, "type": typed.type, "value": plain, "description": typed.description or description}
    return plain


def decode(stored: Any) -> TypedValue:
    """The typed value of what ``encode`` stored."""
    if isinstance(stored, dict) and stored.get(_ENVELOPE) == 1 and stored.get("type") in KV_TYPES:
        return TypedValue(cast("KVType", stored["type"]), stored.get("value"), stored.get("description"))
    return TypedValue(type_of(stored), stored)


def parse_text(text: str) -> TypedValue:
    """A value sent as text (the KV API's body), typed as Kestra does: JSON first (a quoted
    string is a STRING), then an ISO date-time, date or duration, otherwise plain text."""
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except ValueError:
        pass
    else:
        return TypedValue(type_of(value), value)
    if _DATETIME.match(stripped):
        try:
            moment = datetime.fromisoformat(stripped.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return TypedValue("DATETIME", _plain(moment))
    if _DATE.match(stripped):
        try:
            return TypedValue("DATE", date.fromisoformat(stripped).isoformat())
        except ValueError:
            pass
    if _DURATION.match(stripped):
        return TypedValue("DURATION", stripped.upper())
    return TypedValue("STRING", text)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _iso_duration(value)
    return value


def _iso_duration(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = sign + "P" + (f"{int(days)}D" if days else "")
    clock = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
    if secs:
        clock += f"{secs:g}S"
    if clock:
        text += "T" + clock
    return text if text not in ("P", "-P") else "PT0S"
