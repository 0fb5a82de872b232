"""``lanner server …``: run Lanner as a service.

``local``: every component in one process, the only one on its database (SQLite under the data
folder unless ``database_url`` says otherwise). ``standalone``: every component in one process
on the configured database (PostgreSQL in production), which other Lanner processes may share.
``webserver``, ``executor``, ``scheduler``, ``worker``: one component per process, as many
processes of each, on as many hosts, as needed, all on one database (docs/deployment.md).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import NoReturn

import typer
import uvicorn
from rich.console import Console

from lanner.errors import ConfigError
from lanner.settings import Settings, load_settings

__all__ = ["app", "is_loopback"]

app = typer.Typer(help="Run the Lanner server.", no_args_is_help=True)

_HOST = typer.Option(None, "--host", help="Listen address (default 127.0.0.1).")
_PORT = typer.Option(None, "--port", help="Listen port (default 8080).")
_DATA_DIR = typer.Option(None, "--data-dir", help="Database, files and work folders (default ./.lanner).")
_FLOWS = typer.Option([], "--flows", help="Load the flows of these folders at start.")
_CONFIG = typer.Option(None, "--config", help="YAML configuration file.")
_HEALTH_PORT = typer.Option(None, "--port", help="Port of GET /health and /metrics (default 8080).")
_THREADS = typer.Option(None, "--threads", min=1, help="Task attempts run at once (default: worker.threads, 32).")
_WORKER_GROUP = typer.Option(
    [], "--worker-group", help="Run only the tasks of this worker group (workerGroup.key); repeat for several."
)


@app.command("local")
def local(
    host: str | None = _HOST,
    port: int | None = _PORT,
    data_dir: Path | None = _DATA_DIR,
    flows: list[Path] = _FLOWS,
    config: Path | None = _CONFIG,
) -> None:
    """Every component in one process on an embedded SQLite: the quickest way to run Lanner.

    Without credentials configured (auth.*), the server listens on a loopback address only.
    """
    _serve("lanner.api.app:create_app_from_env", host, port, data_dir, flows, config)


@app.command("standalone")
def standalone(
    host: str | None = _HOST,
    port: int | None = _PORT,
    data_dir: Path | None = _DATA_DIR,
    flows: list[Path] = _FLOWS,
    config: Path | None = _CONFIG,
) -> None:
    """Every component in one process on the configured database (LANNER_DATABASE_URL, e.g.
    postgresql://user@host:5432/lanner), which other Lanner processes may share.

    Jobs a stopped process left running are handed back once its heartbeat is older than
    worker.dead_after. Without credentials configured (auth.*), the server listens on a
    loopback address only.
    """
    _serve("lanner.api.app:create_standalone_app_from_env", host, port, data_dir, flows, config)


@app.command("webserver")
def webserver(
    host: str | None = _HOST,
    port: int | None = _PORT,
    data_dir: Path | None = _DATA_DIR,
    flows: list[Path] = _FLOWS,
    config: Path | None = _CONFIG,
) -> None:
    """The API and the UI only, on the configured database; executors, workers and schedulers
    run as other processes (``lanner server executor|worker|scheduler``).

    Without credentials configured (auth.*), the server listens on a loopback address only.
    """
    _serve("lanner.api.app:create_webserver_app_from_env", host, port, data_dir, flows, config)


@app.command("executor")
def executor(
    host: str | None = _HOST, port: int | None = _HEALTH_PORT, data_dir: Path | None = _DATA_DIR, config: Path | None = _CONFIG
) -> None:
    """An executor: advances executions (starts tasks, subflows, ends executions). Executors on
    several hosts never process the same execution at once; each hands back the jobs of workers
    silent for worker.dead_after. Serves GET /health only."""
    _serve("lanner.api.component_app:create_executor_app_from_env", host, port, data_dir, [], config, api=False)


@app.command("scheduler")
def scheduler(
    host: str | None = _HOST, port: int | None = _HEALTH_PORT, data_dir: Path | None = _DATA_DIR, config: Path | None = _CONFIG
) -> None:
    """A scheduler: fires schedules, Flow and polling triggers. Several schedulers fire each
    schedule tick once. Serves GET /health only."""
    _serve("lanner.api.component_app:create_scheduler_app_from_env", host, port, data_dir, [], config, api=False)


@app.command("worker")
def worker(
    host: str | None = _HOST,
    port: int | None = _HEALTH_PORT,
    data_dir: Path | None = _DATA_DIR,
    config: Path | None = _CONFIG,
    threads: int | None = _THREADS,
    worker_group: list[str] = _WORKER_GROUP,
) -> None:
    """A worker: runs task attempts. On SIGTERM it takes no new task and lets running attempts
    end for worker.shutdown_grace seconds, then hands the others back to other workers.
    Serves GET /health only."""
    if threads is not None:
        os.environ["LANNER_WORKER_THREADS"] = str(threads)
    if worker_group:
        os.environ["LANNER_WORKER_GROUPS"] = ",".join(worker_group)
    _serve("lanner.api.component_app:create_worker_app_from_env", host, port, data_dir, [], config, api=False)


def _serve(
    factory: str,
    host: str | None,
    port: int | None,
    data_dir: Path | None,
    flows: list[Path],
    config: Path | None,
    *,
    api: bool = True,
) -> None:
    """Run ``factory``'s app; ``api``: it serves the API, so it needs credentials to listen
    beyond this machine (the other components serve only /health and /metrics)."""
    # Options become settings through the environment, the one way settings reach the app factory.
    if config is not None:
        os.environ["LANNER_CONFIG"] = str(config.resolve())
    if data_dir is not None:
        os.environ["LANNER_DATA_DIR"] = str(data_dir.resolve())
    if flows:
        os.environ["LANNER_FLOWS_DIRS"] = os.pathsep.join(str(p.resolve()) for p in flows)
    settings = _settings()
    bind = host or settings.server.host
    if api and not settings.auth.enabled and not is_loopback(bind):
        _fail(
            f"refusing to listen on {bind} without authentication: anyone reaching it could run "
            "code. Set LANNER_AUTH_BASIC_USERNAME and LANNER_AUTH_BASIC_PASSWORD, or LANNER_AUTH_TOKENS "
            "(auth.basic.* / auth.tokens in the configuration file, see docs/configuration.md), "
            "or listen on 127.0.0.1."
        )
    uvicorn.run(
        factory,
        factory=True,
        host=bind,
        port=port or settings.server.port,
        log_level=settings.log_level.lower(),
        lifespan="on",
        # open follow streams (SSE) end after this instead of holding the shutdown forever
        timeout_graceful_shutdown=settings.server.shutdown_timeout,
    )


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        _fail(str(exc))


def _fail(message: str) -> NoReturn:
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(1)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name may resolve anywhere
