"""HTTP tasks: send a request and keep the response (Request), or download a file (Download)."""

from __future__ import annotations

import asyncio
import codecs
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote, urlparse

import httpx
from pydantic import BaseModel, Field

from lanner.errors import LannerError, TaskFailure
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext
from lanner.tasks.core.http_options import (
    HttpOptions,
    SslOptions,
    build_client,
    describe,
    header_lists,
    status_allowed,
)
from lanner.tasks.scripts.files import storage_name

__all__ = ["Download", "Request", "RequestProperties"]

_STORAGE_URI = re.compile(r"^(?:lanner|kestra):///?\S+$")
_MULTIPART = "multipart/form-data"


class RequestProperties(BaseModel):
    """What an HTTP request is made of: shared by the HTTP tasks and the HTTP trigger."""

    uri: str = Field(
        description="The URL, with `http://` or `https://`; expressions are rendered.",
        examples=["https://api.example.com/v1/orders?since={{ trigger.date }}"],
    )
    method: str = Field(default="GET", description="The HTTP method.", examples=["POST"])
    headers: dict[str, Any] | None = Field(
        default=None,
        description="Request headers; expressions are rendered.",
        examples=[{"Authorization": "Bearer {{ secret('API_TOKEN') }}"}],
    )
    body: str | dict[str, Any] | list[Any] | None = Field(
        default=None,
        description="The request body; a map or list is sent as JSON.",
        examples=['{"title": "{{ inputs.title }}"}'],
    )
    formData: dict[str, Any] | None = Field(
        default=None,
        description="Form fields, sent URL-encoded, or as multipart when `contentType` is "
        "`multipart/form-data`: then a value that is an internal storage URI (or a map with `name` "
        "and `content`) is uploaded as a file.",
        examples=[{"user": "{{ inputs.user }}", "file": "{{ outputs.extract.uri }}"}],
    )
    contentType: str | None = Field(default="application/json", description="Content type of `body`.", examples=["text/csv"])
    options: HttpOptions = Field(
        default_factory=HttpOptions,
        description="How the request is sent: timeouts, authentication, proxy, TLS, redirects, accepted status codes.",
    )


