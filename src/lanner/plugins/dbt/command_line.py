"""dbt command lines: the flags Lanner adds, and where the ``dbt`` program is.

Like Kestra, each line of a command that runs dbt gets ``--project-dir`` (when ``projectDir``
is set), ``--log-format`` and ``--log-path`` unless it already has them; Lanner also adds
``--target``, ``--vars``, ``--select`` and ``--exclude`` from the task's properties to the dbt
commands that accept them. Flags go right after the subcommand, so a line such as
``dbt build --select tag:daily && echo done`` stays a valid shell command.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DbtFlags", "add_flags", "beside_python", "dbt_subcommand"]

#: ``dbt [global flags] <subcommand>``; a path ending in ``/dbt`` counts as dbt
_DBT_LINE = re.compile(
    r"^(?P<head>\s*(?:\S*/)?dbt(?:\s+--?[A-Za-z][\w-]*)*\s+"
    r"(?P<sub>source\s+freshness|docs\s+generate|docs\s+serve|[a-z][a-z-]*))(?=\s|$)"
)
_SELECTING = frozenset(
    {"build", "run", "test", "seed", "snapshot", "compile", "ls", "list", "source freshness", "docs generate", "show", "clone"}
)
_NO_PROJECT = frozenset({"init"})


@dataclass(frozen=True, slots=True)
class DbtFlags:
    """Rendered flag values; ``None`` or empty adds nothing."""

    project_dir: str | None = None
    log_format: str | None = "json"
    log_path: str | None = None
    target: str | None = None
    vars: Mapping[str, Any] | None = None
    select: Sequence[str] = field(default_factory=tuple)
    exclude: Sequence[str] = field(default_factory=tuple)


def dbt_subcommand(line: str) -> str | None:
    """The dbt subcommand a command line runs (``build``, ``source freshness``…), or None."""
    match = _DBT_LINE.match(line)
    return re.sub(r"\s+", " ", match.group("sub")) if match else None


def _flags_for(line: str, subcommand: str, flags: DbtFlags) -> list[str]:
    added: list[str] = []

    def add(name: str, *values: str) -> None:
        if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", line):
            added.append(" ".join([name, *(shlex.quote(v) for v in values)]))

    if subcommand in _NO_PROJECT:
        return added
    if flags.project_dir:
        add("--project-dir", flags.project_dir)
    if flags.log_format:
        add("--log-format", flags.log_format)
    if flags.log_path:
        add("--log-path", flags.log_path)
    if flags.target:
        add("--target", flags.target)
    if flags.vars:
        add("--vars", json.dumps(dict(flags.vars), default=str))
    if subcommand in _SELECTING:
        if flags.select:
            add("--select", *flags.select)
        if flags.exclude:
            add("--exclude", *flags.exclude)
    return added


def add_flags(command: str, flags: DbtFlags) -> str:
    """``command`` with the flags added to each of its lines that runs dbt."""
    lines = []
    for line in command.split("\n"):
        match = _DBT_LINE.match(line)
        if match is not None:
            extra = _flags_for(line, dbt_subcommand(line) or "", flags)
            if extra:
                line = match.group("head") + " " + " ".join(extra) + line[match.end("head") :]
        lines.append(line)
    return "\n".join(lines)


def beside_python(path_variable: str) -> str | None:
    """``dbt`` next to Lanner's own Python when there is none on ``path_variable`` (PATH), else None.

    This is where ``pip install 'lanner[dbt]'`` (or ``make install``, through a link) puts it.
    """
    if shutil.which("dbt", path=path_variable) is not None:
        return None
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None
