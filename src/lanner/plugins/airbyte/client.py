"""Connection properties of the Airbyte tasks and the API clients they open.

Self-hosted Airbyte is reached through its configuration API (``<url>/api/v1/…``), Airbyte Cloud
through the public API (``https://api.airbyte.com/v1/…``). Credentials are rendered, masked in
logs and outputs, and sent as basic authentication, a bearer token, or a token obtained with
application credentials (client id and secret).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from pydantic import BaseModel, ConfigDict, Field

from lanner.errors import TaskFailure
from lanner.plugins.api_client import ApiClient, render_duration, render_text
from lanner.tasks.base import RunnableTask
from lanner.tasks.context import RunContext
from lanner.tasks.core.http_options import HttpOptions

__all__ = ["CLOUD_URL", "AirbyteCloudConnection", "AirbyteConnection", "ApplicationCredentials"]

CLOUD_URL = "https://api.airbyte.com/v1"


class ApplicationCredentials(BaseModel):
    """An Airbyte application (client id and secret), exchanged for an access token before each task."""

    model_config = ConfigDict(extra="forbid")

    clientId: str = Field(description="Application client ID.", examples=["{{ secret('AIRBYTE_CLIENT_ID') }}"])
    clientSecret: str = Field(description="Application client secret.", examples=["{{ secret('AIRBYTE_CLIENT_SECRET') }}"])


class _Credentials(RunnableTask):
    username: str | None = Field(
        default=None, description="User name for HTTP basic authentication.", examples=["{{ secret('AIRBYTE_USERNAME') }}"]
    )
    password: str | None = Field(
        default=None, description="Password for HTTP basic authentication.", examples=["{{ secret('AIRBYTE_PASSWORD') }}"]
    )
    token: str | None = Field(
        default=None, description="API key, sent as a bearer token.", examples=["{{ secret('AIRBYTE_TOKEN') }}"]
    )
    options: HttpOptions | None = Field(
        default=None, description="HTTP client settings: timeouts, proxy, TLS (Kestra's `options`)."
    )

    async def _auth(self, ctx: RunContext) -> tuple[dict[str, str], httpx.Auth | None]:
        token = await render_text(ctx, self.token, "token", secret=True)
        if token:
            return {"Authorization": f"Bearer {token}"}, None
        username = await render_text(ctx, self.username, "username")
        password = await render_text(ctx, self.password, "password", secret=True)
        if username or password:
            return {}, httpx.BasicAuth(username, password)
        return {}, None


def _token_exchange(url: str, client_id: str | None, client_secret: str | None) -> Callable[[ApiClient], Awaitable[None]]:
    """An ``on_open`` hook trading application credentials for a bearer token."""

    async def exchange(api: ApiClient) -> None:
        identifier = await render_text(api.ctx, client_id, "clientId")
        secret = await render_text(api.ctx, client_secret, "clientSecret", secret=True)
        answer = await api.call(
            "POST", url, json={"client_id": identifier, "client_secret": secret, "grant-type": "client_credentials"}
        )
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise TaskFailure(f"{api.service}: the token endpoint answered no `access_token`", retryable=False)
        api.ctx.mask(token)
        api.set_header("Authorization", f"Bearer {token}")

    return exchange


class AirbyteConnection(_Credentials):
    """How to reach a self-hosted Airbyte (its configuration API)."""

    url: str = Field(
        description="Base URL of the Airbyte server (the API is under `/api/v1`).",
        examples=["http://localhost:8000", "{{ vars.airbyte_url }}"],
    )
    applicationCredentials: ApplicationCredentials | None = Field(
        default=None,
        description="Application credentials exchanged for an access token at `/api/v1/applications/token` "
        "(Airbyte with authentication enabled); used instead of `token`.",
    )
    httpTimeout: timedelta | str = Field(
        default=timedelta(seconds=10), description="Time limit of each API call (ISO-8601).", examples=["PT30S"]
    )

    async def _api(self, ctx: RunContext) -> ApiClient:
        """An API client, to use in ``async with``."""
        url = await render_text(ctx, self.url, "url")
        headers, auth = await self._auth(ctx)
        timeout = await render_duration(ctx, self.httpTimeout, "httpTimeout")
        hook = None
        if self.applicationCredentials is not None:
            creds = self.applicationCredentials
            hook = _token_exchange("/api/v1/applications/token", creds.clientId, creds.clientSecret)
        return ApiClient(ctx, "Airbyte", url, headers=headers, auth=auth, options=self.options, timeout=timeout, on_open=hook)


class AirbyteCloudConnection(_Credentials):
    """How to reach Airbyte Cloud (the public API)."""

    clientId: str | None = Field(
        default=None,
        description="Application client ID, exchanged for an access token at `tokenURL`.",
        examples=["{{ secret('AIRBYTE_CLIENT_ID') }}"],
    )
    clientSecret: str | None = Field(
        default=None, description="Application client secret.", examples=["{{ secret('AIRBYTE_CLIENT_SECRET') }}"]
    )
    tokenURL: str = Field(
        default=f"{CLOUD_URL}/applications/token", description="Where application credentials are exchanged for a token."
    )
    url: str = Field(
        default=CLOUD_URL,
        description="Base URL of the public API (a Lanner extension: for a proxy or a self-hosted public API).",
    )

    async def _api(self, ctx: RunContext) -> ApiClient:
        url = await render_text(ctx, self.url, "url")
        headers, auth = await self._auth(ctx)
        hook = None
        if self.clientId or self.clientSecret:
            token_url = await render_text(ctx, self.tokenURL, "tokenURL")
            hook = _token_exchange(token_url, self.clientId, self.clientSecret)
        return ApiClient(ctx, "Airbyte Cloud", url, headers=headers, auth=auth, options=self.options, on_open=hook)
