"""Executions: ``/api/v1/executions/…``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from lanner.api.deps import engine_of
from lanner.errors import NotFoundError

router = APIRouter(tags=["Executions"])


@router.get("/executions/{execution_id}")
async def get_execution(request: Request, execution_id: str) -> dict[str, Any]:
    try:
        found = await engine_of(request).get(execution_id)
    except NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return found.execution.to_api(found.task_runs)
