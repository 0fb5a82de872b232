"""Incoming-webhook notifications: post a JSON message to Slack, Microsoft Teams, Discord or
Google Chat (Kestra's ``io.kestra.plugin.notifications.*.…IncomingWebhook`` tasks), or to any
service that takes JSON webhooks (``Webhook``, with headers).

The webhook URL carries its own credential: it is masked in logs and never logged. A payload
given as text is rendered, then must be JSON (an error says where it is not); a map or list is
rendered value by value.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

import httpx
from pydantic import Field

from lanner.errors import TaskFailure
from lanner.plugins.api_client import api_failure, render_text
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext
from lanner.tasks.core.http_options import HttpOptions, build_client

__all__ = [
    "DiscordIncomingWebhook",
    "GoogleChatIncomingWebhook",
    "IncomingWebhook",
    "SlackIncomingWebhook",
    "TeamsIncomingWebhook",
    "Webhook",
    "post_json",
]


async def post_json(
    ctx: RunContext,
    service: str,
    url: str,
    payload: Any,
    options: HttpOptions | None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST ``payload`` as JSON to the webhook ``url`` (with extra ``headers``); the answer's status and body (text)."""
    if not url.startswith(("http://", "https://")):
        raise TaskFailure(f"{service}: the webhook `url` must start with http:// or https://", retryable=False)
    ctx.mask(url)
    async with await build_client(ctx, options or HttpOptions()) as client:
        try:
            response = await client.post(url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise TaskFailure(f"{service}: posting to the webhook failed: {type(exc).__name__} {exc}".strip()) from exc
    if response.status_code >= 400:
        raise api_failure(f"{service} webhook", response.request, response)
    ctx.logger.info(f"{service}: message sent (HTTP {response.status_code})")
    return {"code": response.status_code, "body": response.text or None}


async def render_payload(ctx: RunContext, payload: str | dict[str, Any] | list[Any]) -> Any:
    """The rendered payload, as JSON data."""
    rendered = await ctx.render(payload)
    if not isinstance(rendered, str):
        return rendered
    try:
        return json.loads(rendered)
    except json.JSONDecodeError as exc:
        raise TaskFailure(
            f"`payload` is not valid JSON after rendering: line {exc.lineno}, column {exc.colno}: {exc.msg}"
            " (write it as a YAML map instead of text to avoid quoting mistakes)",
            retryable=False,
        ) from None


class IncomingWebhook(RunnableTask):
    """Post a JSON message to an incoming webhook."""

    #: the service named in logs and errors
    service: ClassVar[str] = "Webhook"

    url: str = Field(description="The webhook URL (keep it in a secret).", examples=["{{ secret('WEBHOOK_URL') }}"])
    payload: str | dict[str, Any] | list[Any] | None = Field(
        default=None,
        description="The JSON message: text (rendered, then parsed as JSON) or a YAML map.",
        examples=['{"text": "Flow {{ flow.id }} finished"}'],
    )
    options: HttpOptions | None = Field(default=None, description="HTTP client settings: timeouts, proxy, TLS.")

    async def _payload(self, ctx: RunContext) -> Any:
        if self.payload is None:
            raise TaskFailure("`payload` is required", retryable=False)
        return await render_payload(ctx, self.payload)

    async def run(self, ctx: RunContext) -> Output:
        url = await render_text(ctx, self.url, "url", secret=True)
        return await post_json(ctx, self.service, url, await self._payload(ctx), self.options)


class SlackIncomingWebhook(IncomingWebhook):
    """Send a Slack message through an incoming webhook: `payload` is Slack's message JSON
    (`text`, Block Kit `blocks`, `attachments`), or `messageText` for plain text.

    Rocket.Chat and Mattermost incoming webhooks take the same messages.
    """

    type: Literal[
        "lanner.notifications.slack.SlackIncomingWebhook",
        "io.kestra.plugin.notifications.slack.SlackIncomingWebhook",
        "io.kestra.plugin.slack.notifications.SlackIncomingWebhook",
        "io.kestra.plugin.slack.SlackIncomingWebhook",
    ]
    service: ClassVar[str] = "Slack"
    messageText: str | None = Field(
        default=None,
        description='Plain message text (Slack markdown), sent as `{"text": …}` when there is no `payload`.',
        examples=["Flow *{{ flow.id }}* failed: {{ execution.id }}"],
    )

    async def _payload(self, ctx: RunContext) -> Any:
        if self.payload is None and self.messageText is not None:
            return {"text": str(await ctx.render(self.messageText))}
        if self.payload is None:
            raise TaskFailure("set `payload` (Slack message JSON) or `messageText`", retryable=False)
        return await render_payload(ctx, self.payload)


class TeamsIncomingWebhook(IncomingWebhook):
    """Send a Microsoft Teams message through an incoming webhook (a MessageCard or Adaptive Card JSON)."""

    type: Literal["lanner.notifications.teams.TeamsIncomingWebhook", "io.kestra.plugin.notifications.teams.TeamsIncomingWebhook"]
    service: ClassVar[str] = "Teams"


class DiscordIncomingWebhook(IncomingWebhook):
    """Send a Discord message through a webhook (`content`, `embeds`, `username`…)."""

    type: Literal[
        "lanner.notifications.discord.DiscordIncomingWebhook", "io.kestra.plugin.notifications.discord.DiscordIncomingWebhook"
    ]
    service: ClassVar[str] = "Discord"


class GoogleChatIncomingWebhook(IncomingWebhook):
    """Send a Google Chat message through a space's incoming webhook (`text`, `cardsV2`)."""

    type: Literal[
        "lanner.notifications.google.GoogleChatIncomingWebhook", "io.kestra.plugin.notifications.google.GoogleChatIncomingWebhook"
    ]
    service: ClassVar[str] = "Google Chat"


class Webhook(IncomingWebhook):
    """Post a JSON message to any webhook URL, with optional headers (e.g. an API key): for
    services without a dedicated task (Mattermost, Zulip, n8n, PagerDuty Events, an in-house
    endpoint…). Fails on a status of 400 or more, showing the start of the answer.

    Outputs: `code` (the HTTP status) and `body` (the answer, as text).
    """

    type: Literal["lanner.notifications.Webhook"]
    service: ClassVar[str] = "Webhook"
    headers: dict[str, str] | None = Field(
        default=None,
        description="Extra request headers; expressions are rendered (`Content-Type` is `application/json`).",
        examples=[{"X-Api-Key": "{{ secret('ALERTS_API_KEY') }}"}],
    )

    async def run(self, ctx: RunContext) -> Output:
        url = await render_text(ctx, self.url, "url", secret=True)
        headers = {str(k): str(v) for k, v in (await ctx.render(dict(self.headers or {}))).items()}
        return await post_json(ctx, self.service, url, await self._payload(ctx), self.options, headers)
