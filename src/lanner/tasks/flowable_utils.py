"""Small helpers shared by flowable tasks: truthiness and ForEach value lists."""

from __future__ import annotations

import json
from typing import Any

from lanner.errors import TaskFailure

__all__ = ["as_value_list", "is_truthy", "value_key"]

_FALSE_STRINGS = frozenset({"", "false", "0", "no", "off", "null", "none"})


def is_truthy(value: Any) -> bool:
    """Kestra-like truthiness of a rendered condition: false, 0, '' and empty collections are false."""
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_STRINGS
    return bool(value)


def value_key(item: Any) -> str:
    """The string a ForEach value is known by (``taskrun.value``, ``outputs.t[value]``)."""
    return item if isinstance(item, str) else json.dumps(item, separators=(",", ":"))


def as_value_list(rendered: Any, task_id: str) -> list[str]:
    """Turn a rendered ``values`` property (list, or JSON text of a list) into value keys."""
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except json.JSONDecodeError as exc:
            raise TaskFailure(f"task {task_id!r}: `values` is not a JSON list: {rendered[:200]!r}", retryable=False) from exc
    if isinstance(rendered, dict):
        rendered = [{"key": k, "value": v} for k, v in rendered.items()]
    if not isinstance(rendered, list):
        raise TaskFailure(f"task {task_id!r}: `values` must be a list, got {type(rendered).__name__}", retryable=False)
    return [value_key(item) for item in rendered]
