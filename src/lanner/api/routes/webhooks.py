"""Webhook triggers: ``GET|POST|PUT /api/v1/executions/webhook/{namespace}/{flowId}/{key}``.

200 with the execution (or, with `wait` and `returnOutputs`, the flow's outputs) when an
execution started; 204 when the trigger's conditions do not hold; one identical 404 for an
unknown namespace, flow or key (nothing tells which); 413 when the body is larger than
``app.state.webhook_max_body`` bytes (10 MiB by default); 422 when the trigger's inputs
cannot be built from the request.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from lanner.api.deps import engine_of
from lanner.api.errors import error_response
from lanner.engine.webhooks import Outcome, WebhookRequest, call_webhook
from lanner.errors import ExpressionError, InputError

__all__ = ["DEFAULT_MAX_BODY", "DEFAULT_WAIT_TIMEOUT", "router"]

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


def _observe(request: Request, started: float, status: int) -> None:
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.observe_webhook(time.perf_counter() - started, status)


_PATH = "/executions/webhook/{namespace}/{flow_id}/{key}"
_SUMMARY = "Start an execution from a webhook trigger"


@router.get(_PATH, summary=_SUMMARY, response_model=None, operation_id="webhookGet")
@router.post(_PATH, summary=_SUMMARY, response_model=None, operation_id="webhookPost")
@router.put(_PATH, summary=_SUMMARY, response_model=None, operation_id="webhookPut")
async def webhook(request: Request, namespace: str, flow_id: str, key: str) -> Response:
    started = time.perf_counter()
    response = await _answer(request, namespace, flow_id, key)
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
        result = await call_webhook(engine, namespace, flow_id, key, call)
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
