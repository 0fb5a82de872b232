"""The HTTP application (FastAPI). The full Kestra-compatible API v1 grows here."""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse

from lanner import __version__
from lanner.engine.engine import Engine
from lanner.errors import NotFoundError

__all__ = ["create_app"]


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="Lanner", version=__version__, openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs")

    @app.get("/", response_class=HTMLResponse)
    async def home() -> str:
        flows = await engine.store.list_flows()
        rows = "".join(f"<li><code>{escape(f.namespace)}.{escape(f.id)}</code> (revision {f.revision})</li>" for f in flows)
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>Lanner</title></head><body>"
            f"<h1>Lanner {escape(__version__)}</h1><p>{len(flows)} flow(s) loaded.</p><ul>{rows}</ul>"
            "<p><a href='/api/v1/docs'>API documentation</a> · <a href='/health'>health</a></p></body></html>"
        )

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "UP", "version": __version__}

    @app.get("/api/v1/flows/search")
    async def search_flows(namespace: str | None = None) -> dict[str, Any]:
        flows = await engine.store.list_flows(namespace)
        return {"results": [{"id": f.id, "namespace": f.namespace, "revision": f.revision} for f in flows], "total": len(flows)}

    @app.get("/api/v1/executions/{execution_id}")
    async def get_execution(execution_id: str) -> dict[str, Any]:
        try:
            found = await engine.get(execution_id)
        except NotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        return found.execution.to_api(found.task_runs)

    return app
