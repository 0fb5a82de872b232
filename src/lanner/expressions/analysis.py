"""What can be learnt from a template without rendering it: syntax issues and task references."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .lexer import PebbleSyntaxError
from .nodes import Attr, Item, Literal, Name, Node, walk

__all__ = ["ExpressionIssue", "issue_at_line", "issue_at_offset", "output_references", "position"]


@dataclass(frozen=True, slots=True)
class ExpressionIssue:
    """A syntax problem in a template: ``line``/``column`` are 1-based within the string."""

    message: str
    expression: str
    line: int
    column: int

    def format(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message} in {self.expression!r}"


def position(template: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``template``."""
    line = template.count("\n", 0, offset) + 1
    column = offset - (template.rfind("\n", 0, offset) + 1) + 1
    return line, column


def issue_at_offset(template: str, error: PebbleSyntaxError) -> ExpressionIssue:
    line, column = position(template, error.offset)
    return ExpressionIssue(error.message, _tag_around(template, error.offset), line, column)


def issue_at_line(template: str, message: str, line: int | None) -> ExpressionIssue:
    """An issue Jinja reported by line only; point at the first tag of that line."""
    lines = template.split("\n")
    number = min(max(line or 1, 1), len(lines))
    text = lines[number - 1]
    starts = [index for index in (text.find("{{"), text.find("{%")) if index >= 0]
    column = min(starts) + 1 if starts else 1
    offset = sum(len(previous) + 1 for previous in lines[: number - 1]) + column - 1
    return ExpressionIssue(message, _tag_around(template, offset) if starts else text.strip(), number, column)


def _tag_around(template: str, offset: int) -> str:
    start = max(template.rfind("{{", 0, offset + 2), template.rfind("{%", 0, offset + 2))
    if start < 0:
        return template
    closer = "}}" if template.startswith("{{", start) else "%}"
    end = template.find(closer, max(offset, start + 2))
    return template[start:] if end < 0 else template[start : end + 2]


def output_references(expressions: Iterable[Node]) -> set[str]:
    """Task ids read as ``outputs.x``, ``outputs['x']`` or ``outputs["x"]``."""
    found: set[str] = set()
    for expression in expressions:
        for node in walk(expression):
            match node:
                case Attr(obj=Name(name="outputs"), name=task_id):
                    found.add(task_id)
                case Item(obj=Name(name="outputs"), key=Literal(value=str() as task_id)):
                    found.add(task_id)
    return found
