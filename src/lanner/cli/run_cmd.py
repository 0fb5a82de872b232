"""``lanner run FLOW.yml``: run a flow once, in-process, on a temporary SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from lanner.cli.flow_cmd import flow_files, read_flow_file
from lanner.cli.output import STATE_STYLE, print_issues, print_log
from lanner.errors import ConflictError, FlowValidationError, InputError, Issue, LannerError
from lanner.flows import parse_flow
from lanner.models.execution import TaskRun
from lanner.models.state import State
from lanner.settings import load_settings

if TYPE_CHECKING:
    from lanner.engine.engine import Engine

__all__ = ["EXIT_CODES", "run"]

#: exit code of `lanner run` for each final state
EXIT_CODES = {State.SUCCESS: 0, State.WARNING: 0, State.SKIPPED: 0, State.FAILED: 1, State.KILLED: 2, State.CANCELLED: 3}


def _parse_inputs(pairs: list[str]) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r}: write inputs as name=value", param_hint="--input")
        inputs[key] = value
    return inputs


def run(
    flow_file: Path = typer.Argument(..., help="The flow to run (YAML).", exists=True, dir_okay=False),
    input: list[str] = typer.Option(
        [], "--input", "-i", help="An input as name=value (repeatable). FILE inputs take a local path."
    ),
    flows: list[Path] = typer.Option([], "--flows", help="Folder of other flows, available as subflows."),
    as_json: bool = typer.Option(False, "--json", help="Print the final execution as JSON (Kestra's shape) on stdout."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Keep the database and files here instead of a temporary folder."
    ),
    timeout: float | None = typer.Option(None, "--timeout", help="Kill the execution after this many seconds."),
) -> None:
    """Run a flow once with the full engine, streaming its logs; exit 0 on SUCCESS or WARNING,
    1 FAILED, 2 KILLED, 3 CANCELLED."""
    console = Console(stderr=True)
    inputs = _parse_inputs(input)
    try:
        source = read_flow_file(flow_file)
        parse_flow(source, filename=str(flow_file))
    except FlowValidationError as exc:
        print_issues(console, exc.issues)
        raise typer.Exit(1) from None
    with tempfile.TemporaryDirectory(prefix="lanner-run-") as tmp:
        try:
            settings = load_settings(data_dir=data_dir or Path(tmp))
            code = asyncio.run(_run(settings, source, str(flow_file), flows, inputs, as_json, console, timeout))
        except (FlowValidationError, InputError) as exc:
            print_issues(console, exc.issues)
            code = 1
        except LannerError as exc:
            console.print(f"[red]error:[/red] {exc}")
            code = 1
    raise typer.Exit(code)


async def _run(
    settings: Any,
    source: str,
    filename: str,
    flow_dirs: list[Path],
    inputs: dict[str, Any],
    as_json: bool,
    console: Console,
    timeout: float | None,
) -> int:
    from lanner.bootstrap import open_engine  # the engine's imports cost the other commands ~0.4 s

    async with open_engine(settings, local=True) as engine:
        for file in flow_files(flow_dirs):
            await engine.deploy(read_flow_file(file), filename=str(file))
        stored = await engine.deploy(source, filename=filename)
        flow = (await engine.flows.get(stored.namespace, stored.id, stored.revision)).flow
        inputs = await _upload_files(engine, flow, inputs)
        execution = await engine.submit(stored.namespace, stored.id, inputs)
        console.print(f"[bold]{stored.namespace}.{stored.id}[/bold] execution [cyan]{execution.id}[/cyan]", highlight=False)
        loop = asyncio.get_running_loop()
        killed = False
        kills: list[asyncio.Task[None]] = []  # a reference, so the task is not garbage-collected mid-way

        async def kill() -> None:
            with contextlib.suppress(ConflictError):  # the execution ended meanwhile
                await engine.kill(execution.id)

        def on_interrupt() -> None:
            nonlocal killed
            if not killed:
                killed = True
                console.print("[magenta]interrupted: killing the execution…[/magenta]")
                kills.append(loop.create_task(kill()))

        loop.add_signal_handler(signal.SIGINT, on_interrupt)
        if timeout is not None:
            loop.call_later(timeout, on_interrupt)
        final = await _follow(engine, execution.id, console)
        loop.remove_signal_handler(signal.SIGINT)
        ex = final.execution
        style = STATE_STYLE.get(ex.state.value, "")
        duration = (ex.end_date - ex.start_date).total_seconds() if ex.end_date else 0.0
        console.print(f"[{style}]{ex.state.value}[/{style}] in {duration:.3f}s", highlight=False)
        if ex.outputs:
            console.print(f"outputs: {json.dumps(ex.outputs, default=str)}", highlight=False)
        if as_json:
            sys.stdout.write(json.dumps(ex.to_api(final.task_runs), indent=2, default=str) + "\n")
        return EXIT_CODES.get(ex.state, 1)


async def _upload_files(engine: Engine, flow: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    for declared in flow.inputs or []:
        value = inputs.get(declared.id)
        if declared.type == "FILE" and isinstance(value, str) and not value.startswith(("lanner://", "kestra://")):
            path = Path(value)
            if not path.is_file():
                raise InputError([_issue(declared.id, f"file {value!r} does not exist")])
            inputs[declared.id] = await engine.files.put(path, f"{flow.namespace.replace('.', '/')}/{flow.id}/inputs/{path.name}")
    return inputs


def _issue(input_id: str, message: str) -> Issue:
    return Issue(message=message, path=f"inputs.{input_id}")


def _progress(runs: list[TaskRun]) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False)
    for run in sorted(runs, key=lambda r: r.seq)[-30:]:
        style = STATE_STYLE.get(run.state.value, "")
        label = run.task_id + (f" [{run.value}]" if run.value is not None else "")
        attempts = f"attempt {len(run.attempts)}" if len(run.attempts) > 1 else ""
        table.add_row(f"[{style}]●[/{style}]", label, f"[{style}]{run.state.value}[/{style}]", attempts)
    return table


async def _follow(engine: Engine, execution_id: str, console: Console) -> Any:
    """Print new log lines as they are stored and a live table of task runs, until the end."""
    seen = 0
    live = Live(console=console, refresh_per_second=10, transient=True) if console.is_terminal else None
    if live is not None:
        live.start()
    try:
        while True:
            found = await engine.get(execution_id)
            logs = await engine.store.get_logs(execution_id)
            for entry in logs[seen:]:
                print_log(console, entry)
            seen = len(logs)
            if live is not None:
                live.update(_progress(found.task_runs))
            if found.execution.state.is_terminal:
                return found
            with contextlib.suppress(TimeoutError):
                await engine.wait(execution_id, timeout=0.1, poll=0.1)
    finally:
        if live is not None:
            live.stop()
