"""Kestra's number and collection filters, one small function each, with Pebble's semantics.

``first``/``last``/``length``/``reverse``/``slice`` work on strings as well as lists,
``join`` has no separator by default, ``slice`` takes Pebble's ``(fromIndex, toIndex)``,
``keys`` of a list are its indexes, and ``numberFormat`` reads Java ``DecimalFormat`` patterns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from .filters import FilterError
from .serialize import to_text

__all__ = ["SEQUENCE_FILTERS"]

_DECIMAL_FORMAT = re.compile(r"([^#0,.]*)([#0,]+)(?:\.([#0]*))?([^#0,.]*)")


def _items(value: Any, filter_name: str) -> list[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    if isinstance(value, Iterator):  # the lazy result of Jinja filters such as map and select
        return list(value)
    raise FilterError(f"{filter_name} expects a list, got {type(value).__name__}")


def length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | Mapping | list | tuple | set | frozenset):
        return len(value)
    raise FilterError(f"length expects a string, list or map, got {type(value).__name__}")


def first(value: Any) -> Any:
    if isinstance(value, str):
        return value[:1]
    items = _items(value, "first")
    return items[0] if items else None


def last(value: Any) -> Any:
    if isinstance(value, str):
        return value[-1:]
    items = _items(value, "last")
    return items[-1] if items else None


def join(value: Any, separator: Any = "") -> str | None:
    if value is None:
        return None
    return to_text(separator).join(to_text(item) for item in _items(value, "join"))


def keys(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return list(value.keys())
    return list(range(len(_items(value, "keys"))))


def values(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return list(value.values())
    raise FilterError(f"values expects a map, got {type(value).__name__}")


def merge(value: Any, other: Any) -> Any:
    if isinstance(value, Mapping) and isinstance(other, Mapping):
        return {**value, **other}
    if isinstance(other, Mapping):
        raise FilterError("merge can only add a map to a map")
    return _items(value, "merge") + (_items(other, "merge") if not isinstance(other, str) else [other])


def reverse(value: Any) -> Any:
    if isinstance(value, str):
        return value[::-1]
    return _items(value, "reverse")[::-1]


def sort(value: Any) -> list[Any]:
    try:
        return sorted(_items(value, "sort"))
    except TypeError as exc:
        raise FilterError(f"sort cannot compare these items ({exc})") from exc


def rsort(value: Any) -> list[Any]:
    return sort(value)[::-1]


def slice_(value: Any, fromIndex: int = 0, toIndex: int | None = None) -> Any:
    """Items (or characters) from ``fromIndex`` included to ``toIndex`` excluded."""
    if isinstance(value, str):
        return value[fromIndex:toIndex]
    return _items(value, "slice")[fromIndex:toIndex]


def chunk(value: Any, size: int) -> list[list[Any]]:
    if not isinstance(size, int) or size < 1:
        raise FilterError("chunk expects a size of at least 1")
    items = _items(value, "chunk")
    return [items[index : index + size] for index in range(0, len(items), size)]


def distinct(value: Any) -> list[Any]:
    unique: list[Any] = []
    for item in _items(value, "distinct"):
        if item not in unique:
            unique.append(item)
    return unique


def flatten(value: Any) -> list[Any]:
    flat: list[Any] = []
    for item in _items(value, "flatten"):
        flat.extend(item if isinstance(item, list | tuple) else [item])
    return flat


def number(value: Any, type: str | None = None) -> int | float | Decimal:
    """Parse a string: ``INT``/``LONG``/``BIGINTEGER``, ``FLOAT``/``DOUBLE``, ``BIGDECIMAL`` or guessed."""
    if isinstance(value, bool):
        raise FilterError("number cannot convert a boolean")
    kind = (type or "").upper()
    if kind not in ("", "INT", "LONG", "BIGINTEGER", "FLOAT", "DOUBLE", "BIGDECIMAL"):
        raise FilterError(f"number: unknown type {type!r}; use INT, LONG, FLOAT, DOUBLE, BIGDECIMAL or BIGINTEGER")
    text = value if isinstance(value, int | float | Decimal) else to_text(value).strip()
    try:
        if kind in ("INT", "LONG", "BIGINTEGER"):
            return _integer(text)
        if kind in ("FLOAT", "DOUBLE"):
            return float(text)
        if kind == "BIGDECIMAL":
            return Decimal(str(text))
        if not isinstance(text, str):
            return text
        try:
            return _integer(text)
        except ValueError:
            return float(text)
    except (ValueError, InvalidOperation) as exc:
        raise FilterError(f"number: cannot read {value!r} as a number") from exc


def _integer(text: Any) -> int:
    if isinstance(text, str) and text.lower().lstrip("+-").startswith("0x"):
        return int(text, 16)
    if isinstance(text, float | Decimal) and text != int(text):
        raise ValueError(text)
    return int(text)


def number_format(value: Any, pattern: str) -> str:
    """Java ``DecimalFormat`` subset: ``#`` optional and ``0`` forced digits, ``,`` grouping, ``%``."""
    match = _DECIMAL_FORMAT.fullmatch(str(pattern))
    if match is None:
        raise FilterError(f"numberFormat: unsupported pattern {pattern!r}")
    prefix, integer, fraction, suffix = match.group(1), match.group(2), match.group(3) or "", match.group(4)
    try:
        amount = Decimal(str(number(value) if isinstance(value, str) else value))
    except (InvalidOperation, TypeError) as exc:
        raise FilterError(f"numberFormat expects a number, got {value!r}") from exc
    if "%" in prefix + suffix:
        amount *= 100
    amount = amount.quantize(Decimal(1).scaleb(-len(fraction)), rounding=ROUND_HALF_EVEN)
    whole, _, decimals = f"{abs(amount):f}".partition(".")
    decimals = decimals.ljust(len(fraction), "0")[: len(fraction)]
    while len(decimals) > fraction.count("0") and decimals.endswith("0"):
        decimals = decimals[:-1]
    whole = whole.lstrip("0").zfill(integer.replace(",", "").count("0"))
    if "," in integer:
        whole = _group(whole, len(integer) - integer.rfind(",") - 1)
    if not whole and not decimals:
        whole = "0"
    sign = "-" if amount < 0 else ""
    return f"{sign}{_unquote(prefix)}{whole}{'.' + decimals if decimals else ''}{_unquote(suffix)}"


def _group(digits: str, size: int) -> str:
    if size <= 0:
        return digits
    head = len(digits) % size or size
    return ",".join([digits[:head], *(digits[index : index + size] for index in range(head, len(digits), size))])


def _unquote(text: str) -> str:
    return text.replace("''", "\0").replace("'", "").replace("\0", "'")


SEQUENCE_FILTERS: dict[str, Callable[..., Any]] = {
    "chunk": chunk,
    "distinct": distinct,
    "first": first,
    "flatten": flatten,
    "join": join,
    "keys": keys,
    "last": last,
    "length": length,
    "merge": merge,
    "number": number,
    "numberFormat": number_format,
    "numberformat": number_format,
    "reverse": reverse,
    "rsort": rsort,
    "slice": slice_,
    "sort": sort,
    "values": values,
}
