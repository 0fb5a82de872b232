"""Executions: ``/api/v1/executions/…`` — create, read, search, follow, delete, files.

Paths, parameters and JSON follow Kestra's ``ExecutionController``; user actions (kill,
restart, replay, resume, change state, bulk) live in ``execution_actions``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlparse

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field

from lanner.api.deps import engine_of
from lanner.api.execution_search import SearchParams, execution_query
from lanner.api.execution_views import execution_json, storage_prefix
from lanner.api.json_body import JsonBody
from lanner.api.params import param_error, parse_labels
from lanner.api.request_inputs import read_inputs, store_files
from lanner.api.routes import execution_actions
from lanner.api.sse import POLL_SECONDS, sse_event, sse_response
from lanner.engine.engine import Engine
from lanner.errors import ConflictError, InputError, NotFoundError
from lanner.models.execution import Execution
from lanner.models.ids import new_id
from lanner.models.state import State
from lanner.storage.files import SCHEMES
from lanner.storage.ports import ExecutionQuery

__all__ = ["router"]

router = APIRouter(tags=["Executions"])
# The actions come first: `POST /executions/{id}/restart` must not be read as a flow `{namespace}/{id}`.
router.include_router(execution_actions.router)

Labels = Annotated[list[str] | None, Query(description="Labels as key:value (repeat the parameter for several).")]


# --------------------------------------------------------------------------- search


@router.get("/executions/search", summary="Search for executions")
async def search_executions(
    request: Request,
    page: Annotated[int, Query(ge=1, description="The page, from 1.")] = 1,
    size: Annotated[int, Query(ge=1, le=10_000, description="Executions per page.")] = 10,
    sort: Annotated[list[str] | None, Query(description="field:asc|desc, e.g. state.startDate:desc.")] = None,
    namespace: Annotated[str | None, Query(description="This namespace and the ones below it.")] = None,
    flowId: Annotated[str | None, Query(description="A flow id.")] = None,
    state: Annotated[list[State] | None, Query(description="Executions in one of these states.")] = None,
    labels: Labels = None,
    startDate: Annotated[datetime | None, Query(description="Started at or after (ISO-8601).")] = None,
    endDate: Annotated[datetime | None, Query(description="Started at or before (ISO-8601).")] = None,
    timeRange: Annotated[str | None, Query(description="Started within this ISO-8601 duration before now, e.g. P1D.")] = None,
    childFilter: Annotated[
        Literal["CHILD", "MAIN"] | None, Query(description="Only subflow (CHILD) or top-level (MAIN).")
    ] = None,
    q: Annotated[str | None, Query(description="Text in the execution id, namespace or flow id.")] = None,
) -> dict[str, Any]:
    engine = engine_of(request)
    params = SearchParams(
        page=page,
        size=size,
        sort=sort,
        namespace=namespace,
        flow_id=flowId,
        states=state,
        labels=labels,
        start_date=_aware(startDate),
        end_date=_aware(endDate),
        time_range=timeRange,
        child_filter=childFilter,
        q=q,
    )
    query = execution_query(params, request.query_params, engine.clock())
    return await _page(engine, query)


@router.get("/executions", summary="Search for executions of a flow")
async def search_flow_executions(
    request: Request,
    namespace: Annotated[str, Query(description="The flow's namespace.")],
    flowId: Annotated[str, Query(description="The flow id.")],
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=10_000)] = 10,
) -> dict[str, Any]:
    query = ExecutionQuery(namespace=namespace, exact_namespace=True, flow_id=flowId, page=page, size=size)
    return await _page(engine_of(request), query)


async def _page(engine: Engine, query: ExecutionQuery) -> dict[str, Any]:
    found = await engine.store.search_executions(query)
    results = [await execution_json(engine, execution) for execution in found.results]
    return {"results": results, "total": found.total}


def _aware(moment: datetime | None) -> datetime | None:
    """A date-time without offset is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


# --------------------------------------------------------------------------- one execution


@router.get("/executions/{execution_id}/follow", summary="Follow an execution (Server-Sent Events until it ends)")
async def follow_execution(request: Request, execution_id: str) -> StreamingResponse:
    engine = engine_of(request)
    first = await engine.get(execution_id)
    return sse_response(_follow(engine, execution_id, first.execution.state.is_terminal))


async def _follow(engine: Engine, execution_id: str, ended: bool) -> AsyncIterator[str]:
    """Kestra's frames: ``start`` (the id), ``progress`` at each change, ``end`` with the final state."""
    yield sse_event({"id": execution_id}, event_id="start")
    last = ""
    while True:
        found = await engine.store.get_execution(execution_id)
        if found is None:
            return  # deleted meanwhile
        body = await execution_json(engine, found.execution, found.task_runs)
        if found.execution.state.is_terminal:
            yield sse_event(body, event_id="end")
            return
        text = json.dumps(body, sort_keys=True, default=str)
        if text != last:
            last = text
            yield sse_event(body, event_id="progress")
        await asyncio.sleep(POLL_SECONDS)


