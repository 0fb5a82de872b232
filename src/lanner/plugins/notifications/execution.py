"""Execution summaries to Slack, Teams or Discord: flow, namespace, state, start, duration, the
failed tasks and a link to the execution in the UI (Kestra's ``…Execution`` notification tasks).

Use them in a flow started by a Flow trigger on failures (`executionId: "{{ trigger.executionId }}"`)
or in an `errors` branch (the current execution, the default). The link needs the UI's base URL:
`uiUrl`, set once for every task with `pluginDefaults`, or the worker's `ENV_LANNER_URL`
environment variable (the flows' `envs.lanner_url`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from lanner.errors import TaskFailure
from lanner.plugins.api_client import render_text
from lanner.plugins.notifications.summary import ExecutionSummary, discord_message, slack_message, summarize, teams_message
from lanner.plugins.notifications.webhook import post_json
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext
from lanner.tasks.core.http_options import HttpOptions

__all__ = ["DiscordExecution", "SlackExecution", "TeamsExecution"]


class _ExecutionNotification(RunnableTask):
    service: ClassVar[str] = "Webhook"

    url: str = Field(description="The webhook URL (keep it in a secret).", examples=["{{ secret('SLACK_WEBHOOK') }}"])
    executionId: str = Field(
        default="{{ execution.id }}",
        description="The execution to report: this one by default, `{{ trigger.executionId }}` in a flow "
        "started by a Flow trigger.",
        examples=["{{ trigger.executionId }}"],
    )
    customMessage: str | None = Field(
        default=None,
        description="A message added below the summary.",
        examples=["Data for {{ trigger.date ?? 'today' }} is late"],
    )
    customFields: dict[str, Any] | None = Field(
        default=None, description="More facts shown with the summary, name → value.", examples=[{"Team": "data-eng"}]
    )
    uiUrl: str | None = Field(
        default=None,
        description="Base URL of the Lanner UI, for the link to the execution (a Lanner extension); "
        "defaults to the `ENV_LANNER_URL` environment variable of the worker. Without it, no link.",
        examples=["https://lanner.example.com"],
    )
    templateUri: str | None = Field(default=None, description="Kestra's message template file: not supported (leave it unset).")
    templateRenderMap: dict[str, Any] | None = Field(default=None, description="Variables of `templateUri`: not supported.")
    options: HttpOptions | None = Field(default=None, description="HTTP client settings: timeouts, proxy, TLS.")

    async def _summary(self, ctx: RunContext) -> ExecutionSummary:
        if self.templateUri or self.templateRenderMap:
            raise TaskFailure(
                "`templateUri` / `templateRenderMap` are not supported: use `customMessage`, or build the "
                "message yourself with the IncomingWebhook task's `payload`",
                retryable=False,
            )
        execution_id = await render_text(ctx, self.executionId, "executionId")
        execution = await ctx.execution(execution_id) if execution_id else None
        if execution is None:
            raise TaskFailure(f"no execution {execution_id!r} to report (check `executionId`)", retryable=False)
        envs = ctx.variables.get("envs") or {}
        ui_url = await render_text(ctx, self.uiUrl, "uiUrl") if self.uiUrl else str(envs.get("lanner_url") or "")
        fields = {str(k): str(v) for k, v in (await ctx.render(dict(self.customFields or {}))).items()}
        message = await render_text(ctx, self.customMessage, "customMessage") if self.customMessage else None
        return summarize(
            dict(execution), ui_url=ui_url or None, current_task_run=ctx.task_run_id, custom_message=message, custom_fields=fields
        )

    async def _message(self, ctx: RunContext, summary: ExecutionSummary) -> dict[str, Any]:
        raise NotImplementedError

    async def run(self, ctx: RunContext) -> Output:
        summary = await self._summary(ctx)
        url = await render_text(ctx, self.url, "url", secret=True)
        sent = await post_json(ctx, self.service, url, await self._message(ctx, summary), self.options)
        return {**sent, "state": summary.state, "link": summary.link}


class SlackExecution(_ExecutionNotification):
    """Send a Slack message summarising an execution (Block Kit), with a button to open it in the UI."""

    type: Literal[
        "lanner.notifications.slack.SlackExecution",
        "io.kestra.plugin.notifications.slack.SlackExecution",
        "io.kestra.plugin.slack.notifications.SlackExecution",
        "io.kestra.plugin.slack.SlackExecution",
    ]
    service: ClassVar[str] = "Slack"
    channel: str | None = Field(default=None, description="Channel to post to, when the webhook allows it.", examples=["#alerts"])
    username: str | None = Field(default=None, description="Name shown as the sender.", examples=["Lanner"])
    iconUrl: str | None = Field(default=None, description="URL of the sender's icon.")
    iconEmoji: str | None = Field(default=None, description="Emoji used as the sender's icon.", examples=[":robot_face:"])

    async def _message(self, ctx: RunContext, summary: ExecutionSummary) -> dict[str, Any]:
        message = slack_message(summary)
        extra = {"channel": self.channel, "username": self.username, "icon_url": self.iconUrl, "icon_emoji": self.iconEmoji}
        for key, value in extra.items():
            if value:
                message[key] = str(await ctx.render(value))
        return message


class TeamsExecution(_ExecutionNotification):
    """Send a Microsoft Teams card summarising an execution, with a link to open it in the UI."""

    type: Literal["lanner.notifications.teams.TeamsExecution", "io.kestra.plugin.notifications.teams.TeamsExecution"]
    service: ClassVar[str] = "Teams"

    async def _message(self, ctx: RunContext, summary: ExecutionSummary) -> dict[str, Any]:
        return teams_message(summary)


class DiscordExecution(_ExecutionNotification):
    """Send a Discord message (one embed) summarising an execution, with a link to open it in the UI."""

    type: Literal["lanner.notifications.discord.DiscordExecution", "io.kestra.plugin.notifications.discord.DiscordExecution"]
    service: ClassVar[str] = "Discord"
    username: str | None = Field(default=None, description="Name shown as the sender.", examples=["Lanner"])
    avatarUrl: str | None = Field(default=None, description="URL of the sender's avatar.")

    async def _message(self, ctx: RunContext, summary: ExecutionSummary) -> dict[str, Any]:
        message = discord_message(summary)
        if self.username:
            message["username"] = str(await ctx.render(self.username))
        if self.avatarUrl:
            message["avatar_url"] = str(await ctx.render(self.avatarUrl))
        return message
