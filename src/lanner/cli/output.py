"""Console helpers shared by commands: coloured states and log lines, issue lists."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape

from lanner.errors import Issue
from lanner.models.execution import LogEntry

__all__ = ["STATE_STYLE", "print_issues", "print_log"]

STATE_STYLE = {
    "SUCCESS": "green",
    "WARNING": "yellow",
    "FAILED": "red",
    "KILLED": "magenta",
    "CANCELLED": "magenta",
    "RUNNING": "cyan",
    "CREATED": "dim",
    "QUEUED": "dim",
    "PAUSED": "blue",
    "RETRYING": "yellow",
    "KILLING": "magenta",
    "SKIPPED": "dim",
}
LEVEL_STYLE = {"TRACE": "dim", "DEBUG": "dim", "INFO": "", "WARN": "yellow", "ERROR": "bold red"}


def print_issues(console: Console, issues: Iterable[Issue]) -> int:
    count = 0
    for issue in issues:
        count += 1
        where = f"[bold]{escape(issue.location())}[/bold]"
        path = f" [cyan]{escape(issue.path)}[/cyan]:" if issue.path else ""
        hint = f"\n    [dim]hint: {escape(issue.hint)}[/dim]" if issue.hint else ""
        # soft_wrap: one `file:line:column: path: message` line, whatever the width (editors parse it)
        console.print(f"{where}:{path} [red]{escape(issue.message)}[/red]{hint}", highlight=False, soft_wrap=True)
    return count


def print_log(console: Console, entry: LogEntry) -> None:
    style = LEVEL_STYLE.get(entry.level, "")
    time = entry.timestamp.strftime("%H:%M:%S.%f")[:-3]
    task = f"[bold]{escape(entry.task_id)}[/bold] " if entry.task_id else ""
    message = escape(entry.message)
    if style:
        message = f"[{style}]{message}[/{style}]"
    console.print(f"[dim]{time}[/dim] {entry.level:<5} {task}{message}", highlight=False, soft_wrap=True)