@router.get("/executions/{execution_id}/file", summary="Download a file of an execution", response_class=FileResponse)
async def download_file(
    request: Request,
    execution_id: str,
    path: Annotated[str, Query(description="The file's internal storage URI, lanner:///…")],
) -> FileResponse:
    engine = engine_of(request)
    found = await engine.get(execution_id)
    local = engine.files.path_of(_own_file(found.execution, path))
    if not local.is_file():
        raise NotFoundError(f"no file at {path}")
    return FileResponse(local, media_type="application/octet-stream", filename=local.name)


@router.get("/executions/{execution_id}/file/metas", summary="Size of a file of an execution")
async def file_metas(
    request: Request,
    execution_id: str,
    path: Annotated[str, Query(description="The file's internal storage URI, lanner:///…")],
) -> dict[str, Any]:
    engine = engine_of(request)
    found = await engine.get(execution_id)
    local = engine.files.path_of(_own_file(found.execution, path))
    if not local.is_file():
        raise NotFoundError(f"no file at {path}")
    return {"size": local.stat().st_size}


def _own_file(execution: Execution, uri: str) -> str:
    """``uri`` if it names a file of this execution; a 422 otherwise (other executions, ``..``)."""
    parsed = urlparse(uri)
    if parsed.scheme not in SCHEMES:
        raise param_error("path", "expected an internal storage URI (lanner:///…)", uri)
    key = unquote(parsed.path).lstrip("/")
    parts = PurePosixPath(key).parts
    if ".." in parts or "." in key.split("/") or "\\" in key:
        raise param_error("path", "the path must not contain '.' or '..' segments", uri)
    if not key.startswith(storage_prefix(execution) + "/"):
        raise param_error("path", f"the file does not belong to execution {execution.id}", uri)
    return uri


@router.get("/executions/{execution_id}", summary="Get an execution", response_model=dict[str, Any])
async def get_execution(request: Request, execution_id: str) -> JsonBody:
    engine = engine_of(request)
    found = await engine.get(execution_id)
    return JsonBody(await execution_json(engine, found.execution, found.task_runs))


@router.delete(
    "/executions/{execution_id}",
    status_code=204,
    summary="Delete an ended execution with its task runs, logs and files",
    responses={404: {"description": "no such execution"}, 409: {"description": "the execution has not ended"}},
)
async def delete_execution(request: Request, execution_id: str) -> Response:
    await engine_of(request).delete(execution_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- create


@router.post(
    "/executions/{namespace}/{flow_id}",
    summary="Create an execution of a flow; inputs as multipart/form-data, a form or a JSON object",
    responses={
        404: {"description": "no such flow (or revision)"},
        409: {"description": "the flow is disabled"},
        422: {"description": "invalid inputs or labels; every problem is listed"},
    },
)
async def create_execution(
    request: Request,
    namespace: str,
    flow_id: str,
    labels: Labels = None,
    wait: Annotated[bool, Query(description="Answer when the execution has ended.")] = False,
    revision: Annotated[int | None, Query(ge=1, description="The flow revision (default: the latest).")] = None,
) -> dict[str, Any]:
    engine = engine_of(request)
    given_labels = parse_labels(labels)
    index = await engine.flows.get(namespace, flow_id, revision)
    if index.flow.disabled:
        raise ConflictError(f"flow {index.flow.uid} is disabled; enable it to create executions")
    given = await read_inputs(request)
    execution_id = new_id()
    prefix = f"{namespace.replace('.', '/')}/{flow_id}/executions/{execution_id}"
    try:
        values = await store_files(engine.files, index.flow.inputs or [], given, namespace=namespace, prefix=prefix)
        execution = await engine.submit(
            namespace, flow_id, values, labels=given_labels, revision=index.revision, execution_id=execution_id
        )
    except InputError:
        if given.files:
            await engine.files.delete_prefix(prefix)
        raise
    if wait:
        found = await _wait(request, engine, execution.id)
        body = await execution_json(engine, found.execution, found.task_runs)
    else:
        body = await execution_json(engine, execution)
    body["url"] = f"/ui/executions/{namespace}/{flow_id}/{execution.id}"
    return body


async def _wait(request: Request, engine: Engine, execution_id: str) -> Any:
    """The ended execution; gives up (the execution goes on) when the client goes away."""
    while True:
        try:
            return await engine.wait(execution_id, timeout=1.0, poll=POLL_SECONDS)
        except TimeoutError:
            if await request.is_disconnected():
                raise ConflictError(f"the client left before execution {execution_id} ended") from None


# --------------------------------------------------------------------------- latest of several flows


class FlowRef(BaseModel):
    """A flow, by namespace and id."""

    namespace: str = Field(description="The flow's namespace.")
    id: str = Field(description="The flow's id.")


@router.post("/executions/latest", summary="Get the latest execution of each of several flows")
async def latest_executions(
    request: Request,
    flows: Annotated[list[FlowRef], Body(max_length=1000, description="The flows, at most 1000.")],
) -> list[dict[str, Any]]:
    """The newest execution of each given flow that has run (flows never run are left out):
    ``id``, ``namespace``, ``flowId``, ``startDate`` and ``status``."""
    found = await engine_of(request).store.latest_executions([(flow.namespace, flow.id) for flow in flows])
    return [
        {
            "id": latest.id,
            "namespace": latest.namespace,
            "flowId": latest.flow_id,
            "startDate": latest.created.isoformat().replace("+00:00", "Z"),
            "status": latest.state.value,
        }
        for latest in found
    ]
