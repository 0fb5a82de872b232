"""Static checks of the ``{{ expressions }}`` in a flow's strings, located in the YAML text.

Only syntax and references visible without running anything are checked: a template that
cannot be parsed, and ``outputs.<task>`` naming no task of the flow.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from lanner.errors import Issue
from lanner.expressions import Renderer
from lanner.flows.source import Mark, Path, Positions, format_path
from lanner.flows.suggest import suggestion

__all__ = ["expression_issues", "strings"]

#: properties never rendered, whose text may legitimately contain braces
_NOT_RENDERED = frozenset({"id", "type", "namespace", "description", "displayName", "pluginDefaults"})


@dataclass(frozen=True, slots=True)
class _Text:
    path: Path
    text: str


@cache
def _renderer() -> Renderer:
    return Renderer()


def strings(data: Any, path: Path = ()) -> Iterator[_Text]:
    """Every string of ``data`` that may hold an expression, with its path."""
    stack: list[tuple[Path, Any]] = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if "{{" in value or "{%" in value or "{#" in value:
                yield _Text(where, value)
        elif isinstance(value, Mapping):
            stack.extend(
                ((*where, k), v) for k, v in reversed(list(value.items())) if isinstance(k, str) and k not in _NOT_RENDERED
            )
        elif isinstance(value, list):
            stack.extend(((*where, i), v) for i, v in reversed(list(enumerate(value))))


def _position(positions: Positions, source: str, path: Path, line: int | None, column: int | None) -> Mark | None:
    """Where, in the YAML text, a spot of a string value is; the value's start when unsure."""
    start = positions.value(path)
    if start is None:
        return positions.nearest(path)
    if line is None or column is None:
        return start
    style = positions.styles.get(path)
    if style == "|":
        lines = source.splitlines()
        first = start.line  # the content starts on the line after the `|` indicator (1-based index)
        if first < len(lines):
            content = lines[first]
            indent = len(content) - len(content.lstrip(" "))
            return Mark(start.line + line, indent + column)
        return start
    if line == 1 and style in (None, '"', "'"):
        return Mark(start.line, start.column + column - 1 + (1 if style else 0))
    return start


def expression_issues(
    data: Any,
    positions: Positions,
    source: str,
    task_ids: set[str],
    filename: str | None = None,
) -> list[Issue]:
    renderer = _renderer()
    issues: list[Issue] = []
    for item in strings(data):
        problems = renderer.check(item.text)
        for problem in problems:
            where = _position(positions, source, item.path, problem.line, problem.column)
            issues.append(
                Issue(
                    f"invalid expression: {problem.message}",
                    path=format_path(item.path),
                    line=where.line if where else None,
                    column=where.column if where else None,
                    hint=f"in {problem.expression!r}" if problem.expression else None,
                    source=filename,
                    kind="expression",
                )
            )
        if problems:
            continue
        for task_id in sorted(renderer.referenced_outputs(item.text) - task_ids):
            where = positions.value(item.path) or positions.nearest(item.path)
            owner = item.path[:2] if item.path[:1] == ("outputs",) else None
            subject = f"flow output {_output_id(data, owner)!r} refers to" if owner else "reference to"
            issues.append(
                Issue(
                    f"{subject} unknown task {task_id!r} (`outputs.{task_id}`)",
                    path=format_path(item.path),
                    line=where.line if where else None,
                    column=where.column if where else None,
                    hint=suggestion(task_id, task_ids, list_all=False)
                    or ("tasks of the flow: " + ", ".join(sorted(task_ids)) if task_ids else None),
                    source=filename,
                    kind="unknown-output",
                )
            )
    return issues


def _output_id(data: Any, path: Path | None) -> str:
    try:
        return str(data["outputs"][path[1]]["id"])  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return "?"
