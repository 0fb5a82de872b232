"""Webhook triggers: ``GET|POST|PUT /api/v1/executions/webhook/{namespace}/{flowId}/{key}``.

200 with the execution (or, with `wait` and `returnOutputs`, the flow's outputs) when an
execution started; 204 when the trigger's conditions do not hold; one identical 404 for an
unknown namespace, flow or key (nothing tells which); 413 when the body is larger than
``app.state.webhook_max_body`` bytes (10 MiB by default); 422 when the trigger's inputs
cannot be built from the request.
"""

from __future__ import annotations

import re
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from lanner.api.deps import engine_of
from lanner.api.errors import error_response, lanner_error_response
from lanner.engine.webhooks import Outcome, WebhookRequest, WebhookStarter
from lanner.errors import ExpressionError, InputError, LannerError

__all__ = ["DEFAULT_MAX_BODY", "DEFAULT_WAIT_TIMEOUT", "WebhookFastPath", "router"]

router = APIRouter(tags=["Webhooks"])

#: bytes; ``app.state.webhook_max_body`` overrides it
DEFAULT_MAX_BODY = 10 * 1024 * 1024
#: seconds a `wait: true` webhook holds the call at most; ``app.state.webhook_wait_timeout`` overrides it
DEFAULT_WAIT_TIMEOUT = 3600.0

_NOT_FOUND = {"message": "Not Found: no webhook at this address", "errors": []}


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _starter(request: Request) -> WebhookStarter:
    """The app's one ``WebhookStarter`` (concurrent calls are answered together), made at first use."""
    engine = engine_of(request)
    starter: WebhookStarter | None = getattr(request.app.state, "webhook_starter", None)
    if starter is None or starter.engine is not engine:
        starter = request.app.state.webhook_starter = WebhookStarter(engine)
    return starter


def _observe(request: Request, started: float, status: int) -> None:
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.observe_webhook(time.perf_counter() - started, status)


_PATH = "/executions/webhook/{namespace}/{flow_id}/{key}"
_SUMMARY = "Start an execution from a webhook trigger"
# The route reads its path parameters itself (FastAPI's per-request parameter checks cost more
# than the rest of the route); they are documented here as FastAPI would have.
_DOC = {
    "parameters": [
        {"in": "path", "name": name, "required": True, "schema": {"title": title, "type": "string"}}
        for name, title in (("namespace", "Namespace"), ("flow_id", "Flow Id"), ("key", "Key"))
    ]
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    204: {"description": "The trigger's conditions do not hold: nothing started"},
    404: {"description": "No webhook at this address (unknown namespace, flow or key: nothing tells which)"},
    413: {"description": "The body is larger than the webhook body limit"},
    422: {"description": "The trigger's inputs cannot be built from this request"},
}


@router.get(_PATH, summary=_SUMMARY, response_model=None, operation_id="webhookGet", openapi_extra=_DOC, responses=_RESPONSES)
@router.post(_PATH, summary=_SUMMARY, response_model=None, operation_id="webhookPost", openapi_extra=_DOC, responses=_RESPONSES)
@router.put(_PATH, summary=_SUMMARY, response_model=None, operation_id="webhookPut", openapi_extra=_DOC, responses=_RESPONSES)
async def webhook(request: Request) -> Response:
    started = time.perf_counter()
    params = request.path_params
    response = await _answer(request, params["namespace"], params["flow_id"], params["key"])
    _observe(request, started, response.status_code)
    return response


async def _answer(request: Request, namespace: str, flow_id: str, key: str) -> Response:
    engine = engine_of(request)
    limit = int(getattr(request.app.state, "webhook_max_body", DEFAULT_MAX_BODY))
    try:
        body = await _read_body(request, limit)
    except _TooLarge:
        return error_response(413, f"the request body is larger than the webhook limit of {limit} bytes")
    call = WebhookRequest(body, list(request.headers.items()), list(request.query_params.multi_items()))
    try:
        result = await _starter(request).call(namespace, flow_id, key, call)
    except (InputError, ExpressionError) as exc:
        issues = [issue.to_dict() for issue in getattr(exc, "issues", [])]
        return error_response(422, f"the webhook's inputs cannot be built from this request: {exc}", issues)
    if result.outcome is Outcome.NOT_FOUND:
        return JSONResponse(_NOT_FOUND, status_code=404)
    if result.outcome is Outcome.SKIPPED or result.execution is None or result.trigger is None:
        return Response(status_code=204)
    execution = result.execution
    if not result.trigger.wait:
        return JSONResponse(execution.to_api([]))
    timeout = float(getattr(request.app.state, "webhook_wait_timeout", DEFAULT_WAIT_TIMEOUT))
    try:
        found = await engine.wait(execution.id, timeout=timeout)
    except TimeoutError:
        found = await engine.get(execution.id)
    if result.trigger.returnOutputs:
        return JSONResponse(found.execution.outputs or {})
    return JSONResponse(found.execution.to_api(found.task_runs))


_FAST_PATH = re.compile(r"/api/v1(?:/main)?/executions/webhook/([^/]+)/([^/]+)/([^/]+)")
_FAST_METHODS = frozenset({"GET", "POST", "PUT"})


class WebhookFastPath:
    """Answers webhook calls before FastAPI's routing, exception and dependency layers, which
    cost more CPU per call than the rest of the call on the API's busiest path. Installed
    inside authentication (webhooks are public anyway) and secret masking, so responses are
    masked as any other; the routes above stay registered for the OpenAPI document."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _FAST_PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] not in _FAST_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        started = time.perf_counter()
        try:
            response = await _answer(request, *match.groups())
        except LannerError as exc:
            response = lanner_error_response(request, exc)
        _observe(request, started, response.status_code)
        await response(scope, receive, send)
