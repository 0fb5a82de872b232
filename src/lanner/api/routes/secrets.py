"""Secrets: ``GET /api/v1/namespaces/{namespace}/secrets``, the names of the secrets flows can
read with ``secret('NAME')``, in Kestra's shape (``{"readOnly", "results": [{"key"}], "total"}``).

Values are never sent. The ``env`` backend's secrets are the server's environment variables,
the same for every namespace, and read-only through the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from lanner.api.deps import engine_of

__all__ = ["router"]

router = APIRouter(tags=["Secrets"])


@router.get("/namespaces/{namespace}/secrets", summary="List the names of the secrets flows can read (never their values)")
async def list_secrets(
    request: Request,
    namespace: str,
    q: str | None = Query(None, description="Keep the names containing this text (case-insensitive)."),
    page: int = Query(1, ge=1, description="Page number, from 1."),
    size: int = Query(100, ge=1, le=1000, description="Names per page."),
) -> dict[str, Any]:
    names = engine_of(request).secrets.names()
    if q:
        names = [name for name in names if q.lower() in name.lower()]
    chunk = names[(page - 1) * size : page * size]
    return {"readOnly": True, "results": [{"key": name} for name in chunk], "total": len(names)}
