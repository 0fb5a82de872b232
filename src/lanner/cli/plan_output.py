"""How a plan reads on a terminal: one line per change, coloured diffs of the YAML sources."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from lanner.flows_as_code.plan import FlowChange, Plan

__all__ = ["print_diff", "print_plan"]

_ACTION_STYLE = {"create": ("+", "green"), "update": ("~", "yellow"), "delete": ("-", "red")}
_TRIGGER_STYLE = {"start": ("▶", "green"), "stop": ("■", "red"), "change": ("~", "yellow")}


def print_diff(console: Console, lines: list[str], indent: str = "    ") -> None:
    for line in lines:
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        else:
            style = ""
        text = escape(line)
        console.print(f"{indent}[{style}]{text}[/{style}]" if style else f"{indent}{text}", highlight=False, soft_wrap=True)


def _flow_line(change: FlowChange) -> str:
    mark, style = _ACTION_STYLE[change.action]
    text = f"[{style}]{mark} {change.action}[/{style}] [bold]{escape(change.uid)}[/bold]"
    if change.action == "update" and change.revision is not None:
        text += f"  revision {change.revision} → {change.revision + 1}"
    elif change.action == "delete" and change.revision is not None:
        text += f"  (revision {change.revision})"
    if change.file:
        text += f"  [dim]{escape(change.file)}[/dim]"
    return text


def print_plan(console: Console, plan: Plan, *, diffs: bool = True) -> None:
    """The plan as a reviewer reads it; the last line sums it up."""
    namespaces = ", ".join(plan.namespaces) or "none"
    console.print(f"Plan for [bold]{escape(plan.server)}[/bold] (namespaces: {escape(namespaces)})", highlight=False)
    if plan.flows:
        console.print()
    for change in plan.flows:
        console.print(_flow_line(change), highlight=False, soft_wrap=True)
        if diffs and change.action == "update":
            print_diff(console, change.diff())
    if plan.triggers:
        console.print("\nTriggers:", highlight=False)
        for trigger in plan.triggers:
            mark, style = _TRIGGER_STYLE[trigger.action]
            what = trigger.after or ""
            if trigger.action == "change":
                what = f"{trigger.before} → {trigger.after}"
            elif trigger.action == "stop":
                what = trigger.before or ""
            console.print(
                f"  [{style}]{mark} {trigger.action:<6}[/{style}] {escape(trigger.namespace)}.{escape(trigger.flow_id)}"
                f" / [bold]{escape(trigger.trigger_id)}[/bold]  {escape(what)}",
                highlight=False,
                soft_wrap=True,
            )
    if plan.files:
        console.print("\nNamespace files:", highlight=False)
        for item in plan.files:
            mark, style = _ACTION_STYLE[item.action]
            console.print(
                f"  [{style}]{mark} {item.action}[/{style}] {escape(item.namespace)}:/{escape(item.path)}",
                highlight=False,
                soft_wrap=True,
            )
    if plan.unmanaged:
        count = len(plan.unmanaged)
        console.print(
            f"\n[dim]{count} flow{'s' if count != 1 else ''} of these namespaces on the server "
            f"{'are' if count != 1 else 'is'} not in the folder and kept (--prune deletes them): "
            f"{escape(', '.join(plan.unmanaged))}[/dim]",
            highlight=False,
            soft_wrap=True,
        )
    console.print()
    if plan.changed:
        console.print(f"[bold]Plan:[/bold] {plan.summary()}.", highlight=False)
    else:
        console.print(f"[green]No changes.[/green] The server matches the folder ({plan.unchanged} flows).", highlight=False)
