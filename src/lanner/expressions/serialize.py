"""How values print inside a string, and the JSON and YAML the ``toJson``/``yaml`` filters write.

Kestra prints ``{{ value }}`` like this, and so do we: ``null`` prints nothing, booleans print
``true``/``false``, lists and maps print as compact JSON (``["a","b"]``, ``{"k":1}``), dates
print as ``yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX`` and everything else prints as its string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2 import Undefined

from . import dates

__all__ = ["to_json", "to_text", "to_yaml"]

_PLAIN_YAML = re.compile(r"[A-Za-z_/][\w./-]*(?: [\w./-]+)*")
_YAML_KEYWORDS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"})


def to_text(value: Any) -> str:
    """The text of ``value`` inside a rendered string (Jinja's ``finalize`` hook)."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return str(value)
    if kind is list or kind is dict:
        return _ENCODER.encode(value)
    if isinstance(value, Undefined):
        return str(value)  # a strict undefined raises here, naming what is missing
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        return to_json(value)
    if isinstance(value, datetime):
        return dates.iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_json(value: Any) -> str:
    """Compact JSON (like Jackson), non-ASCII kept as is; dates as ISO strings."""
    return _ENCODER.encode(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Undefined):
        return str(value)
    if isinstance(value, datetime):
        return dates.iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_json_default)


def to_yaml(value: Any) -> str:
    """Block-style YAML ending with a newline; strings that need it are double-quoted."""
    if isinstance(value, Mapping | list | tuple) and value:
        return "\n".join(_yaml_lines(value, 0)) + "\n"
    return _yaml_scalar(value) + "\n"


def _yaml_lines(value: Any, depth: int) -> list[str]:
    pad = "  " * depth
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            head = f"{pad}{_yaml_scalar(str(key))}:"
            if isinstance(item, Mapping | list | tuple) and item:
                lines.append(head)
                lines.extend(_yaml_lines(item, depth + 1))
            else:
                lines.append(f"{head} {_yaml_scalar(item)}")
        return lines
    for item in value:
        if isinstance(item, Mapping | list | tuple) and item:
            nested = _yaml_lines(item, depth + 1)
            lines.append(f"{pad}- {nested[0].lstrip()}")
            lines.extend(nested[1:])
        else:
            lines.append(f"{pad}- {_yaml_scalar(item)}")
    return lines


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    text = to_text(value)
    if _PLAIN_YAML.fullmatch(text) and text.lower() not in _YAML_KEYWORDS:
        return text
    return json.dumps(text, ensure_ascii=False)
