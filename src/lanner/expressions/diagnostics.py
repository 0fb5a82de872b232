"""Turn what went wrong while rendering into a reason a flow author can act on.

A missing task output reads ``outputs has no task 'extrac'; known: extract, load``; a missing
key names the path it was looked up in (``outputs.extract has no key 'rows'; known: uri``).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2.exceptions import SecurityError, TemplateError
from jinja2.utils import missing

from .dates import DateError
from .filters import FilterError
from .sandbox import UndefinedAccess

__all__ = ["reason"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_LISTED = 20
_MAX_VISITS = 5_000


def reason(exc: BaseException, variables: Mapping[str, Any]) -> str:
    """One sentence saying why rendering failed."""
    if isinstance(exc, UndefinedAccess):
        return _undefined(exc, variables)
    if isinstance(exc, SecurityError):
        return f"not allowed in an expression: {exc}"
    if isinstance(exc, FilterError | DateError | TemplateError):
        return str(exc)
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    return f"{type(exc).__name__}: {exc}"


def _undefined(exc: UndefinedAccess, variables: Mapping[str, Any]) -> str:
    obj, name = exc.obj, exc.name
    if obj is missing:
        return f"variable '{name}' is not defined; known: {_listing(variables) or '(no variables)'}"
    outputs = variables.get("outputs")
    if outputs is not None and obj is outputs:
        return f"outputs has no task '{name}'; known: {_listing(outputs) or '(no task has outputs yet)'}"
    if obj is None:
        return f"cannot read '{name}' of null"
    where = _find_path(variables, obj)
    if isinstance(obj, Mapping):
        return f"{where or 'the map'} has no key '{name}'; known: {_listing(obj) or '(empty)'}"
    if isinstance(obj, list | tuple) and isinstance(name, int):
        return f"{where or 'the list'} has no index {name} (it has {len(obj)} items)"
    return f"{type(obj).__name__} value has no attribute '{name}'"


def _listing(keys: Iterable[Any]) -> str:
    names = sorted(str(key) for key in keys)
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f", … ({len(names) - _MAX_LISTED} more)" if len(names) > _MAX_LISTED else "")


def _find_path(variables: Mapping[str, Any], target: Any) -> str | None:
    """The dotted path of ``target`` among ``variables`` (by identity), searched breadth first."""
    queue: deque[tuple[str, Any]] = deque((str(key), value) for key, value in variables.items())
    visits = 0
    while queue and visits < _MAX_VISITS:
        path, value = queue.popleft()
        visits += 1
        if value is target:
            return path
        if isinstance(value, Mapping):
            queue.extend((path + _key(key), child) for key, child in value.items())
        elif isinstance(value, list | tuple):
            queue.extend((f"{path}[{index}]", child) for index, child in enumerate(value))
    return None


def _key(key: Any) -> str:
    text = str(key)
    return f".{text}" if _IDENTIFIER.fullmatch(text) else f"[{text!r}]"
