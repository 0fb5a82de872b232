"""HTTP polling trigger: call a URL every `interval`, start an execution when the response matches.

The request is built like the HTTP Request task's (same `options`: authentication, timeouts,
proxy, TLS). A failed call (connection refused, timeout) starts nothing: the scheduler logs it
and polls again after `interval`. Those logs name the URL as written in the flow (before
rendering), so a `secret()` inside it never reaches them; `options.auth` secrets are masked.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx
from pydantic import Field, field_validator

from lanner.errors import LannerError
from lanner.tasks.core.http import RequestProperties
from lanner.tasks.core.http_options import HttpOptions, build_client, describe, header_lists
from lanner.triggers.polling import PollContext, PollingTrigger

__all__ = ["Trigger"]

DEFAULT_CONDITION = "{{ response.statusCode < 400 }}"


class _Secrets:
    """Renders the client's settings for ``build_client`` and remembers the secrets to mask."""

    def __init__(self, ctx: PollContext) -> None:
        self.ctx = ctx
        self.secrets: set[str] = set()

    async def render(self, value: Any) -> Any:
        return self.ctx.render(value)

    def mask(self, secret: str) -> None:
        self.secrets.add(secret)

    def hide(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "******")
        return text


class Trigger(RequestProperties, PollingTrigger):
    """Call an HTTP endpoint every `interval`; when `responseCondition` is true, start one execution.

    The condition sees `response.statusCode`, `response.body` (text; parse JSON with
    `fromJson(response.body)`) and `response.headers`. The execution sees the response as
    `{{ trigger.body }}`, `{{ trigger.code }}` (also `trigger.statusCode`), `{{ trigger.headers }}`
    and `{{ trigger.uri }}`. The endpoint is called at every poll, so a condition that stays true
    starts an execution at every poll: use `stopAfter` to disable the trigger once an execution
    it started ended, e.g. in SUCCESS.
    """

    type: Literal["lanner.core.http.Trigger", "io.kestra.plugin.core.http.Trigger", "io.kestra.plugin.fs.http.Trigger"]
    uri: str = Field(
        description="The URL to call, with `http://` or `https://`; expressions (e.g. `secret()`) are rendered.",
        examples=["https://api.example.com/v1/status"],
    )
    formData: dict[str, Any] | None = Field(
        default=None, description="Form fields, sent URL-encoded (instead of `body`).", examples=[{"user": "lanner"}]
    )
    options: HttpOptions = Field(
        default_factory=HttpOptions,
        description="How the request is sent: timeouts, authentication, proxy, TLS, redirects. Every status code "
        "reaches `responseCondition` (`allowFailed` and `allowedResponseCodes` do not apply).",
    )
    responseCondition: str = Field(
        default=DEFAULT_CONDITION,
        description="Expression evaluated on each response (`response.statusCode`, `response.body`, "
        "`response.headers`); an execution starts when it is true.",
        examples=["{{ fromJson(response.body).price <= 110 }}"],
    )
    encryptBody: bool = Field(default=False, description="Kestra's encrypted body output; not supported here (must stay false).")

    @field_validator("encryptBody")
    @classmethod
    def _no_encryption(cls, value: bool) -> bool:
        if value:
            raise ValueError("`encryptBody` is not supported: remove it or set it to false")
        return value

    @field_validator("responseCondition")
    @classmethod
    def _an_expression(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("`responseCondition` must not be empty; the default is " + DEFAULT_CONDITION)
        return value

    async def poll(self, ctx: PollContext) -> list[dict[str, Any]]:
        secrets = _Secrets(ctx)
        uri = str(ctx.render(self.uri)).strip().replace(" ", "%20")
        if not uri.startswith(("http://", "https://")):
            raise LannerError(f"HTTP trigger: `uri` must start with http:// or https://, got {describe(self.uri, 200)!r}")
        method = str(ctx.render(self.method)).strip().upper()
        async with await build_client(secrets, self.options) as client:
            try:
                request = client.build_request(method, uri, **self._content(ctx))
                response = await client.send(request)
            except httpx.HTTPError as exc:
                reason = str(exc) or type(exc).__name__
                raise LannerError(secrets.hide(f"HTTP trigger: {method} {self.uri} failed: {reason}")) from None
        charset = response.charset_encoding or self.options.defaultCharset
        try:
            body = response.content.decode(charset, errors="replace")
        except LookupError:
            raise LannerError(f"HTTP trigger: unknown charset {charset!r} (see `options.defaultCharset`)") from None
        headers = header_lists(response.headers)
        variables = {"statusCode": response.status_code, "body": body, "headers": headers}
        matched = _true(ctx.evaluate(self.responseCondition, {"response": variables}))
        if not matched:
            level = ctx.log.warning if response.status_code >= 400 else ctx.log.debug
            level(
                "trigger %s.%s.%s: HTTP %d from %s, condition false: no execution",
                ctx.namespace, ctx.flow_id, ctx.trigger_id, response.status_code, secrets.hide(self.uri),
            )  # fmt: skip
            return []
        return [{"uri": uri, "code": response.status_code, "statusCode": response.status_code, "headers": headers, "body": body}]

    def _content(self, ctx: PollContext) -> dict[str, Any]:
        headers = {str(k): str(v) for k, v in (ctx.render(dict(self.headers or {}))).items()}
        kwargs: dict[str, Any] = {"headers": headers}
        if self.formData:
            kwargs["data"] = {str(k): _text(v) for k, v in ctx.render(dict(self.formData)).items()}
        elif self.body is not None:
            kwargs["content"] = _text(ctx.render(self.body)).encode(self.options.defaultCharset)
            if self.contentType and not any(name.lower() == "content-type" for name in headers):
                headers["Content-Type"] = str(ctx.render(self.contentType))
        return kwargs


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _true(value: Any) -> bool:
    """Kestra's rule: the rendered condition is true when it is `true` (any case)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"
