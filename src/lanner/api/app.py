"""The HTTP application (FastAPI). The full Kestra-compatible API v1 grows here.

``create_app(engine)`` serves an engine the caller runs (tests); ``create_app_from_env()`` is the
factory ``lanner server`` hands to uvicorn: it reads the settings and runs its own engine for
the lifetime of the app.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse

from lanner import __version__
from lanner.api.auth import AuthMiddleware, Credentials
from lanner.api.deps import engine_of
from lanner.api.errors import install_error_handlers
from lanner.api.masking import MaskSecretsMiddleware
from lanner.api.metrics import install_metrics
from lanner.api.routes import ROUTERS
from lanner.bootstrap import load_flow_dirs, open_engine
from lanner.engine.engine import Engine
from lanner.settings import Settings, load_settings

__all__ = ["create_app", "create_app_from_env"]

log = logging.getLogger(__name__)


def create_app_from_env() -> FastAPI:
    """The app with its own engine, configured from ``LANNER_*`` variables and the config file."""
    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_engine(settings, local=True) as engine:
            loaded, issues = await load_flow_dirs(engine, settings.flows_dirs)
            for issue in issues:
                log.error("invalid flow: %s", issue.format())
            log.info("loaded %d flow(s); database %s", loaded, _safe_url(settings))
            app.state.engine = engine
            yield

    return _build(
        FastAPI(
            title="Lanner", version=__version__, openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", lifespan=lifespan
        ),
        settings,
    )


def create_app(engine: Engine, settings: Settings | None = None) -> FastAPI:
    """The app serving an engine started and stopped by the caller (``settings``: auth and CORS)."""
    app = FastAPI(title="Lanner", version=__version__, openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs")
    app.state.engine = engine
    return _build(app, settings or Settings())


def _safe_url(settings: Settings) -> str:
    url = settings.resolved_database_url()
    if "@" in url and "://" in url:  # never print a password
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _secure(app: FastAPI, settings: Settings) -> None:
    """Secret masking inside, authentication around it, CORS (only when configured) outermost."""

    def known_secrets() -> list[str]:
        engine: Engine | None = getattr(app.state, "engine", None)
        return engine.secrets.known_values() if engine is not None else []

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

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> str:
        flows = await engine_of(request).store.list_flows()
        rows = "".join(f"<li><code>{escape(f.namespace)}.{escape(f.id)}</code> (revision {f.revision})</li>" for f in flows)
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>Lanner</title></head><body>"
            f"<h1>Lanner {escape(__version__)}</h1><p>{len(flows)} flow(s) loaded.</p><ul>{rows}</ul>"
            "<p><a href='/api/v1/docs'>API documentation</a> · <a href='/health'>health</a></p></body></html>"
        )

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "UP", "version": __version__}

    install_error_handlers(app)
    install_metrics(app)
    for router in ROUTERS:
        app.include_router(router, prefix="/api/v1")
        app.include_router(router, prefix="/api/v1/main", include_in_schema=False)

    return app
