"""The HTTP application (FastAPI). The full Kestra-compatible API v1 grows here.

``create_app(engine)`` serves an engine the caller runs (tests); ``create_app_from_env()`` is the
factory ``lanner server`` hands to uvicorn: it reads the settings and runs its own engine for
the lifetime of the app.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from lanner import __version__
from lanner.api.auth import AuthMiddleware, Credentials
from lanner.api.errors import install_error_handlers
from lanner.api.masking import MaskSecretsMiddleware
from lanner.api.metrics import install_metrics
from lanner.api.routes import ROUTERS
from lanner.api.routes.webhooks import WebhookFastPath
from lanner.api.ui import install_ui
from lanner.bootstrap import ALL_COMPONENTS, Component, load_flow_dirs, open_engine
from lanner.engine.engine import Engine
from lanner.settings import Settings, load_settings

__all__ = ["create_app", "create_app_from_env", "create_standalone_app_from_env", "create_webserver_app_from_env"]

log = logging.getLogger(__name__)


def create_app_from_env(*, local: bool = True, components: frozenset[Component] = ALL_COMPONENTS) -> FastAPI:
    """The app with its own engine, configured from ``LANNER_*`` variables and the config file.

    ``local``: the only process on its database (``lanner server local``); ``components``: the
    engine loops this process runs besides the API; see ``bootstrap.engine_options``."""
    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_engine(settings, local=local, components=components) as engine:
            _observe_attempts(app, engine)
            loaded, issues = await load_flow_dirs(engine, settings.flows_dirs)
            for issue in issues:
                log.error("invalid flow: %s", issue.format())
            log.info("loaded %d flow(s); database %s", loaded, _safe_url(settings))
            app.state.engine = engine
            _freeze_startup_objects()
            yield

    return _build(
        FastAPI(
            title="Lanner", version=__version__, openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", lifespan=lifespan
        ),
        settings,
    )


def create_standalone_app_from_env() -> FastAPI:
    """``lanner server standalone``: like ``create_app_from_env`` on a database other processes may share."""
    return create_app_from_env(local=False)


def create_webserver_app_from_env() -> FastAPI:
    """``lanner server webserver``: the API and UI only; executors, workers and schedulers run
    in other processes on the same database."""
    return create_app_from_env(local=False, components=frozenset({"webserver"}))


def create_app(engine: Engine, settings: Settings | None = None) -> FastAPI:
    """The app serving an engine started and stopped by the caller (``settings``: auth, CORS, webhooks)."""
    app = FastAPI(title="Lanner", version=__version__, openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs")
    app.state.engine = engine
    _build(app, settings or Settings())
    _observe_attempts(app, engine)
    return app


def _observe_attempts(app: FastAPI, engine: Engine) -> None:
    """Feed the duration of the attempts this process runs to the app's metrics."""
    engine.worker.on_attempt_end = app.state.metrics.task_run_observer(engine.registry.canonical)


def _freeze_startup_objects() -> None:
    """Keep what startup built (modules, task models, the plugin registry: some 10^5 objects
    that live as long as the process) out of the garbage collector's full passes, which
    otherwise paused every request for 100-300 ms every few seconds under load."""
    gc.collect()
    gc.freeze()


def _safe_url(settings: Settings) -> str:
    url = settings.resolved_database_url()
    if "@" in url and "://" in url:  # never print a password
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _secure(app: FastAPI, settings: Settings) -> None:
    """The webhook fast path innermost, secret masking around it, authentication around
    that, CORS (only when configured) outermost."""

    def known_secrets() -> list[str]:
        engine: Engine | None = getattr(app.state, "engine", None)
        return engine.secrets.known_values() if engine is not None else []

    app.add_middleware(WebhookFastPath)
    app.add_middleware(MaskSecretsMiddleware, known_secrets=known_secrets)
    credentials = Credentials.from_settings(settings.auth)
    if credentials.enabled:
        app.add_middleware(AuthMiddleware, credentials=credentials)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            allow_credentials=credentials.enabled,
        )


def _build(app: FastAPI, settings: Settings) -> FastAPI:
    _secure(app, settings)

    @app.get("/health", summary="Health check: the server is up")
    async def health() -> dict[str, Any]:
        return {"status": "UP", "version": __version__}

    install_error_handlers(app)
    install_metrics(app)
    app.state.webhook_max_body = settings.webhook.max_body
    app.state.webhook_wait_timeout = settings.webhook.wait_timeout
    for router in ROUTERS:
        app.include_router(router, prefix="/api/v1")
        app.include_router(router, prefix="/api/v1/main", include_in_schema=False)
    install_ui(app)

    return app
