"""``lanner flow rollback NS ID --revision N``: bring back an earlier revision's source.

Nothing is rewritten: the old source is saved as a new revision (a deleted flow comes back
the same way), so the history keeps what happened and the rollback itself can be undone.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from lanner.cli.api_client import ApiClient, ApiError
from lanner.cli.output import print_issues
from lanner.cli.plan_cmd import SERVER_OPTION, TOKEN_OPTION
from lanner.cli.plan_output import print_diff
from lanner.flows_as_code.plan import FlowChange

__all__ = ["rollback"]


def rollback(
    namespace: str = typer.Argument(..., help="Namespace of the flow."),
    flow_id: str = typer.Argument(..., help="Id of the flow."),
    revision: int = typer.Option(..., "--revision", "-r", min=1, help="The revision whose source to bring back."),
    server: str = SERVER_OPTION,
    token: str | None = TOKEN_OPTION,
) -> None:
    """Save the source of an earlier revision as the flow's new revision (exit 0), or say it
    already is the current source; exit 1 on an error (unknown flow or revision…)."""
    console, errors = Console(), Console(stderr=True)
    try:
        with ApiClient(server, token) as client:
            old = client.flow(namespace, flow_id, revision)
            latest = client.flow(namespace, flow_id, allow_deleted=True)
            if latest["source"] == old["source"] and not latest.get("deleted"):
                console.print(
                    f"{escape(namespace)}.{escape(flow_id)} revision {latest['revision']} already has the source of "
                    f"revision {revision}: nothing to do.",
                    highlight=False,
                )
                return
            change = FlowChange(
                "update", namespace, flow_id, f"revision {revision}", latest["revision"], latest["source"], old["source"]
            )
            print_diff(console, change.diff(), indent="  ")
            saved = client.save_flow(namespace, flow_id, old["source"], exists=not latest.get("deleted"))
    except ApiError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        print_issues(errors, exc.issues)
        raise typer.Exit(1) from None
    console.print(
        f"[green]✓[/green] {escape(namespace)}.{escape(flow_id)}: revision {saved['revision']} saved "
        f"with the source of revision {revision}",
        highlight=False,
    )