class _HttpTask(RequestProperties, RunnableTask):
    """Properties shared by the HTTP tasks."""

    allowFailed: bool | None = Field(default=None, description="Deprecated: use `options.allowFailed`.")
    sslOptions: SslOptions | None = Field(default=None, description="Deprecated: use `options.ssl`.")

    def _allow_failed(self) -> bool:
        return bool(self.allowFailed) or self.options.allowFailed

    async def _client(self, ctx: RunContext) -> httpx.AsyncClient:
        insecure = bool(self.sslOptions and self.sslOptions.insecureTrustAllCertificates)
        return await build_client(ctx, self.options, insecure=insecure)

    async def _request(self, ctx: RunContext, client: httpx.AsyncClient) -> httpx.Request:
        uri = str(await ctx.render(self.uri)).strip().replace(" ", "%20")
        if urlparse(uri).scheme not in ("http", "https"):
            raise TaskFailure(f"`uri` must start with http:// or https://, got {uri[:200]!r}", retryable=False)
        method = str(await ctx.render(self.method)).strip().upper()
        content_type = str(await ctx.render(self.contentType)).strip() if self.contentType else None
        headers = {str(k): str(v) for k, v in (await ctx.render(dict(self.headers or {}))).items()}
        has_content_type = any(name.lower() == "content-type" for name in headers)
        charset = self.options.defaultCharset
        try:
            codecs.lookup(charset)
        except LookupError:
            raise TaskFailure(f"`options.defaultCharset` {charset!r} is not a known charset", retryable=False) from None
        kwargs: dict[str, Any] = {}
        if self.formData:
            form = await ctx.render(dict(self.formData))
            if content_type == _MULTIPART:
                kwargs["data"], kwargs["files"] = await _multipart(ctx, form)
            else:
                kwargs["data"] = {str(k): _as_text(v) for k, v in form.items()}
        elif self.body is not None:
            body = await ctx.render(self.body)
            kwargs["content"] = _as_text(body).encode(charset)
            if content_type and not has_content_type:
                headers["Content-Type"] = content_type
        try:
            request = client.build_request(method, uri, headers=headers, **kwargs)
        except httpx.InvalidURL as exc:
            raise TaskFailure(f"invalid request to {uri}: {exc}", retryable=False) from exc
        self._log_request(ctx, request)
        return request

    async def _send(self, ctx: RunContext, client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
        try:
            return await client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise TaskFailure(f"{request.method} {request.url}: timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise TaskFailure(f"{request.method} {request.url}: {exc or type(exc).__name__}") from exc

    def _check_status(self, request: httpx.Request, response: httpx.Response, body: str) -> None:
        if status_allowed(response.status_code, self.options, self._allow_failed()):
            return
        message = f"{request.method} {request.url} failed with HTTP {response.status_code} {response.reason_phrase}"
        if body:
            message += f": {describe(body)}"
        raise TaskFailure(message)

    def _log_request(self, ctx: RunContext, request: httpx.Request) -> None:
        logs = self.options.log_types()
        if "REQUEST_HEADERS" in logs:
            ctx.logger.info(f"request {request.method} {request.url} headers: {dict(request.headers)}")
        if "REQUEST_BODY" in logs and request.content:
            ctx.logger.info(f"request body: {describe(request.content.decode(errors='replace'), 10_000)}")

    def _log_response(self, ctx: RunContext, response: httpx.Response, body: str | None) -> None:
        logs = self.options.log_types()
        if "RESPONSE_HEADERS" in logs:
            ctx.logger.info(f"response {response.status_code} headers: {header_lists(response.headers)}")
        if "RESPONSE_BODY" in logs and body:
            ctx.logger.info(f"response body: {describe(body, 10_000)}")


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


async def _multipart(ctx: RunContext, form: dict[str, Any]) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    data: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for key, value in form.items():
        if isinstance(value, str) and _STORAGE_URI.match(value.strip()):
            uri = value.strip()
            files[str(key)] = (_uri_name(uri), await _read(ctx, uri, key))
        elif isinstance(value, dict) and "name" in value and "content" in value:
            uri = str(value["content"]).strip()
            files[str(key)] = (str(value["name"]), await _read(ctx, uri, key))
        else:
            data[str(key)] = _as_text(value)
    return data, files


async def _read(ctx: RunContext, uri: str, field: str) -> bytes:
    try:
        return await ctx.storage.get_bytes(uri)
    except (LannerError, OSError) as exc:
        raise TaskFailure(f"formData {field!r}: cannot read {uri}: {exc}", retryable=False) from exc


def _uri_name(uri: str) -> str:
    return PurePosixPath(unquote(urlparse(uri).path)).name or "file"


class Request(_HttpTask):
    """Send an HTTP request and return the response: `code`, `headers` and `body` (as text).

    A status code of 400 or more fails the task, with the start of the response body in the
    message, unless `options.allowFailed` or `options.allowedResponseCodes` says otherwise.
    For large or binary responses use Download, which stores the body as a file.
    """

    type: Literal["lanner.core.http.Request", "io.kestra.plugin.core.http.Request", "io.kestra.plugin.fs.http.Request"]
    encryptBody: bool = Field(default=False, description="Kestra's encrypted body output; not supported (must stay false).")

    async def run(self, ctx: RunContext) -> Output:
        if self.encryptBody:
            raise TaskFailure("`encryptBody` is not supported: remove it or set it to false", retryable=False)
        async with await self._client(ctx) as client:
            request = await self._request(ctx, client)
            response = await self._send(ctx, client, request)
            try:
                content = await response.aread()
            except httpx.HTTPError as exc:
                raise TaskFailure(f"{request.method} {request.url}: reading the response failed: {exc}") from exc
            finally:
                await response.aclose()
        charset = response.charset_encoding or self.options.defaultCharset
        try:
            text = content.decode(charset)
        except (UnicodeDecodeError, LookupError) as exc:
            self._check_status(request, response, "")
            raise TaskFailure(
                f"the response of {request.url} is not {charset} text; use the Download task for binary content",
                retryable=False,
            ) from exc
        self._log_response(ctx, response, text)
        self._check_status(request, response, text)
        empty = not content and (response.status_code in (204, 304) or request.method == "HEAD")
        return {
            "uri": str(request.url),
            "code": response.status_code,
            "headers": header_lists(response.headers),
            "body": None if empty else text,
        }


class Download(_HttpTask):
    """Download a file over HTTP into internal storage; read it as `{{ outputs.<task>.uri }}`.

    The file keeps the name given by the server (`Content-Disposition`) or by the URL.
    Metric: `response.length` (bytes).
    """

    type: Literal["lanner.core.http.Download", "io.kestra.plugin.core.http.Download", "io.kestra.plugin.fs.http.Download"]
    failOnEmptyResponse: bool = Field(
        default=True, description="Fail when the server sends no content; otherwise only log a warning."
    )

    async def run(self, ctx: RunContext) -> Output:
        working_dir = await ctx.working_dir()
        async with await self._client(ctx) as client:
            request = await self._request(ctx, client)
            response = await self._send(ctx, client, request)
            try:
                if not status_allowed(response.status_code, self.options, self._allow_failed()):
                    excerpt = (await response.aread())[:2000].decode("utf-8", errors="replace")
                    self._check_status(request, response, excerpt)
                name = _file_name(response, request)
                target = working_dir / name
                length = await _save(response, target)
            except httpx.HTTPError as exc:
                raise TaskFailure(f"{request.method} {request.url}: download failed: {exc}") from exc
            finally:
                await response.aclose()
        self._log_response(ctx, response, None)
        expected = response.headers.get("content-length")
        encoded = "content-encoding" in response.headers
        if expected is not None and expected.isdigit() and not encoded and int(expected) != length:
            raise TaskFailure(f"{request.url}: received {length} bytes, the server announced {expected}")
        if length == 0:
            if self.failOnEmptyResponse and not self._allow_failed():
                raise TaskFailure(f"{request.url}: the server sent no content (set `failOnEmptyResponse: false` to accept it)")
            ctx.logger.warning(f"{request.url}: the downloaded file is empty")
        ctx.metric("response.length", length, "counter")
        uri = await ctx.storage.put(target, storage_name(name))
        ctx.logger.debug(f"downloaded {request.url} ({length} bytes) to {uri}")
        return {"uri": uri, "code": response.status_code, "length": length, "headers": header_lists(response.headers)}


async def _save(response: httpx.Response, target: Path) -> int:
    length = 0
    handle = await asyncio.to_thread(target.open, "wb")
    try:
        async for chunk in response.aiter_bytes():
            length += len(chunk)
            await asyncio.to_thread(handle.write, chunk)
    finally:
        await asyncio.to_thread(handle.close)
    return length


def _file_name(response: httpx.Response, request: httpx.Request) -> str:
    """The file name from ``Content-Disposition``, else from the URL path; never a path."""
    name = ""
    disposition = response.headers.get("content-disposition", "")
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        key = key.strip().lower()
        if key == "filename*" and "''" in value:
            name = unquote(value.split("''", 1)[1].strip().strip('"'))
            break
        if key == "filename":
            name = value.strip().strip('"')
    if not name:
        name = PurePosixPath(unquote(request.url.path)).name
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name in ("", ".", "..") or name.startswith(".lanner-"):
        name = "download"
    return name
