"""The app of a process running one background component: ``lanner server executor``,
``scheduler`` or ``worker``.

It serves no API, only ``GET /health`` (the probes of a container platform) and
``GET /metrics``, around an engine running that component's loop on the shared database. It
is an ASGI app like the webserver's so that every component starts, stops on SIGTERM
(gracefully: a worker lets its attempts end, see ``worker.shutdown_grace``) and is probed the
same way.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from lanner import __version__
from lanner.api.metrics import install_metrics
from lanner.bootstrap import Component, open_engine
from lanner.settings import load_settings

__all__ = [
    "create_component_app",
    "create_executor_app_from_env",
    "create_scheduler_app_from_env",
    "create_worker_app_from_env",
]

log = logging.getLogger(__name__)


def create_component_app(component: Component) -> FastAPI:
    """The app running ``component``, configured from ``LANNER_*`` variables and the config file."""
    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_engine(settings, local=False, components=frozenset({component})) as engine:
            app.state.engine = engine
            if component == "worker":
                engine.worker.on_attempt_end = app.state.metrics.task_run_observer(engine.registry.canonical)
                log.info(
                    "worker %s started: %d threads, groups %s", engine.worker.id, engine.worker.threads, engine.worker.groups
                )
            else:
                log.info("%s started", component)
            yield

    app = FastAPI(
        title=f"Lanner {component}", version=__version__, openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan
    )

    @app.get("/health", summary="Health check: the component is up")
    async def health() -> dict[str, Any]:
        return {"status": "UP", "version": __version__, "component": component}

    install_metrics(app)
    return app


def create_executor_app_from_env() -> FastAPI:
    """``lanner server executor``."""
    return create_component_app("executor")


def create_scheduler_app_from_env() -> FastAPI:
    """``lanner server scheduler``."""
    return create_component_app("scheduler")


def create_worker_app_from_env() -> FastAPI:
    """``lanner server worker``."""
    return create_component_app("worker")
