"""``pluginDefaults``: default property values for every plugin of a type, applied before validation.

As in Kestra, a default applies to every map of the flow that has a ``type`` (tasks at any
depth, triggers, task runners…) when that type equals the default's ``type`` or lies under it
(``io.kestra.plugin.scripts`` covers ``io.kestra.plugin.scripts.python.Script``). Types are
compared through the registry, so a default written with a Kestra name also applies to a task
written with its Lanner name, and the other way round.

Non-forced defaults only fill properties the plugin leaves unset; forced ones override them.
Nested maps are merged key by key; lists and scalars are replaced whole. When several defaults
match, the first one listed wins.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from lanner.models.registry import Registry, default_registry

__all__ = ["apply_plugin_defaults", "defaults_matching"]

_FIELD = "pluginDefaults"


def apply_plugin_defaults(flow_dict: Mapping[str, Any], registry: Registry | None = None) -> dict[str, Any]:
    """A copy of ``flow_dict`` with its ``pluginDefaults`` applied (malformed entries are skipped)."""
    registry = registry or default_registry()
    entries = _entries(flow_dict.get(_FIELD))
    body = {key: copy.deepcopy(value) for key, value in flow_dict.items() if key != _FIELD}
    if entries:
        loose = [e for e in entries if not e["forced"]]
        forced = [e for e in entries if e["forced"]]
        if loose:
            body = _apply(body, loose, registry, forced=False)
        if forced:
            body = _apply(body, forced, registry, forced=True)
    if _FIELD in flow_dict:
        body[_FIELD] = copy.deepcopy(flow_dict[_FIELD])
    return body


def _entries(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        return []
    entries = []
    for item in raw:
        if (
            isinstance(item, Mapping)
            and isinstance(item.get("type"), str)
            and item["type"]
            and isinstance(item.get("values"), Mapping)
        ):
            entries.append({"type": item["type"], "values": item["values"], "forced": item.get("forced") is True})
    return entries


def _names(type_name: str, registry: Registry) -> tuple[str, ...]:
    cls = registry.tasks.get(type_name) or registry.triggers.get(type_name)
    return cls.type_names() if cls is not None else (type_name,)


def _matches(default_type: str, names: tuple[str, ...]) -> bool:
    prefix = default_type if default_type.endswith(".") else default_type + "."
    return any(name == default_type or name.startswith(prefix) for name in names)


def defaults_matching(type_name: str, entries: list[dict[str, Any]], registry: Registry) -> list[dict[str, Any]]:
    """The entries of ``pluginDefaults`` that apply to a plugin of ``type_name``, in order."""
    names = _names(type_name, registry)
    return [entry for entry in entries if any(_matches(n, names) for n in _names(entry["type"], registry))]


def _apply(value: Any, entries: list[dict[str, Any]], registry: Registry, *, forced: bool) -> Any:
    # Children first, as Kestra does: values a default brings in are not themselves defaulted.
    if isinstance(value, list):
        return [_apply(item, entries, registry, forced=forced) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: _apply(item, entries, registry, forced=forced) for key, item in value.items()}
    type_name = result.get("type")
    if not isinstance(type_name, str):
        return result
    matching = defaults_matching(type_name, entries, registry)
    if forced:
        for entry in reversed(matching):  # the first listed is applied last, so it wins
            result = _merge(result, entry["values"])
    else:
        for entry in matching:  # what is already set (by the plugin or an earlier default) wins
            result = _merge(entry["values"], result)
    return result


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` on top: nested maps merged, anything else replaced; a null in ``over`` keeps ``base``."""
    merged = {key: copy.deepcopy(value) for key, value in base.items()}
    for key, value in over.items():
        if value is None and key in merged:
            continue
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
