"""``lanner server …``: run Lanner as a service."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import typer
import uvicorn
from rich.console import Console

from lanner.api.app import create_app
from lanner.bootstrap import open_engine
from lanner.cli.flow_cmd import flow_files
from lanner.cli.output import print_issues
from lanner.errors import FlowValidationError
from lanner.settings import Settings, load_settings

__all__ = ["app"]

app = typer.Typer(help="Run the Lanner server.", no_args_is_help=True)


@app.command("local")
def local(
    host: str | None = typer.Option(None, "--host", help="Listen address (default 127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", help="Listen port (default 8080)."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Database, files and work folders (default ./.lanner)."),
    flows: list[Path] = typer.Option([], "--flows", help="Load the flows of these folders at start."),
    config: Path | None = typer.Option(None, "--config", help="YAML configuration file."),
) -> None:
    """Every component in one process on an embedded SQLite: the quickest way to run Lanner."""
    settings = load_settings(config, data_dir=data_dir)
    if host is not None:
        settings.server.host = host
    if port is not None:
        settings.server.port = port
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_serve(settings, flows))


async def _serve(settings: Settings, flow_dirs: list[Path]) -> None:
    console = Console(stderr=True)
    async with open_engine(settings, local=True) as engine:
        loaded = 0
        for file in flow_files(flow_dirs):
            try:
                await engine.deploy(file.read_text(), filename=str(file))
                loaded += 1
            except FlowValidationError as exc:
                print_issues(console, exc.issues)
        console.print(f"loaded {loaded} flow(s); database {settings.resolved_database_url()}")
        config = uvicorn.Config(create_app(engine), host=settings.server.host, port=settings.server.port, log_level="warning")
        server = uvicorn.Server(config)
        console.print(f"Lanner listening on http://{settings.server.host}:{settings.server.port}")
        await server.serve()
