"""Shared by the SaaS plugins (Airbyte, Hightouch, dbt Cloud, notifications): a JSON API client whose errors
are task failures saying what the service answered, a poll loop with a deadline, and rendering of
Kestra's "dynamic" properties (durations and booleans that may be expressions).

A server error, a throttled call (429) or a network error is retryable (the task's `retry` policy
applies); any other 4xx is not, since sending the same request again cannot help.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from lanner.errors import TaskFailure
from lanner.tasks.context import RunContext
from lanner.tasks.core.http_options import HttpOptions, build_client

__all__ = ["ApiClient", "ApiError", "api_failure", "poll", "render_bool", "render_duration", "render_text"]

T = TypeVar("T")
_DURATION = TypeAdapter(timedelta)
#: consecutive retryable errors tolerated while polling before the task fails
_POLL_ERRORS = 3


async def render_text(ctx: RunContext, value: Any, name: str, *, secret: bool = False) -> str:
    """``value`` rendered to a stripped string; ``secret`` values are masked in logs and outputs."""
    text = "" if value is None else str(await ctx.render(value)).strip()
    if secret and text:
        ctx.mask(text)
    return text


async def render_bool(ctx: RunContext, value: bool | str, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(await ctx.render(value)).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", ""):
        return False
    raise TaskFailure(f"`{name}` must be true or false, got {text!r}", retryable=False)


async def render_duration(ctx: RunContext, value: timedelta | str, name: str) -> timedelta:
    if isinstance(value, timedelta):
        return value
    text = str(await ctx.render(value)).strip()
    try:
        return _DURATION.validate_python(text)
    except ValidationError:
        raise TaskFailure(
            f"`{name}` is not a duration: {text!r} (use ISO-8601, such as PT1S or PT30M)", retryable=False
        ) from None


def _excerpt(response: httpx.Response, limit: int = 500) -> str:
    text = response.text.strip()
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        status = body.get("status")
        if isinstance(status, dict) and status.get("user_message"):  # dbt Cloud's envelope
            body = {"message": str(status["user_message"])}
        for key in ("message", "error", "detail", "errors"):
            if body.get(key):
                text = body[key] if isinstance(body[key], str) else json.dumps(body[key])
                break
    return text if len(text) <= limit else text[:limit] + "…"


class ApiError(TaskFailure):
    """The service answered an error status (``status``)."""

    def __init__(self, message: str, *, status: int, retryable: bool) -> None:
        self.status = status
        super().__init__(message, retryable=retryable)


def api_failure(service: str, request: httpx.Request, response: httpx.Response) -> ApiError:
    """The failure for an error status: retryable for 5xx, 408 and 429 only."""
    code = response.status_code
    message = f"{service}: {request.method} {request.url.path} answered HTTP {code} {response.reason_phrase}"
    detail = _excerpt(response)
    if detail:
        message += f": {detail}"
    if code in (401, 403):
        message += " (check the credentials)"
    return ApiError(message, status=code, retryable=code >= 500 or code in (408, 425, 429))


class ApiClient:
    """A JSON API at ``base_url``: ``await api.call("POST", "/path", json={...})`` returns the decoded body."""

    def __init__(
        self,
        ctx: RunContext,
        service: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        options: HttpOptions | None = None,
        timeout: timedelta | None = None,
        on_open: Callable[[ApiClient], Awaitable[None]] | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise TaskFailure(f"{service}: the URL must start with http:// or https://, got {base_url[:200]!r}", retryable=False)
        self.ctx = ctx
        self.service = service
        self.base_url = base_url.rstrip("/")
        self._headers = dict(headers or {})
        self._auth = auth
        self._options = options or HttpOptions()
        self._timeout = timeout
        self._on_open = on_open
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> ApiClient:
        client = await build_client(self.ctx, self._options)
        client.headers.update({"Accept": "application/json", **self._headers})
        if self._auth is not None:
            client.auth = self._auth
        if self._timeout is not None:
            client.timeout = httpx.Timeout(self._timeout.total_seconds())
        self._client = client
        if self._on_open is not None:
            try:
                await self._on_open(self)
            except BaseException:
                await client.aclose()
                raise
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._client is not None:
            await self._client.aclose()

    def set_header(self, name: str, value: str) -> None:
        assert self._client is not None, "use the client in `async with`"
        self._client.headers[name] = value

    async def call(self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        assert self._client is not None, "use the client in `async with`"
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        try:
            response = await self._client.request(method, url, json=json, params=params)
        except httpx.TimeoutException as exc:
            raise TaskFailure(f"{self.service}: {method} {url} timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise TaskFailure(f"{self.service}: {method} {url} failed: {exc or type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise api_failure(self.service, response.request, response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise TaskFailure(
                f"{self.service}: {method} {url} answered something that is not JSON: {response.text[:200]!r}"
            ) from exc


async def poll(
    ctx: RunContext,
    check: Callable[[], Awaitable[T | None]],
    *,
    every: timedelta,
    max_duration: timedelta,
    what: str,
) -> T:
    """Call ``check`` every ``every`` until it returns a value; fail after ``max_duration``.

    A few retryable errors in a row (a restarting server, a dropped connection) are logged and
    polled through; more fail the task.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_duration.total_seconds()
    errors = 0
    while True:
        try:
            found = await check()
            errors = 0
        except TaskFailure as exc:
            errors += 1
            if not exc.retryable or errors >= _POLL_ERRORS:
                raise
            ctx.logger.warning(f"{exc} (polling again, {errors}/{_POLL_ERRORS - 1} errors tolerated)")
            found = None
        if found is not None:
            return found
        if loop.time() >= deadline:
            raise TaskFailure(f"{what} did not end within {_iso(max_duration)} (`maxDuration`)")
        await asyncio.sleep(max(0.0, min(every.total_seconds(), deadline - loop.time())))


def _iso(duration: timedelta) -> str:
    seconds = duration.total_seconds()
    return f"PT{seconds:g}S"
