"""Rows as Amazon Ion text, one value per line: the file format of Kestra's ``fetchType: STORE``.

Only writing is needed. Types map as Kestra's JDBC tasks write them: decimals stay exact
(``12.50``), timestamps keep their offset (a naive one is written with the unknown offset
``-00:00``), dates are day-precision timestamps (``2024-01-31T``), binary data is a blob.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lanner.plugins.jdbc.cells import iso_duration

__all__ = ["ion_text"]

_SYMBOL = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_KEYWORDS = frozenset({"null", "true", "false", "nan"})


def ion_text(value: Any) -> str:
    """One Ion text value (no version marker)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return _timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat() + "T"
    if isinstance(value, dt.timedelta):
        return json.dumps(iso_duration(value))
    if isinstance(value, bytes | bytearray | memoryview):
        return "{{" + base64.b64encode(bytes(value)).decode("ascii") + "}}"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_field(str(key))}:{ion_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ",".join(ion_text(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # time, UUID, network addresses…


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    text = repr(value)
    return text if "e" in text else text + "e0"


def _decimal(value: Decimal) -> str:
    if value.is_nan():
        return "nan"
    if value.is_infinite():
        return "+inf" if value > 0 else "-inf"
    text = str(value).replace("E", "d")
    return text if "." in text or "d" in text else text + "d0"


def _timestamp(value: dt.datetime) -> str:
    text = value.replace(tzinfo=None).isoformat(timespec="microseconds" if value.microsecond else "seconds")
    offset = value.utcoffset()
    if offset is None:
        return text + "-00:00"
    if offset == dt.timedelta(0):
        return text + "Z"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


def _field(name: str) -> str:
    if _SYMBOL.match(name) and name not in _KEYWORDS:
        return name
    return "'" + json.dumps(name, ensure_ascii=False)[1:-1].replace("'", "\\'") + "'"
