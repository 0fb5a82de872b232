"""Which flows a search or an export selects, in Kestra's two query styles:

- the classic parameters ``q`` (text in the id or namespace), ``namespace`` (that namespace and
  the ones below it) and ``labels`` (``key:value``, repeated);
- the newer ``filters[FIELD][OPERATION]=value`` parameters, for the fields ``q``,
  ``namespace``, ``flowId`` and ``labels`` (``filters[labels][EQUALS][team]=data`` or
  ``filters[labels][EQUALS]=team:data``).

``sort`` takes ``field:asc`` or ``field:desc`` for ``id``, ``namespace``, ``revision``, ``updated``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fastapi import Request

from lanner.api.errors import invalid_request
from lanner.flows.source import load_yaml
from lanner.storage.ports import FLOW_SORT_FIELDS, FLOW_TEXT_OPERATIONS, FlowSearch, Page, Store, StoredFlow

__all__ = ["FlowQuery", "flow_search", "parse_flow_query", "parse_sort", "search_page", "select_flows"]

_FILTER = re.compile(r"^filters\[(\w+)\]\[(\w+)\](?:\[([^\]]*)\])?$")


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
            if operation not in FLOW_TEXT_OPERATIONS:
                raise invalid_request(
                    ("query", name), f"unknown operation {operation}; use one of {', '.join(FLOW_TEXT_OPERATIONS)}"
                )
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
        if name not in FLOW_SORT_FIELDS or direction not in ("asc", "desc"):
            raise invalid_request(
                ("query", "sort", index),
                f"expected FIELD:asc or FIELD:desc with FIELD one of {', '.join(FLOW_SORT_FIELDS)}, got {item!r}",
            )
        keys.append((name, direction == "desc"))
    return keys


def flow_search(query: FlowQuery, sort: Sequence[tuple[str, bool]] = (), page: int = 1, size: int | None = None) -> FlowSearch:
    """The store's search for ``query``: one page of ``size`` flows (every match for None)."""
    return FlowSearch(text=query.text, namespace=query.namespace, flow_id=query.flow_id, sort=sort, page=page, size=size)


async def search_page(store: Store, query: FlowQuery, sort: Sequence[tuple[str, bool]], page: int, size: int) -> Page:
    """One page of the flows matching ``query`` and their count. Without labels, the database
    pages; labels live in the YAML source, so with them the other conditions narrow the flows
    read and only those sources are parsed."""
    if not query.labels:
        return await store.search_flows(flow_search(query, sort, page, size))
    found = (await store.search_flows(flow_search(query, sort))).results
    matching = [flow for flow in found if _has_labels(flow, query.labels)]
    start = (page - 1) * size
    return Page(matching[start : start + size], len(matching))


async def select_flows(store: Store, query: FlowQuery) -> list[StoredFlow]:
    """The latest live revision of each flow matching ``query``, by namespace then id."""
    found = (await store.search_flows(flow_search(query))).results
    return [flow for flow in found if not query.labels or _has_labels(flow, query.labels)]


def _has_labels(flow: StoredFlow, wanted: Mapping[str, str]) -> bool:
    if "labels" not in flow.source:  # no need to parse a flow without them
        return False
    labels = _labels(flow.source)
    return all(key in labels and labels[key] == value for key, value in wanted.items())


@functools.lru_cache(maxsize=4096)
def _labels(source: str) -> Mapping[object, str]:
    """The labels of a flow source as text (a revision's source never changes: kept per text)."""
    data = load_yaml(source).data
    labels = data.get("labels") if isinstance(data, Mapping) else None
    if isinstance(labels, list):
        labels = {item.get("key"): item.get("value") for item in labels if isinstance(item, Mapping)}
    if not isinstance(labels, Mapping):
        return {}
    return {key: str(value) for key, value in labels.items()}
