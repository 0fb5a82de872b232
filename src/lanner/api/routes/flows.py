"""Flows: ``/api/v1/flows/…``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from lanner.api.deps import engine_of

router = APIRouter(tags=["Flows"])


@router.get("/flows/search")
async def search_flows(request: Request, namespace: str | None = None) -> dict[str, Any]:
    flows = await engine_of(request).store.list_flows(namespace)
    return {"results": [{"id": f.id, "namespace": f.namespace, "revision": f.revision} for f in flows], "total": len(flows)}
