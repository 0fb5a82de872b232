"""``lanner plan DIR`` and ``lanner apply DIR``: a folder of flows kept in Git, applied to a server.

``plan`` validates the whole folder locally (nothing is sent while any file is invalid), reads
the server's flows through the API, and prints what applying would change. Exit codes fit CI:
0 no change, 2 changes, 1 error.

``apply`` computes the same plan, shows it, asks for confirmation (``--auto-approve`` skips
it and is required when stdin is not a terminal), has the server validate the changed flows,
then writes each namespace in one request to the namespace bulk endpoint (one transaction per
namespace). An unchanged flow keeps its revision, so applying twice changes nothing.
See docs/flows-as-code.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from lanner.cli.api_client import DEFAULT_SERVER, ApiClient, ApiError
from lanner.cli.output import print_issues
from lanner.cli.plan_output import print_plan
from lanner.flows_as_code.folder import Folder, read_folder
from lanner.flows_as_code.plan import Plan, compute_plan, managed_namespaces, namespace_roots

__all__ = ["SERVER_OPTION", "TOKEN_OPTION", "apply", "plan"]

#: exit code of `lanner plan` when the server differs from the folder
EXIT_CHANGES = 2

SERVER_OPTION = typer.Option(DEFAULT_SERVER, "--server", envvar="LANNER_API_URL", help="URL of the Lanner server.")
TOKEN_OPTION = typer.Option(
    None, "--token", envvar="LANNER_API_TOKEN", help="API token (sent as `Authorization: Bearer`).", show_default=False
)
_DIR = typer.Argument(..., help="Folder of flows (searched recursively).", exists=True, file_okay=False)
_NAMESPACE = typer.Option(None, "--namespace", "-n", help="Only this namespace and the ones below it.")
_PRUNE = typer.Option(False, "--prune", help="Delete the server's flows of the managed namespaces that the folder lacks.")


def _fail(console: Console, exc: ApiError) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
    print_issues(console, exc.issues)
    return typer.Exit(1)


def _read(directory: Path, namespace: str | None, errors: Console) -> Folder:
    folder = read_folder(directory, namespace=namespace)
    if folder.issues:
        count = print_issues(errors, folder.issues)
        errors.print(f"[red]{count} error{'s' if count != 1 else ''}[/red]: nothing was sent to the server", highlight=False)
        raise typer.Exit(1)
    return folder


def make_plan(client: ApiClient, folder: Folder, namespace: str | None, prune: bool) -> Plan:
    """The plan of ``folder`` against the server ``client`` talks to."""
    local = managed_namespaces(folder, namespace)
    remote = [flow for root in namespace_roots(local) for flow in client.flows(root)]
    managed = managed_namespaces(folder, namespace, {flow.namespace for flow in remote})
    files = {ns: client.files(ns) for ns in sorted(folder.file_namespaces)}
    return compute_plan(folder, remote, files, server=client.server, namespaces=managed, prune=prune)


def plan(
    directory: Path = _DIR,
    namespace: str | None = _NAMESPACE,
    server: str = SERVER_OPTION,
    token: str | None = TOKEN_OPTION,
    prune: bool = _PRUNE,
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON on stdout."),
) -> None:
    """Validate a folder of flows and show what applying it would change on the server;
    exit 0 when nothing would change, 2 when something would, 1 on an error."""
    errors = Console(stderr=True)
    folder = _read(directory, namespace, errors)
    try:
        with ApiClient(server, token) as client:
            result = make_plan(client, folder, namespace, prune)
    except ApiError as exc:
        raise _fail(errors, exc) from None
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        print_plan(Console(), result)
    raise typer.Exit(EXIT_CHANGES if result.changed else 0)


def apply(
    directory: Path = _DIR,
    namespace: str | None = _NAMESPACE,
    server: str = SERVER_OPTION,
    token: str | None = TOKEN_OPTION,
    prune: bool = _PRUNE,
    auto_approve: bool = typer.Option(False, "--auto-approve", "-y", help="Apply without asking for confirmation."),
) -> None:
    """Apply a folder of flows to the server: the plan `lanner plan` shows, one transaction
    per namespace; exit 0 once applied (or with nothing to apply), 1 on an error."""
    errors = Console(stderr=True)
    console = Console()
    folder = _read(directory, namespace, errors)
    try:
        with ApiClient(server, token) as client:
            result = make_plan(client, folder, namespace, prune)
            print_plan(console, result)
            if not result.changed:
                raise typer.Exit(0)
            if not auto_approve and not _confirmed(errors):
                raise typer.Exit(1)
            _apply(client, result, console)
    except ApiError as exc:
        raise _fail(errors, exc) from None
    console.print("[green]Applied.[/green]", highlight=False)


def _confirmed(errors: Console) -> bool:
    if not sys.stdin.isatty():
        errors.print("[red]error:[/red] stdin is not a terminal: pass --auto-approve to apply without a prompt", highlight=False)
        return False
    if typer.confirm("Apply these changes?", default=False):
        return True
    errors.print("Apply cancelled: nothing changed.", highlight=False)
    return False


def _apply(client: ApiClient, plan: Plan, console: Console) -> None:
    namespaces = plan.flow_namespaces()
    changed = [flow for ns in namespaces for flow in plan.local.get(ns, [])]
    if changed:  # the server's validator may know other plugins: ask it before writing anything
        _server_validate(client, [(flow.file, flow.source) for flow in changed])
    for item in plan.files:
        if item.action == "delete":
            client.delete_file(item.namespace, item.path)
        else:
            client.put_file(item.namespace, item.path, Path(item.file or "").read_bytes())
        console.print(f"  {item.action}d file {escape(item.namespace)}:/{escape(item.path)}", highlight=False)
    for ns in namespaces:
        flows = [(flow.file, flow.source) for flow in plan.local.get(ns, [])]
        answer = client.update_namespace(ns, flows, delete=plan.prune)
        revisions = {(item["namespace"], item["id"]): item for item in answer}
        for change in (c for c in plan.flows if c.namespace == ns):
            stored = revisions.get((change.namespace, change.id), {})
            where = f" (revision {stored['revision']})" if "revision" in stored else ""
            console.print(f"  {change.action}d {escape(change.uid)}{where}", highlight=False)


def _server_validate(client: ApiClient, flows: list[tuple[str, str]]) -> None:
    issues = client.validate(flows)
    if issues:
        raise ApiError("the server found invalid flows: nothing was applied", 422, issues)
