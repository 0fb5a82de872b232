"""``lanner server …``: run Lanner as a service."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import typer
import uvicorn
from rich.console import Console

from lanner.errors import ConfigError
from lanner.settings import load_settings

__all__ = ["app", "is_loopback"]

app = typer.Typer(help="Run the Lanner server.", no_args_is_help=True)


@app.command("local")
def local(
    host: str | None = typer.Option(None, "--host", help="Listen address (default 127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", help="Listen port (default 8080)."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Database, files and work folders (default ./.lanner)."),
    flows: list[Path] = typer.Option([], "--flows", help="Load the flows of these folders at start."),
    config: Path | None = typer.Option(None, "--config", help="YAML configuration file."),
) -> None:
    """Every component in one process on an embedded SQLite: the quickest way to run Lanner.

    Without credentials configured (auth.*), the server listens on a loopback address only.
    """
    # Options become settings through the environment, the one way settings reach the app factory.
    if config is not None:
        os.environ["LANNER_CONFIG"] = str(config.resolve())
    if data_dir is not None:
        os.environ["LANNER_DATA_DIR"] = str(data_dir.resolve())
    if flows:
        os.environ["LANNER_FLOWS_DIRS"] = os.pathsep.join(str(p.resolve()) for p in flows)
    try:
        settings = load_settings()
    except ConfigError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    bind = host or settings.server.host
    if not settings.auth.enabled and not is_loopback(bind):
        Console(stderr=True, soft_wrap=True).print(
            f"[red]error:[/red] refusing to listen on {bind} without authentication: anyone reaching it could run "
            "code. Set LANNER_AUTH_BASIC_USERNAME and LANNER_AUTH_BASIC_PASSWORD, or LANNER_AUTH_TOKENS "
            "(auth.basic.* / auth.tokens in the configuration file, see docs/configuration.md), "
            "or listen on 127.0.0.1.",
            highlight=False,
        )
        raise typer.Exit(1)
    uvicorn.run(
        "lanner.api.app:create_app_from_env",
        factory=True,
        host=bind,
        port=port or settings.server.port,
        log_level=settings.log_level.lower(),
        lifespan="on",
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name may resolve anywhere
