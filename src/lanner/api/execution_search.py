"""``GET /executions/search``: Kestra's query parameters as an ``ExecutionQuery``.

Two spellings are read, as Kestra reads both: the plain parameters (``namespace``,
``flowId``, ``state``, ``labels``, ``startDate``…) and the filter parameters of Kestra's newer
UI and SDKs, ``filters[field][OPERATION]=value`` (labels: ``filters[labels][EQUALS][key]=value``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from starlette.datastructures import QueryParams

from lanner.api.params import param_error, parse_labels, parse_sort, parse_time_range
from lanner.models.input_values import InvalidValue, parse_datetime
from lanner.models.state import State
from lanner.storage.ports import ExecutionQuery

__all__ = ["SORT_FIELDS", "SearchParams", "execution_query"]

#: sort keys of Kestra's API and the storage fields they map to
SORT_FIELDS = {
    "state.startDate": "start_date",
    "state.endDate": "end_date",
    "state.current": "state",
    "id": "id",
    "namespace": "namespace",
    "flowId": "flow_id",
}
_FILTER = re.compile(r"^filters\[(?P<field>[A-Za-z]+)\]\[(?P<op>[A-Z_]+)\](?:\[(?P<key>[^\]]+)\])?$")
_OPERATIONS: dict[str, tuple[str, ...]] = {
    "namespace": ("EQUALS", "PREFIX"),
    "flowId": ("EQUALS",),
    "state": ("EQUALS", "IN"),
    "labels": ("EQUALS",),
    "startDate": ("GREATER_THAN_OR_EQUAL_TO", "GREATER_THAN"),
    "endDate": ("LESS_THAN_OR_EQUAL_TO", "LESS_THAN"),
    "timeRange": ("EQUALS",),
    "childFilter": ("EQUALS",),
    "q": ("EQUALS",),
    "scope": ("EQUALS", "IN"),  # system flows do not exist in Lanner: every execution is a user's
}


@dataclass
class SearchParams:
    """The plain (Kestra "legacy") search parameters."""

    page: int = 1
    size: int = 10
    sort: Sequence[str] | None = None
    namespace: str | None = None
    exact_namespace: bool = False
    flow_id: str | None = None
    states: Sequence[State] | None = None
    labels: Sequence[str] | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    time_range: str | None = None
    child_filter: Literal["CHILD", "MAIN"] | None = None
    q: str | None = None
    #: labels from ``filters[labels]…``, already parsed
    extra_labels: dict[str, str] = field(default_factory=dict)


def execution_query(params: SearchParams, query: QueryParams, now: datetime) -> ExecutionQuery:
    """The storage query for the plain parameters and the ``filters[…]`` ones."""
    params = _apply_filters(replace(params), query)
    start = params.start_date
    span = parse_time_range(params.time_range)
    if span is not None:
        if start is not None:
            raise param_error("timeRange", "startDate and timeRange cannot be used together", params.time_range)
        start = now - span
    labels = {**parse_labels(params.labels, user_given=False), **params.extra_labels}
    return ExecutionQuery(
        namespace=params.namespace,
        exact_namespace=params.exact_namespace,
        flow_id=params.flow_id,
        states=list(params.states) if params.states else None,
        labels=labels or None,
        start=start,
        end=params.end_date,
        children=None if params.child_filter is None else params.child_filter == "CHILD",
        text=params.q or None,
        sort=parse_sort(params.sort, SORT_FIELDS),
        page=params.page,
        size=params.size,
    )


def _apply_filters(params: SearchParams, query: QueryParams) -> SearchParams:
    states = list(params.states or [])
    for name, value in query.multi_items():
        if not name.startswith("filters["):
            continue
        match = _FILTER.match(name)
        if match is None:
            raise param_error(name, "write filters as filters[field][OPERATION]=value", value)
        field_name, op, key = match["field"], match["op"], match["key"]
        allowed = _OPERATIONS.get(field_name)
        if allowed is None:
            raise param_error(name, f"cannot filter on {field_name!r}; use one of {', '.join(_OPERATIONS)}", value)
        if op not in allowed:
            raise param_error(name, f"{field_name} takes the operation {' or '.join(allowed)}, not {op}", value)
        if field_name == "namespace":
            params.namespace = value
            params.exact_namespace = op == "EQUALS"
        elif field_name == "flowId":
            params.flow_id = value
        elif field_name == "state":
            states.extend(_state(name, item) for item in value.split(",") if item.strip())
        elif field_name == "labels":
            params.extra_labels.update({key: value} if key else parse_labels([value], name=name, user_given=False))
        elif field_name == "startDate":
            params.start_date = _date(name, value)
        elif field_name == "endDate":
            params.end_date = _date(name, value)
        elif field_name == "timeRange":
            params.time_range = value
        elif field_name == "childFilter":
            if value not in ("CHILD", "MAIN"):
                raise param_error(name, f"childFilter is CHILD or MAIN, got {value!r}", value)
            params.child_filter = "CHILD" if value == "CHILD" else "MAIN"
        elif field_name == "q":
            params.q = value
    params.states = states or None
    return params


def _state(name: str, value: str) -> State:
    try:
        return State(value.strip().upper())
    except ValueError:
        raise param_error(name, f"unknown state {value!r}; use one of {', '.join(State)}", value) from None


def _date(name: str, value: str) -> datetime:
    try:
        return parse_datetime(value)
    except InvalidValue as exc:
        raise param_error(name, exc.message, value) from exc
