"""Checks beyond the shape of each property: ids, Dag dependencies, inputs, expressions.

They run on the raw data (after ``pluginDefaults``), so they report alongside structural
errors: a duplicate id is found even when another task of the flow has a typo.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from lanner.errors import InputError, Issue
from lanner.flows.source import Path, Positions, format_path
from lanner.flows.suggest import suggestion
from lanner.flows.templates import expression_issues
from lanner.flows.walk import Node, walk
from lanner.models.input_values import coerce_value
from lanner.models.inputs import AnyInput
from lanner.models.registry import Registry

__all__ = ["semantic_issues", "task_ids"]

_INPUT = TypeAdapter(AnyInput)


class _Reporter:
    def __init__(self, positions: Positions, filename: str | None) -> None:
        self.positions = positions
        self.filename = filename
        self.issues: list[Issue] = []

    def add(self, message: str, path: Path, kind: str, hint: str | None = None, *, at_key: bool = False) -> None:
        where = (self.positions.key(path) if at_key else None) or self.positions.value(path)
        where = where or self.positions.nearest(path)
        self.issues.append(
            Issue(
                message,
                path=format_path(path),
                line=where.line if where else None,
                column=where.column if where else None,
                hint=hint,
                source=self.filename,
                kind=kind,
            )
        )

    def line_of(self, path: Path) -> str:
        where = self.positions.value(path)
        return f" (line {where.line})" if where else ""


def _id_of(value: Any) -> str | None:
    ident = value.get("id") if isinstance(value, Mapping) else None
    return ident if isinstance(ident, str) else None


def task_ids(nodes: list[Node]) -> dict[str, list[Path]]:
    """Every task id of the flow (tasks, errors, finally, nested at any depth) with where it is used."""
    ids: dict[str, list[Path]] = {}
    for node in nodes:
        ident = _id_of(node.value) if node.shape.plugin_kind == "task" else None
        if ident is not None:
            ids.setdefault(ident, []).append(node.path)
    return ids


def _duplicates(report: _Reporter, what: str, used: dict[str, list[Path]]) -> None:
    for ident, paths in used.items():
        first = paths[0]
        for path in paths[1:]:
            report.add(
                f"duplicate {what} id {ident!r}",
                (*path, "id"),
                "duplicate-id",
                f"{ident!r} is already the id of {format_path(first)}{report.line_of(first)}; ids must be unique",
            )


def _top_level_ids(data: Mapping[str, Any], key: str) -> dict[str, list[Path]]:
    used: dict[str, list[Path]] = {}
    items = data.get(key)
    for index, item in enumerate(items if isinstance(items, list) else []):
        ident = _id_of(item)
        if ident is not None:
            used.setdefault(ident, []).append((key, index))
    return used


def _dag_issues(report: _Reporter, nodes: list[Node]) -> None:
    groups: dict[Path, list[Node]] = {}
    for node in nodes:
        model = node.shape.model
        if model is not None and {"task", "dependsOn"} <= set(model.model_fields) and isinstance(node.value, Mapping):
            groups.setdefault(node.path[:-1], []).append(node)
    for entries in groups.values():
        _check_dag(report, entries)


def _check_dag(report: _Reporter, entries: list[Node]) -> None:
    ids = {ident: entry.path for entry in entries if (ident := _id_of(entry.value.get("task"))) is not None}
    graph: dict[str, list[tuple[str, Path]]] = {}
    for entry in entries:
        ident = _id_of(entry.value.get("task"))
        depends = entry.value.get("dependsOn")
        if ident is None or not isinstance(depends, list):
            continue
        for index, dep in enumerate(depends):
            path = (*entry.path, "dependsOn", index)
            if not isinstance(dep, str):
                continue
            if dep == ident:
                report.add(f"task {ident!r} depends on itself", path, "dag")
            elif dep not in ids:
                hint = suggestion(dep, ids, list_all=False) or "tasks of this Dag: " + ", ".join(sorted(ids))
                report.add(f"unknown task {dep!r} in dependsOn of {ident!r}", path, "dag", hint)
            else:
                graph.setdefault(ident, []).append((dep, path))
    for cycle, path in _cycles(graph):
        report.add(
            "dependency cycle: " + " → ".join([*cycle, cycle[0]]),
            path,
            "dag",
            "a Dag cannot have cycles; remove one of these dependencies",
        )


def _cycles(graph: dict[str, list[tuple[str, Path]]]) -> list[tuple[list[str], Path]]:
    """Each elementary cycle found by a depth-first search, once, with the path of its first edge."""
    found: dict[tuple[str, ...], tuple[list[str], Path]] = {}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    for start in sorted(graph):
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        trail: list[str] = []
        edges: list[Path] = []
        state[start] = 1
        trail.append(start)
        while stack:
            node, index = stack.pop()
            targets = graph.get(node, [])
            if index < len(targets):
                stack.append((node, index + 1))
                target, path = targets[index]
                if state.get(target) == 1:
                    cycle = trail[trail.index(target) :]
                    cycle_edges = [*edges[trail.index(target) :], path]
                    key = _rotation(cycle)
                    if key not in found:
                        first = cycle.index(min(cycle))
                        found[key] = (cycle[first:] + cycle[:first], cycle_edges[first])
                elif not state.get(target):
                    state[target] = 1
                    trail.append(target)
                    edges.append(path)
                    stack.append((target, 0))
            else:
                state[node] = 2
                trail.pop()
                if edges:
                    edges.pop()
    return list(found.values())


def _rotation(cycle: list[str]) -> tuple[str, ...]:
    first = cycle.index(min(cycle))
    return tuple(cycle[first:] + cycle[:first])


def _input_issues(report: _Reporter, data: Mapping[str, Any]) -> None:
    items = data.get("inputs")
    if not isinstance(items, list):
        return
    _duplicates(report, "input", _top_level_ids(data, "inputs"))
    known = {ident for item in items if (ident := _id_of(item)) is not None}
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        path: Path = ("inputs", index)
        _input_depends(report, item, path, known)
        defaults = item.get("defaults")
        if defaults is None or (isinstance(defaults, str) and "{{" in defaults):
            continue  # no default, or a dynamic one rendered when the execution starts
        try:
            declared = _INPUT.validate_python(item)
        except ValidationError:
            continue  # reported by the structural validation
        try:
            coerce_value(declared, defaults)
        except InputError as exc:
            for problem in exc.issues:
                report.add(f"invalid default: {problem.message}", (*path, "defaults"), "input", problem.hint)


def _input_depends(report: _Reporter, item: Mapping[str, Any], path: Path, known: set[str]) -> None:
    depends = item.get("dependsOn")
    names = depends.get("inputs") if isinstance(depends, Mapping) else None
    if not isinstance(names, list):
        return
    for index, name in enumerate(names):
        where = (*path, "dependsOn", "inputs", index)
        if not isinstance(name, str):
            continue
        if name == item.get("id"):
            report.add(f"input {name!r} depends on itself", where, "input")
        elif name not in known:
            report.add(f"unknown input {name!r} in dependsOn", where, "input", suggestion(name, known))


def semantic_issues(
    data: Any,
    positions: Positions,
    registry: Registry,
    source: str = "",
    filename: str | None = None,
) -> list[Issue]:
    """Every semantic problem of the flow data (which may be structurally invalid)."""
    if not isinstance(data, Mapping):
        return []
    report = _Reporter(positions, filename)
    nodes = list(walk(data, registry))
    used = task_ids(nodes)
    _duplicates(report, "task", used)
    _duplicates(report, "trigger", _top_level_ids(data, "triggers"))
    _duplicates(report, "output", _top_level_ids(data, "outputs"))
    _dag_issues(report, nodes)
    _input_issues(report, data)
    report.issues.extend(expression_issues(data, positions, source, set(used), filename))
    return report.issues
