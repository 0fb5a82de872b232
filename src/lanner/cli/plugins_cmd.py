"""``lanner plugins …``: installed task and trigger types and the flow JSON Schema."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from lanner.flows import flow_json_schema
from lanner.models.plugin import type_names
from lanner.models.registry import default_registry
from lanner.tasks.scripts.k8s.options import KUBERNETES_RUNNER_TYPES
from lanner.tasks.scripts.options import PROCESS_RUNNER_TYPES
from lanner.triggers.conditions import CONDITION_TYPES

__all__ = ["app"]

app = typer.Typer(help="Installed plugins.", no_args_is_help=True)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of a flow (every task and trigger type, with documentation)."""
    typer.echo(json.dumps(flow_json_schema(), indent=2))


@app.command("list")
def list_plugins() -> None:
    """List task, trigger, trigger condition and task runner types with their Kestra aliases."""
    registry = default_registry()
    table = Table("kind", "type", "aliases", "plugin")
    for kind, classes in (("task", registry.task_classes()), ("trigger", registry.trigger_classes())):
        for cls in classes:
            names = type_names(cls)
            table.add_row(kind, names[0], "\n".join(names[1:]), registry.origin.get(names[0], ""))
    conditions: dict[str, list[str]] = {}
    for name, condition in CONDITION_TYPES.items():
        conditions.setdefault(condition.__name__, []).append(name)
    for aliases in conditions.values():
        table.add_row("condition", aliases[0], "\n".join(aliases[1:]), "core")
    for names in (PROCESS_RUNNER_TYPES, KUBERNETES_RUNNER_TYPES):
        canonical = next(name for name in names if name.startswith("lanner."))
        table.add_row("task runner", canonical, "\n".join(name for name in names if name != canonical), "core")
    console = Console()
    if not console.is_terminal:  # piped: rich would cut type names at 80 columns; the table takes the width it needs
        console.width = 10_000
    console.print(table)
