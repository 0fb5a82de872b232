"""One JSON shape for every error the API answers: ``{"message": "...", "errors": [...]}``.

Routes raise ``LannerError`` subclasses (or FastAPI's own exceptions) and let these handlers
choose the status code:

    FlowValidationError, InputError, ExpressionError, RequestValidationError   422
    NotFoundError                                                              404
    ConflictError                                                              409
    StorageError                                                               503
    HTTPException(status, detail)                                              status
    anything else                                                              500, logged, no traceback

Each item of ``errors`` locates one problem: ``message``, ``path`` (property path such as
``tasks[0].type``, or ``query.size`` / ``body.inputs.name`` for request fields), ``line`` and
``column`` (1-based, in the submitted YAML) and ``hint`` (what to do).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lanner.errors import (
    ConfigError,
    ConflictError,
    ExpressionError,
    FlowValidationError,
    InputError,
    Issue,
    LannerError,
    NotFoundError,
    StorageError,
)

__all__ = ["error_response", "install_error_handlers", "invalid_request", "lanner_error_response"]

log = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[LannerError], int], ...] = (
    (FlowValidationError, 422),
    (InputError, 422),
    (ExpressionError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (StorageError, 503),
    (ConfigError, 500),
)


def error_response(status: int, message: str, errors: Sequence[dict[str, Any]] = (), **extra: Any) -> JSONResponse:
    """The API's error body with ``status``."""
    return JSONResponse({"message": message, "errors": list(errors), **extra}, status_code=status)


def invalid_request(path: Sequence[str | int], message: str) -> RequestValidationError:
    """A 422 for a request field the route checks itself (``("query", "labels", 0)``)."""
    return RequestValidationError([{"type": "value_error", "loc": tuple(path), "msg": message}])


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app`` (and the middleware answering unexpected errors)."""
    app.add_exception_handler(LannerError, _lanner_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _request_invalid)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_middleware(_UnexpectedErrors)


async def _lanner_error(request: Request, exc: LannerError) -> JSONResponse:
    return lanner_error_response(request, exc)


def lanner_error_response(request: Request, exc: LannerError) -> JSONResponse:
    """The answer to a ``LannerError`` raised while handling ``request``."""
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)
    if isinstance(exc, FlowValidationError | InputError):
        count = len(exc.issues)
        what = "flow" if isinstance(exc, FlowValidationError) else "inputs"
        message = f"invalid {what}: {count} error{'s' if count != 1 else ''}"
        if exc.issues:
            message += f"; first: {exc.issues[0].format()}"
        return error_response(status, message, [_issue(issue) for issue in exc.issues])
    if isinstance(exc, ExpressionError):
        issue = Issue(exc.reason, line=exc.line, hint=f"in the expression {exc.expression!r}")
        return error_response(status, str(exc), [_issue(issue)])
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
    return error_response(status, str(exc) or type(exc).__name__)


def _issue(issue: Issue) -> dict[str, Any]:
    found = issue.to_dict()
    if found.get("source") is None:
        found.pop("source", None)
    return found


async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [_validation_item(error) for error in exc.errors()]
    count = len(errors)
    message = f"invalid request: {count} error{'s' if count != 1 else ''}"
    if errors:
        first = errors[0]
        message += f"; first: {first['path']}: {first['message']}" if first["path"] else f"; first: {first['message']}"
    return error_response(422, message, errors)


def _validation_item(error: dict[str, Any]) -> dict[str, Any]:
    """One pydantic/FastAPI error as an API error item; the input value is never echoed."""
    loc = [part for part in error.get("loc", ()) if part is not None]
    kind = str(error.get("type", "invalid"))
    message = str(error.get("msg", "invalid value"))
    hint = None
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error")
        position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
        message = "the body is not valid JSON" + (f": {reason}" if reason else "")
        if position is not None:
            message += f" at character {position}"
        loc = loc[:1]
        hint = "send a JSON document with Content-Type: application/json"
    elif kind == "missing":
        hint = "add this field"
    return {"message": message, "path": _path(loc), "line": None, "column": None, "hint": hint, "kind": kind}


def _path(loc: Sequence[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    detail = exc.detail
    if isinstance(detail, dict) and "message" in detail:
        body = {"errors": [], **detail}
    else:
        body = {"message": str(detail), "errors": []}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


class _UnexpectedErrors:
    """Answers a bug with a plain 500 (logged here with its traceback, never sent)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = error_response(500, "internal server error; the server log has the details")
            await response(scope, receive, send)
