"""Kestra's string filters, one small function each, with Pebble's semantics.

Where a Jinja built-in has the same name, the Pebble meaning wins: ``capitalize`` and
``title`` leave the other letters alone, ``default`` also replaces empty strings and
collections, ``urlencode`` writes spaces as ``+``, ``indent`` takes an amount and a prefix.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from jinja2 import Undefined

from .sandbox import MAX_SEQUENCE
from .serialize import to_json, to_text, to_yaml

__all__ = ["STRING_FILTERS", "FilterError", "is_empty"]


class FilterError(ValueError):
    """A filter was given a value or argument it cannot use; the message says which."""


def is_empty(value: Any) -> bool:
    """Pebble's ``empty``: null, undefined, a blank string or an empty collection."""
    if value is None or isinstance(value, Undefined):
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        return not value
    return False


def default(value: Any, fallback: Any = "") -> Any:
    return fallback if is_empty(value) else value


def abbreviate(value: Any, length: int) -> str:
    text = to_text(value)
    if len(text) <= length:
        return text
    return text[:length] if length <= 3 else text[: length - 3] + "..."


def capitalize(value: Any) -> str:
    text = to_text(value)
    stripped = text.lstrip()
    if not stripped:
        return text
    offset = len(text) - len(stripped)
    return text[:offset] + stripped[0].upper() + stripped[1:]


def title(value: Any) -> str:
    return re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).upper(), to_text(value))


def lower(value: Any) -> str:
    return to_text(value).lower()


def upper(value: Any) -> str:
    return to_text(value).upper()


def trim(value: Any) -> str:
    return to_text(value).strip()


def string(value: Any) -> str:
    return to_text(value)


