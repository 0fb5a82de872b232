"""The ``options`` of the HTTP tasks (Kestra's HTTP client configuration) and the client they build."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal, Protocol
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field

from lanner.errors import TaskFailure

__all__ = [
    "HttpOptions",
    "LogType",
    "SecretRenderer",
    "SslOptions",
    "build_client",
    "describe",
    "header_lists",
    "status_allowed",
]


class SecretRenderer(Protocol):
    """What building a client needs: render expressions, mask the secrets found (a ``RunContext`` is one)."""

    async def render(self, value: Any) -> Any: ...

    def mask(self, secret: str) -> None: ...


LogType = Literal["REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_HEADERS", "RESPONSE_BODY"]


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TimeoutOptions(_Options):
    """Network time limits of one request (the task's `timeout` limits the whole attempt)."""

    connectTimeout: timedelta | None = Field(
        default=None, description="Longest wait to connect to the server (ISO-8601).", examples=["PT30S"]
    )
    readIdleTimeout: timedelta = Field(
        default=timedelta(minutes=5),
        description="Longest wait for data from the server before failing (ISO-8601).",
        examples=["PT1M"],
    )


class ProxyOptions(_Options):
    """A proxy between the worker and the server."""

    type: Literal["HTTP", "SOCKS", "DIRECT"] = Field(default="HTTP", description="Proxy kind; DIRECT means no proxy.")
    address: str | None = Field(default=None, description="Proxy host name or address.", examples=["proxy.internal"])
    port: int | None = Field(default=None, description="Proxy port.", examples=[3128])
    username: str | None = Field(default=None, description="User name for the proxy.")
    password: str | None = Field(default=None, description="Password for the proxy.")


class BasicAuth(_Options):
    """HTTP basic authentication."""

    type: Literal["BASIC"]
    username: str | None = Field(default=None, description="User name.", examples=["{{ secret('API_USER') }}"])
    password: str | None = Field(default=None, description="Password.", examples=["{{ secret('API_PASSWORD') }}"])


class DigestAuth(_Options):
    """HTTP digest authentication (RFC 7616)."""

    type: Literal["DIGEST"]
    username: str = Field(description="User name.")
    password: str = Field(description="Password.")


class BearerAuth(_Options):
    """A bearer token sent in the `Authorization` header."""

    type: Literal["BEARER"]
    token: str | None = Field(default=None, description="The token.", examples=["{{ secret('API_TOKEN') }}"])


class SslOptions(_Options):
    """TLS settings."""

    insecureTrustAllCertificates: bool | None = Field(
        default=None, description="Accept any server certificate (insecure: for tests only)."
    )


class HttpOptions(_Options):
    """How requests are sent: time limits, authentication, proxy, TLS, redirects, accepted status codes."""

    timeout: TimeoutOptions | None = Field(default=None, description="Network time limits.")
    proxy: ProxyOptions | None = Field(default=None, description="Proxy to go through.")
    auth: Annotated[BasicAuth | DigestAuth | BearerAuth, Field(discriminator="type")] | None = Field(
        default=None, description="Authentication: BASIC, DIGEST or BEARER."
    )
    ssl: SslOptions | None = Field(default=None, description="TLS settings.")
    followRedirects: bool = Field(default=True, description="Follow redirections (3xx responses).")
    allowFailed: bool = Field(default=False, description="Do not fail on an error status code (400 and above).")
    allowedResponseCodes: list[int] | None = Field(
        default=None,
        description="Status codes that count as success; when set, any other code fails the task.",
        examples=[[200, 404]],
    )
    defaultCharset: str = Field(default="UTF-8", description="Charset of the request body and of responses that name none.")
    logs: list[LogType] | None = Field(default=None, description="Parts of the request and response to log.")
    # Deprecated Kestra options, still honoured.
    connectTimeout: timedelta | None = Field(default=None, description="Deprecated: use `timeout.connectTimeout`.")
    readTimeout: timedelta | None = Field(default=None, description="Deprecated: use `timeout.readIdleTimeout`.")
    readIdleTimeout: timedelta | None = Field(default=None, description="Deprecated: use `timeout.readIdleTimeout`.")
    basicAuthUser: str | None = Field(default=None, description="Deprecated: use `auth` with type BASIC.")
    basicAuthPassword: str | None = Field(default=None, description="Deprecated: use `auth` with type BASIC.")
    proxyType: Literal["HTTP", "SOCKS", "DIRECT"] | None = Field(default=None, description="Deprecated: use `proxy`.")
    proxyAddress: str | None = Field(default=None, description="Deprecated: use `proxy.address`.")
    proxyPort: int | None = Field(default=None, description="Deprecated: use `proxy.port`.")
    proxyUsername: str | None = Field(default=None, description="Deprecated: use `proxy.username`.")
    proxyPassword: str | None = Field(default=None, description="Deprecated: use `proxy.password`.")
    logLevel: Literal["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "ALL", "OFF", "NOT_SPECIFIED"] | None = Field(
        default=None, description="Deprecated: use `logs`."
    )
    connectionPoolIdleTimeout: timedelta | None = Field(default=None, description="Deprecated and ignored.")
    maxContentLength: int | None = Field(default=None, description="Deprecated and ignored.")

    def log_types(self) -> set[str]:
        if self.logs is not None:
            return set(self.logs)
        return {
            "TRACE": {"REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_HEADERS", "RESPONSE_BODY"},
            "DEBUG": {"REQUEST_HEADERS", "RESPONSE_HEADERS"},
            "INFO": {"RESPONSE_HEADERS"},
        }.get(self.logLevel or "", set())


def status_allowed(code: int, options: HttpOptions, allow_failed: bool) -> bool:
    """Kestra's rule: `allowedResponseCodes` when set, else anything with `allowFailed`, else below 400."""
    if options.allowedResponseCodes:
        return code in options.allowedResponseCodes
    return allow_failed or options.allowFailed or code < 400


async def build_client(ctx: SecretRenderer, options: HttpOptions, *, insecure: bool = False) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` configured from ``options`` (secrets rendered and masked)."""
    timeouts = options.timeout or TimeoutOptions()
    connect = options.connectTimeout or timeouts.connectTimeout
    read = options.readTimeout or options.readIdleTimeout or timeouts.readIdleTimeout
    timeout = httpx.Timeout(
        connect=connect.total_seconds() if connect else None,
        read=read.total_seconds(),
        write=read.total_seconds(),
        pool=None,
    )
    verify = not (insecure or (options.ssl is not None and options.ssl.insecureTrustAllCertificates))
    headers: dict[str, str] = {}
    auth = await _auth(ctx, options, headers)
    proxy = await _proxy(ctx, options)
    try:
        return httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=options.followRedirects,
            verify=verify,
            auth=auth,
            proxy=proxy,
            headers=headers,
        )
    except ImportError as exc:  # SOCKS proxies need an optional package
        raise TaskFailure(f"this proxy is not supported here: {exc}", retryable=False) from exc


async def _secret(ctx: SecretRenderer, value: str | None) -> str:
    rendered = "" if value is None else str(await ctx.render(value))
    if rendered:
        ctx.mask(rendered)
    return rendered


async def _auth(ctx: SecretRenderer, options: HttpOptions, headers: dict[str, str]) -> httpx.Auth | None:
    auth = options.auth
    if auth is None and (options.basicAuthUser or options.basicAuthPassword):
        auth = BasicAuth(type="BASIC", username=options.basicAuthUser, password=options.basicAuthPassword)
    if isinstance(auth, BasicAuth):
        return httpx.BasicAuth(await _secret(ctx, auth.username), await _secret(ctx, auth.password))
    if isinstance(auth, DigestAuth):
        return httpx.DigestAuth(await _secret(ctx, auth.username), await _secret(ctx, auth.password))
    if isinstance(auth, BearerAuth):
        headers["Authorization"] = f"Bearer {await _secret(ctx, auth.token)}"
    return None


async def _proxy(ctx: SecretRenderer, options: HttpOptions) -> str | None:
    proxy = options.proxy
    if proxy is None and options.proxyAddress:
        proxy = ProxyOptions(
            type=options.proxyType or "HTTP",
            address=options.proxyAddress,
            port=options.proxyPort,
            username=options.proxyUsername,
            password=options.proxyPassword,
        )
    if proxy is None or proxy.type == "DIRECT" or not proxy.address:
        return None
    scheme = "socks5" if proxy.type == "SOCKS" else "http"
    credentials = ""
    if proxy.username:
        user = quote(await _secret(ctx, proxy.username), safe="")
        password = quote(await _secret(ctx, proxy.password), safe="")
        credentials = f"{user}:{password}@"
    address = str(await ctx.render(proxy.address))
    port = f":{proxy.port}" if proxy.port else ""
    return f"{scheme}://{credentials}{address}{port}"


def header_lists(headers: httpx.Headers) -> dict[str, list[str]]:
    """Response headers as name → list of values (names in lower case)."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers.multi_items():
        grouped.setdefault(name.lower(), []).append(value)
    return grouped


def describe(value: Any, limit: int = 500) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"
