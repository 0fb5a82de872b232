"""SQL text: statements split on ``;`` and Kestra's ``:name`` parameters bound as the driver wants.

Both scan the SQL once, skipping string literals (``'…'``, ``E'…'``, ``$tag$…$tag$``), quoted
identifiers (``"…"``), comments and ``::`` casts, so a colon or a semicolon in those is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from lanner.errors import TaskFailure

__all__ = ["bind_parameters", "split_statements"]

#: ``%s`` for psycopg (and every literal ``%`` doubled), ``?`` for DuckDB
Placeholder = Literal["format", "qmark"]

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _tokens(sql: str) -> Iterator[tuple[str, str]]:
    """``(kind, text)`` pieces: ``code`` (outside literals), ``quoted``, ``comment``, ``param``, ``semicolon``."""
    i, n, start = 0, len(sql), 0

    def flush(end: int) -> Iterator[tuple[str, str]]:
        if end > start:
            yield "code", sql[start:end]

    while i < n:
        char = sql[i]
        end = None
        kind = "quoted"
        if char in ("'", '"'):
            escapes = char == "'" and i > 0 and sql[i - 1] in "eE" and (i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] == "_"))
            end = _closing(sql, i, char, backslash=escapes)
        elif char == "-" and sql.startswith("--", i):
            newline = sql.find("\n", i)
            end, kind = (n if newline < 0 else newline), "comment"
        elif char == "/" and sql.startswith("/*", i):
            close = sql.find("*/", i + 2)
            end, kind = (n if close < 0 else close + 2), "comment"
        elif char == "$" and (match := _DOLLAR_TAG.match(sql, i)) and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
            close = sql.find(match.group(0), match.end())
            end = n if close < 0 else close + len(match.group(0))
        elif char == ":" and sql.startswith("::", i):
            i += 2
            continue
        elif char == ":" and (name := _NAME.match(sql, i + 1)) and not (i > 0 and sql[i - 1] == ":"):
            yield from flush(i)
            yield "param", name.group(0)
            i = start = name.end()
            continue
        elif char == ";":
            yield from flush(i)
            yield "semicolon", ";"
            i = start = i + 1
            continue
        if end is None:
            i += 1
            continue
        yield from flush(i)
        yield kind, sql[i:end]
        i = start = end
    yield from flush(n)


def _closing(sql: str, i: int, quote: str, *, backslash: bool) -> int:
    j = i + 1
    while j < len(sql):
        if backslash and sql[j] == "\\":
            j += 2
            continue
        if sql[j] == quote:
            if j + 1 < len(sql) and sql[j + 1] == quote:  # doubled quote inside the literal
                j += 2
                continue
            return j + 1
        j += 1
    return len(sql)


def split_statements(sql: str) -> list[str]:
    """The statements of ``sql``, without their ``;`` and without empty ones."""
    statements: list[str] = []
    current: list[str] = []
    meaningful = False
    for kind, text in _tokens(sql):
        if kind == "semicolon":
            if meaningful:
                statements.append("".join(current).strip())
            current, meaningful = [], False
            continue
        current.append(text if kind != "param" else ":" + text)
        meaningful = meaningful or (kind != "comment" and bool(text.strip()))
    if meaningful:
        statements.append("".join(current).strip())
    return statements


def bind_parameters(sql: str, parameters: Mapping[str, Any] | None, placeholder: Placeholder) -> tuple[str, list[Any] | None]:
    """Replace each ``:name`` by a driver placeholder; return the SQL and the values in order.

    Without ``parameters`` the SQL is returned as is (a ``:word`` then means nothing special).
    A name missing from ``parameters`` fails the task with the names that are there.
    """
    if not parameters:
        return sql, None
    parts: list[str] = []
    values: list[Any] = []
    for kind, text in _tokens(sql):
        if kind == "param":
            if text not in parameters:
                known = ", ".join(sorted(parameters)) or "none"
                raise TaskFailure(f"the SQL uses the parameter :{text}, which is not in `parameters` ({known})", retryable=False)
            parts.append("%s" if placeholder == "format" else "?")
            values.append(parameters[text])
        else:
            parts.append(text.replace("%", "%%") if placeholder == "format" else text)
    return "".join(parts), values