def replace(value: Any, pairs: Any, new: Any = None, regexp: bool = False) -> Any:
    """``replace({'a': 'b', …})`` or ``replace('a', 'b')``; ``regexp=true`` treats keys as patterns."""
    mapping = {str(pairs): to_text(new)} if new is not None else pairs
    if not isinstance(mapping, Mapping):
        raise FilterError("replace expects a map of replacements, or the text and its replacement")
    if isinstance(value, Mapping):
        return {key: replace(item, mapping, regexp=regexp) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [replace(item, mapping, regexp=regexp) for item in value]
    text = to_text(value)
    for old, replacement in mapping.items():
        if regexp:
            try:
                text = re.sub(str(old), _java_replacement(to_text(replacement)), text)
            except re.error as exc:
                raise FilterError(f"replace: invalid regular expression {old!r} ({exc})") from exc
        else:
            text = text.replace(str(old), to_text(replacement))
    return text


def _java_replacement(replacement: str) -> str:
    # Java writes group references as $1; Python's re.sub wants \1
    return re.sub(r"\$(\d+)", r"\\g<\1>", replacement.replace("\\", "\\\\"))


def split(value: Any, delimiter: str, limit: int | None = None) -> list[str]:
    """Java's ``String.split``: ``delimiter`` is a regular expression, trailing empties dropped."""
    text = to_text(value)
    if not text:
        return [text]
    try:
        pattern = re.compile(str(delimiter))
    except re.error as exc:
        raise FilterError(f"split: invalid regular expression {delimiter!r} ({exc})") from exc
    if limit is not None and limit > 0:
        parts = pattern.split(text, maxsplit=limit - 1)
    else:
        parts = pattern.split(text)
        if not limit:
            while parts and parts[-1] == "":
                parts.pop()
    leading = pattern.match(text)
    if len(parts) > 1 and parts[0] == "" and leading is not None and leading.end() == 0:
        parts = parts[1:]
    return parts


def starts_with(value: Any, prefix: Any) -> bool:
    return to_text(value).startswith(to_text(prefix))


def ends_with(value: Any, suffix: Any) -> bool:
    return to_text(value).endswith(to_text(suffix))


def substring_before(value: Any, separator: Any) -> str:
    text, sep = to_text(value), to_text(separator)
    return text.split(sep, 1)[0] if sep else ""


def substring_before_last(value: Any, separator: Any) -> str:
    text, sep = to_text(value), to_text(separator)
    return text.rsplit(sep, 1)[0] if sep else text


def substring_after(value: Any, separator: Any) -> str:
    text, sep = to_text(value), to_text(separator)
    if not sep:
        return text
    return text.split(sep, 1)[1] if sep in text else ""


def substring_after_last(value: Any, separator: Any) -> str:
    text, sep = to_text(value), to_text(separator)
    if not sep or sep not in text:
        return ""
    return text.rsplit(sep, 1)[1]


def escape_char(value: Any, type: str) -> Any:
    """Escape quotes for a ``single``- or ``double``-quoted string, or for a ``shell`` word."""
    kind = str(type).lower()
    replacements = {"single": ("'", "\\'"), "double": ('"', '\\"'), "shell": ("'", "'\\''")}
    if kind not in replacements:
        raise FilterError("escapeChar expects type 'single', 'double' or 'shell'")
    old, new = replacements[kind]
    if isinstance(value, Mapping):
        return {key: escape_char(item, type) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [escape_char(item, type) for item in value]
    return to_text(value).replace(old, new)


def slugify(value: Any) -> str:
    text = unicodedata.normalize("NFD", re.sub(r"\s", "-", to_text(value)))
    text = re.sub(r"[^A-Za-z0-9_-]", "", text)
    return re.sub(r"-+", "-", text).strip("-").lower()


def base64encode(value: Any) -> str:
    return base64.b64encode(to_text(value).encode()).decode("ascii")


def base64decode(value: Any) -> str:
    try:
        return base64.b64decode(to_text(value), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise FilterError(f"base64decode: not valid base64 text ({exc})") from exc


def urlencode(value: Any) -> str:
    """``application/x-www-form-urlencoded`` like Java's ``URLEncoder``: space becomes ``+``."""
    return quote_plus(to_text(value), safe="*").replace("~", "%7E")


def urldecode(value: Any) -> str:
    return unquote_plus(to_text(value))


def _hash(algorithm: str) -> Callable[[Any], str]:
    def digest(value: Any) -> str:
        return hashlib.new(algorithm, to_text(value).encode()).hexdigest()

    digest.__name__ = algorithm
    return digest


def indent(value: Any, amount: int, prefix: str = " ") -> str:
    """Indent every line but the first by ``amount`` times ``prefix``."""
    text = to_text(value)
    newline = _line_separator(text)
    return text.replace(newline, newline + _padding(amount, prefix)) if text else text


def nindent(value: Any, amount: int, prefix: str = " ") -> str:
    """Start with a line break, then indent every line by ``amount`` times ``prefix``."""
    text = to_text(value)
    newline = _line_separator(text)
    return (newline + text).replace(newline, newline + _padding(amount, prefix)) if text else text


def _padding(amount: int, prefix: str) -> str:
    if not isinstance(amount, int) or amount < 0:
        raise FilterError("indent expects a positive integer amount")
    if amount * len(prefix) > 1000:
        raise FilterError("indent amount is too large")
    return prefix * amount


def _line_separator(text: str) -> str:
    for separator in ("\r\n", "\n\r", "\n", "\r"):
        if separator in text:
            return separator
    return "\n"


def to_json_filter(value: Any) -> str:
    return to_json(value)


def yaml(value: Any) -> str:
    text = to_yaml(value)
    if len(text) > MAX_SEQUENCE * 10:
        raise FilterError("yaml: value is too large")
    return text


STRING_FILTERS: dict[str, Callable[..., Any]] = {
    "abbreviate": abbreviate,
    "base64decode": base64decode,
    "base64encode": base64encode,
    "capitalize": capitalize,
    "default": default,
    "d": default,
    "endsWith": ends_with,
    "escapeChar": escape_char,
    "indent": indent,
    "json": to_json_filter,
    "jsonEncode": to_json_filter,
    "lower": lower,
    "md5": _hash("md5"),
    "nindent": nindent,
    "replace": replace,
    "sha1": _hash("sha1"),
    "sha256": _hash("sha256"),
    "sha512": _hash("sha512"),
    "slugify": slugify,
    "split": split,
    "startsWith": starts_with,
    "string": string,
    "substringAfter": substring_after,
    "substringAfterLast": substring_after_last,
    "substringBefore": substring_before,
    "substringBeforeLast": substring_before_last,
    "title": title,
    "toJson": to_json_filter,
    "trim": trim,
    "upper": upper,
    "urldecode": urldecode,
    "urlencode": urlencode,
    "yaml": yaml,
}
