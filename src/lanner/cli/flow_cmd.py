"""``lanner flow …``: work with flow files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from lanner.cli.output import print_issues
from lanner.errors import FlowValidationError, Issue
from lanner.flows import validate_flow

__all__ = ["app", "flow_files", "read_flow_file"]

app = typer.Typer(help="Validate and manage flows.", no_args_is_help=True)


def flow_files(paths: list[Path]) -> list[Path]:
    """YAML files named directly, or found recursively in folders, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()))
        else:
            found.append(path)
    return found


def read_flow_file(path: Path) -> str:
    """The text of a flow file; an unreadable one raises ``FlowValidationError``, never a traceback."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        column = exc.start - exc.object.rfind(b"\n", 0, exc.start)
        issue = Issue(f"cannot read: not UTF-8 text ({exc.reason})", line=line, column=column, source=str(path), kind="syntax")
    except OSError as exc:
        issue = Issue(f"cannot read: {exc.strerror or exc}", source=str(path), kind="syntax")
    raise FlowValidationError([issue])


@app.command("validate")
def validate(paths: list[Path] = typer.Argument(..., help="Flow files or folders of flows.")) -> None:
    """Check flows and print every error with file:line:column; exit 1 when any is invalid."""
    console = Console(stderr=False)
    errors = 0
    files = flow_files(paths)
    for file in files:
        try:
            source = read_flow_file(file)
        except FlowValidationError as exc:
            errors += print_issues(console, exc.issues)
            continue
        errors += print_issues(console, validate_flow(source, filename=str(file)))
    if errors:
        console.print(f"[red]{errors} error{'s' if errors != 1 else ''}[/red] in {len(files)} file(s)")
        raise typer.Exit(1)
    console.print(f"[green]✓[/green] {len(files)} flow{'s' if len(files) != 1 else ''} valid")
