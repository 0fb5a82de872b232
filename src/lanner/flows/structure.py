"""pydantic validation errors turned into located, plain-words issues.

pydantic reports one error per failed check, with locations that name union members
(``tasks.0.io.kestra.plugin.core.log.Log.message``) and messages in its own vocabulary. Here
each error gets the property path as written in YAML, the line and column of the key or
value, a message saying what is wrong in the user's terms, and a hint when one helps. A value
that fails every member of a union yields one issue, not one per member.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic_core import ErrorDetails

from lanner.errors import Issue
from lanner.flows.source import ABSENT, Path, Positions, descend, format_path
from lanner.flows.suggest import closest, suggestion
from lanner.flows.walk import field_for, property_names, shape_at
from lanner.models.input_values import describe_value
from lanner.models.registry import Registry
from lanner.triggers.cron import CronError

__all__ = ["structural_issues"]

#: error types meaning "the value has the wrong shape for this union member"
_MISMATCH = {
    "string_type", "int_type", "int_parsing", "int_from_float", "float_type", "float_parsing", "bool_type",
    "bool_parsing", "list_type", "tuple_type", "set_type", "dict_type", "model_type", "model_attributes_type",
    "none_required", "time_delta_type", "time_delta_parsing", "datetime_type", "datetime_parsing", "date_type",
    "date_parsing", "time_type", "time_parsing", "literal_error", "is_instance_of", "bytes_type",
}  # fmt: skip

_NOUNS = {
    "string_type": "a string", "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "a boolean (true or false)",
    "bool_parsing": "a boolean (true or false)", "list_type": "a list", "tuple_type": "a list", "set_type": "a list",
    "dict_type": "a map", "model_type": "a map", "model_attributes_type": "a map",
    "time_delta_type": "an ISO-8601 duration", "time_delta_parsing": "an ISO-8601 duration",
    "datetime_type": "an ISO-8601 date-time", "datetime_parsing": "an ISO-8601 date-time",
    "date_type": "an ISO-8601 date", "date_parsing": "an ISO-8601 date", "time_type": "a time of day",
    "time_parsing": "a time of day",
}  # fmt: skip

_EXAMPLES = {
    "time_delta_type": "an ISO-8601 duration such as PT10M or P1D",
    "time_delta_parsing": "an ISO-8601 duration such as PT10M or P1D",
    "datetime_parsing": "for example 2024-01-31T10:00:00Z",
    "date_parsing": "for example 2024-01-31",
}


class _Error:
    """One pydantic error, located in the data."""

    def __init__(self, raw: ErrorDetails, data: Any) -> None:
        self.raw: dict[str, Any] = dict(raw)
        self.type: str = raw["type"]
        self.path, self.labels = _clean(raw["loc"], data, last_is_key=self.type == "missing")

    @classmethod
    def made(cls, raw: dict[str, Any], path: Path) -> _Error:
        error = cls.__new__(cls)
        error.raw, error.type, error.path, error.labels = raw, raw["type"], path, []
        return error


def _clean(loc: Sequence[str | int], data: Any, *, last_is_key: bool) -> tuple[Path, list[tuple[int, str]]]:
    """The loc with union member labels (discriminator tags, ``str``, ``list[str]``…) taken out."""
    path: list[str | int] = []
    labels: list[tuple[int, str]] = []
    node = data
    for index, part in enumerate(loc):
        child = descend(node, part)
        if child is not ABSENT:
            node = child
            path.append(part)
        elif (
            isinstance(part, int)
            or (last_is_key and index == len(loc) - 1)
            or (isinstance(node, Mapping) and not _looks_like_label(part, node))
        ):
            path.append(part)  # a missing key, or a place the data does not reach
            node = None
        else:
            labels.append((len(path), str(part)))
    return tuple(path), labels


def _looks_like_label(part: str, node: Mapping[str, Any]) -> bool:
    # A discriminator tag equals the node's `type`; other union labels are type names.
    return part == node.get("type") or any(c in part for c in "[],.") or part in _TYPE_LABELS


_TYPE_LABELS = {"str", "int", "float", "bool", "none", "dict", "list", "timedelta", "datetime", "date", "time", "any"}


def _select(errors: list[_Error]) -> list[_Error]:
    """Keep, for each value that failed a union, the errors of the member that fits it best."""
    for _ in range(len(errors) + 1):
        members_at: dict[Path, set[str]] = {}
        for error in errors:
            for depth, label in error.labels:
                members_at.setdefault(error.path[:depth], set()).add(label)
        unions = [p for p, labels in members_at.items() if len(labels) > 1]
        if not unions:
            break
        point = min(unions, key=len)
        errors = _resolve_union(errors, point)
    return errors


def _resolve_union(errors: list[_Error], point: Path) -> list[_Error]:
    depth = len(point)
    members: dict[str, list[_Error]] = {}
    rest: list[_Error] = []
    for error in errors:
        label = next((lab for d, lab in error.labels if d == depth and error.path[:depth] == point), None)
        if label is None:
            rest.append(error)
        else:
            members.setdefault(label, []).append(error)
    deep = {label: errs for label, errs in members.items() if any(len(e.path) > depth or e.type not in _MISMATCH for e in errs)}
    if not deep:
        return [*rest, _mismatch(point, members)]
    best = min(deep.values(), key=len)
    for error in best:
        error.labels = [(d, lab) for d, lab in error.labels if not (d == depth and error.path[:depth] == point)]
    return [*rest, *best]


def _mismatch(path: Path, members: dict[str, list[_Error]]) -> _Error:
    """One error for a value that fits no member of a union: "expected A or B"."""
    first = next(iter(members.values()))[0]
    nouns: list[str] = []
    for errs in members.values():
        for e in errs:
            noun = _literal_noun(e) if e.type == "literal_error" else _NOUNS.get(e.type)
            if noun and noun not in nouns:
                nouns.append(noun)
    raw = {**first.raw, "type": "union_mismatch", "ctx": {"expected": nouns}}
    return _Error.made(raw, path)


def _literal_noun(error: _Error) -> str:
    values = _expected(error.raw)
    return "one of " + ", ".join(values) if values else "one of the allowed values"


def _expected(raw: Mapping[str, Any]) -> list[str]:
    text = str((raw.get("ctx") or {}).get("expected", ""))
    return re.findall(r"'([^']*)'", text) or [part.strip() for part in re.split(r",| or ", text) if part.strip()]


def _join(nouns: list[str]) -> str:
    if len(nouns) <= 1:
        return "".join(nouns) or "another kind of value"
    return ", ".join(nouns[:-1]) + " or " + nouns[-1]


class _Mapper:
    def __init__(self, data: Any, positions: Positions, registry: Registry, filename: str | None) -> None:
        self.data = data
        self.positions = positions
        self.registry = registry
        self.filename = filename

    def issue(self, error: _Error) -> Issue:
        raw, path = error.raw, error.path
        value = raw.get("input")
        got = describe_value(value)
        ctx = raw.get("ctx") or {}
        if error.type == "missing":
            message, hint = f"missing required property {path[-1]!r}", self._field_help(path)
            return self._make(message, path, self.positions.nearest(path[:-1]), hint, "missing")
        if error.type == "extra_forbidden":
            where = self.positions.key(path) or self.positions.nearest(path)
            return self._make(f"unknown property {path[-1]!r}", path, where, self._allowed(path), "unknown-property")
        if error.type in ("union_tag_invalid", "union_tag_not_found"):
            return self._bad_type(error)
        message, hint = self._message(error, got, ctx)
        kind = "cron" if isinstance(ctx.get("error"), CronError) else "invalid"
        where = self.positions.value(path)
        if where is None and _reaches(self.data, path):  # in the data but not in the text
            hint = (hint + "; " if hint else "") + "the value comes from `pluginDefaults`"
        return self._make(message, path, where or self.positions.nearest(path), hint, kind)

    def _make(self, message: str, path: Path, where: Any, hint: str | None, kind: str) -> Issue:
        return Issue(
            message,
            path=format_path(path),
            line=where.line if where else 1,
            column=where.column if where else 1,
            hint=hint,
            source=self.filename,
            kind=kind,
        )

    def _field_help(self, path: Path) -> str | None:
        shape = shape_at(self.data, path[:-1], self.registry)
        if shape.model is None or not isinstance(path[-1], str):
            return None
        field = field_for(shape.model, path[-1])
        return field.description if field is not None else None

    def _allowed(self, path: Path) -> str | None:
        shape = shape_at(self.data, path[:-1], self.registry)
        if shape.model is None or not isinstance(path[-1], str):
            return None
        return suggestion(path[-1], property_names(shape.model))

    def _bad_type(self, error: _Error) -> Issue:
        path, raw = error.path, error.raw
        shape = shape_at(self.data, path, self.registry)
        noun = shape.plugin_kind or ("input" if len(path) >= 2 and path[-2] == "inputs" else "")
        label = f"{noun} type" if noun else "type"
        node = raw.get("input")
        type_path = (*path, "type")
        if error.type == "union_tag_not_found" or not isinstance(node, Mapping) or "type" not in node:
            if not isinstance(node, Mapping):
                message = f"expected a {noun or 'map'} (a map of properties), got {describe_value(node)}"
                return self._make(message, path, self.positions.nearest(path), None, "invalid")
            return self._make(
                "missing required property 'type'", type_path, self.positions.nearest(path),
                f"every {noun or 'item'} needs a `type`", "missing",
            )  # fmt: skip
        tag = node["type"]
        where = self.positions.value(type_path) or self.positions.nearest(path)
        if not isinstance(tag, str):
            return self._make(f"the {label} must be a string, got {describe_value(tag)}", type_path, where, None, "invalid")
        if shape.plugin_kind:
            table = self.registry.tasks if shape.plugin_kind == "task" else self.registry.triggers
            candidates: list[str] = list(table)
        else:
            candidates = _expected({"ctx": {"expected": (raw.get("ctx") or {}).get("expected_tags", "")}})
        hint = suggestion(tag, candidates, list_all=not shape.plugin_kind)
        if hint is None and shape.plugin_kind:
            hint = f"no installed plugin provides it; `lanner plugins list` shows the {shape.plugin_kind} types"
        return self._make(f"unknown {label} {tag!r}", type_path, where, hint, "unknown-type")

    def _message(self, error: _Error, got: str, ctx: Mapping[str, Any]) -> tuple[str, str | None]:
        kind, path, raw = error.type, error.path, error.raw
        name = path[-1] if path else "flow"
        if kind == "union_mismatch":
            return f"expected {_join(list(ctx.get('expected', [])))}, got {got}", None
        if kind in ("model_type", "model_attributes_type", "dict_type"):
            shape = shape_at(self.data, path, self.registry)
            if shape.plugin_kind:
                return f"expected a {shape.plugin_kind} (a map with `id` and `type`), got {got}", None
            if not path:
                return f"a flow must be a map of properties (id, namespace, tasks…), got {got}", None
            return f"expected a map of properties, got {got}", None
        if kind == "list_type":
            return f"expected a list, got {got}", "write each item on its own line, starting with `- `"
        if kind in _NOUNS:
            return f"expected {_NOUNS[kind]}, got {got}", _EXAMPLES.get(kind)
        if kind == "literal_error" or kind == "enum":
            values = _expected(raw)
            given = raw.get("input")
            hint = suggestion(given, values, list_all=False) if isinstance(given, str) else None
            shown = ", ".join(repr(v) for v in values)
            return f"expected one of {shown}, got {got}", hint
        if kind == "too_short":
            minimum = ctx.get("min_length", 1)
            return ("must not be empty" if minimum == 1 else f"must have at least {minimum} items"), None
        if kind == "too_long":
            return f"must have at most {ctx.get('max_length')} items", None
        if kind == "string_too_short":
            minimum = ctx.get("min_length", 1)
            return ("must not be empty" if minimum == 1 else f"must be at least {minimum} characters long"), None
        if kind == "string_too_long":
            return f"must be at most {ctx.get('max_length')} characters long", None
        if kind == "string_pattern_mismatch":
            return _pattern_message(name, got, str(ctx.get("pattern", "")))
        for key, words in (("ge", "at least"), ("gt", "more than"), ("le", "at most"), ("lt", "less than")):
            if key in ctx and kind.startswith(("greater", "less")):
                return f"must be {words} {ctx[key]}, got {got}", None
        if kind in ("value_error", "assertion_error"):
            cause = ctx.get("error")
            text = str(getattr(cause, "message", None) or cause or raw.get("msg", "invalid value"))
            return text, getattr(cause, "hint", None)
        if kind == "recursion_loop":
            return "the value refers to itself", None
        text = str(raw.get("msg", "invalid value"))
        return (text[:1].lower() + text[1:]).removeprefix("input should be ") + f", got {got}", None


def _pattern_message(name: str | int, got: str, pattern: str) -> tuple[str, str | None]:
    if name == "id":
        return f"invalid id {got}", "use letters, digits, '_' and '-', starting with a letter or a digit"
    if name == "namespace":
        return f"invalid namespace {got}", "use lowercase letters, digits, '.', '_' and '-', e.g. company.team"
    return f"{got} does not match the pattern {pattern}", None


def _reaches(data: Any, path: Path) -> bool:
    node = data
    for part in path:
        node = descend(node, part)
        if node is ABSENT:
            return False
    return True


def _drop_misspelt_missing(errors: list[_Error]) -> list[_Error]:
    """A required property written with a typo is reported once, as the unknown property."""
    missing: dict[Path, list[str]] = {}
    for error in errors:
        if error.type == "missing" and error.path:
            missing.setdefault(error.path[:-1], []).append(str(error.path[-1]))
    typos = set()
    for error in errors:
        if error.type == "extra_forbidden" and error.path and error.path[:-1] in missing:
            match = closest(str(error.path[-1]), missing[error.path[:-1]])
            if match is not None:
                typos.add((error.path[:-1], match))
    return [e for e in errors if not (e.type == "missing" and e.path and (e.path[:-1], str(e.path[-1])) in typos)]


def structural_issues(
    errors: list[ErrorDetails],
    data: Any,
    positions: Positions,
    registry: Registry,
    filename: str | None = None,
) -> list[Issue]:
    """Issues for the errors of ``Flow.model_validate(data)``, one per problem."""
    located = _drop_misspelt_missing(_select([_Error(raw, data) for raw in errors]))
    mapper = _Mapper(data, positions, registry, filename)
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    for error in located:
        issue = mapper.issue(error)
        if (issue.path, issue.message) not in seen:
            seen.add((issue.path, issue.message))
            issues.append(issue)
    return issues
