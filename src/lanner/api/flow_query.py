"""Which flows a search or an export selects, in Kestra's two query styles:

- the classic parameters ``q`` (text in the id or namespace), ``namespace`` (that namespace and
  the ones below it) and ``labels`` (``key:value``, repeated);
- the newer ``filters[FIELD][OPERATION]=value`` parameters, for the fields ``q``,
  ``namespace``, ``flowId`` and ``labels`` (``filters[labels][EQUALS][team]=data`` or
  ``filters[labels][EQUALS]=team:data``).

``sort`` takes ``field:asc`` or ``field:desc`` for ``id``, ``namespace``, ``revision``, ``updated``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import Request

from lanner.api.errors import invalid_request
from lanner.flows.source import load_yaml
from lanner.storage.ports import Store, StoredFlow

__all__ = ["FlowQuery", "parse_flow_query", "parse_sort", "select_flows", "sort_flows"]

_FILTER = re.compile(r"^filters\[(\w+)\]\[(\w+)\](?:\[([^\]]*)\])?$")
_TEXT_OPERATIONS: dict[str, Callable[[str, str], bool]] = {
    "EQUALS": lambda have, want: have == want,
    "NOT_EQUALS": lambda have, want: have != want,
    "CONTAINS": lambda have, want: want.lower() in have.lower(),
    "STARTS_WITH": lambda have, want: have.startswith(want),
    "ENDS_WITH": lambda have, want: have.endswith(want),
    "PREFIX": lambda have, want: have == want or have.startswith(want + "."),
}
_SORT_FIELDS: dict[str, Callable[[StoredFlow], Any]] = {
    "id": lambda f: f.id,
    "namespace": lambda f: f.namespace,
    "revision": lambda f: f.revision,
    "updated": lambda f: f.updated or datetime.min.replace(tzinfo=UTC),
}


@dataclass
class FlowQuery:
    text: str | None = None
    #: (operation, value) conditions on the namespace and on the flow id
    namespace: list[tuple[str, str]] = field(default_factory=list)
    flow_id: list[tuple[str, str]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


def parse_flow_query(request: Request, q: str | None, namespace: str | None, labels: Sequence[str] | None) -> FlowQuery:
    """The conditions of the request; 422 naming the parameter that cannot be understood."""
    query = FlowQuery(text=q or None)
    if namespace:
        query.namespace.append(("PREFIX", namespace))
    for index, label in enumerate(labels or ()):
        query.labels.update([_label(label, ("query", "labels", index))])
    for name, value in request.query_params.multi_items():
        if not name.startswith("filters"):
            continue
        match = _FILTER.match(name)
        if match is None:
            raise invalid_request(("query", name), "expected filters[FIELD][OPERATION]=value")
        field_name, operation, key = match.group(1), match.group(2).upper(), match.group(3)
        if field_name in ("q", "query"):
            query.text = value or None
        elif field_name in ("namespace", "flowId", "id"):
            if operation not in _TEXT_OPERATIONS:
                raise invalid_request(("query", name), f"unknown operation {operation}; use one of {', '.join(_TEXT_OPERATIONS)}")
            target = query.namespace if field_name == "namespace" else query.flow_id
            target.append((operation, value))
        elif field_name == "labels":
            if operation != "EQUALS":
                raise invalid_request(("query", name), "labels are filtered with EQUALS only")
            query.labels.update([(key, value) if key else _label(value, ("query", name))])
        else:
            raise invalid_request(("query", name), f"unknown filter field {field_name!r}; use q, namespace, flowId or labels")
    return query


def _label(text: str, where: tuple[str | int, ...]) -> tuple[str, str]:
    key, sep, value = text.partition(":")
    if not sep or not key:
        raise invalid_request(where, f"expected a label as key:value, got {text!r}")
    return key, value


def parse_sort(sort: Sequence[str] | None) -> list[tuple[str, bool]]:
    """``["id:desc"]`` → ``[("id", True)]`` (field, descending)."""
    keys = []
    for index, item in enumerate(sort or ()):
        name, _, direction = item.partition(":")
        direction = direction.lower() or "asc"
        if name not in _SORT_FIELDS or direction not in ("asc", "desc"):
            raise invalid_request(
                ("query", "sort", index),
                f"expected FIELD:asc or FIELD:desc with FIELD one of {', '.join(_SORT_FIELDS)}, got {item!r}",
            )
        keys.append((name, direction == "desc"))
    return keys


async def select_flows(store: Store, query: FlowQuery) -> list[StoredFlow]:
    """The latest live revision of each flow matching ``query``, by namespace then id."""
    prefix = next((value for op, value in query.namespace if op == "PREFIX"), None)
    found = []
    for flow in await store.list_flows(prefix):
        if query.text and query.text.lower() not in f"{flow.namespace}.{flow.id}".lower():
            continue
        if not all(_TEXT_OPERATIONS[op](flow.namespace, value) for op, value in query.namespace):
            continue
        if not all(_TEXT_OPERATIONS[op](flow.id, value) for op, value in query.flow_id):
            continue
        if query.labels and not _has_labels(flow, query.labels):
            continue
        found.append(flow)
    return found


def _has_labels(flow: StoredFlow, wanted: Mapping[str, str]) -> bool:
    data = load_yaml(flow.source).data
    labels = data.get("labels") if isinstance(data, Mapping) else None
    if isinstance(labels, list):
        labels = {item.get("key"): item.get("value") for item in labels if isinstance(item, Mapping)}
    if not isinstance(labels, Mapping):
        return False
    return all(key in labels and str(labels[key]) == value for key, value in wanted.items())


def sort_flows(flows: list[StoredFlow], keys: Sequence[tuple[str, bool]]) -> list[StoredFlow]:
    """Stable sorts, last key first, so the first key decides."""
    ordered = list(flows)
    for name, descending in reversed(keys):
        ordered.sort(key=_SORT_FIELDS[name], reverse=descending)
    return ordered
