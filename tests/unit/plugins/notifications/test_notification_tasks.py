"""Webhook and execution-summary notifications against a local server capturing the messages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lanner.errors import TaskFailure
from lanner.plugins.notifications.execution import DiscordExecution, SlackExecution, TeamsExecution
from lanner.plugins.notifications.summary import summarize
from lanner.plugins.notifications.webhook import DiscordIncomingWebhook, SlackIncomingWebhook, TeamsIncomingWebhook
from tests.integration.plugins.notifications.chat_mock import ChatMock
from tests.unit.tasks.fake_context import FakeRunContext

EXECUTION = {
    "id": "5Xyz",
    "namespace": "company.team",
    "flowId": "orders",
    "state": {"current": "FAILED", "startDate": "2024-05-01T10:00:00Z", "endDate": "2024-05-01T10:02:05.5Z"},
    "taskRunList": [
        {"id": "r1", "taskId": "extract", "value": None, "state": {"current": "SUCCESS"}},
        {"id": "r2", "taskId": "load", "value": "eu", "state": {"current": "FAILED"}},
    ],
}


class ExecutionContext(FakeRunContext):
    """The fake context, able to read one stored execution."""

    executions: dict[str, Mapping[str, Any]] = {"5Xyz": EXECUTION}

    async def execution(self, execution_id: str | None = None) -> Mapping[str, Any] | None:
        return self.executions.get(execution_id or self.execution_id)


@pytest.fixture
def chat() -> Iterator[ChatMock]:
    mock = ChatMock()
    with mock.server.serve():
        yield mock


@pytest.fixture
def ctx(tmp_path: Path) -> ExecutionContext:
    return ExecutionContext(tmp_path, variables={"envs": {"lanner_url": "http://lanner.test:8080/"}})


async def test_slack_payload_text_is_rendered_then_sent_as_json(chat: ChatMock, ctx: ExecutionContext) -> None:
    task = SlackIncomingWebhook.model_validate(
        {
            "id": "n",
            "type": "io.kestra.plugin.notifications.slack.SlackIncomingWebhook",
            "url": chat.url("alerts"),
            "payload": '{"text": "Flow {{ flow.id }} done", "blocks": [{"type": "divider"}]}',
        }
    )
    outputs = await task.run(ctx)
    assert outputs == {"code": 200, "body": "ok"}
    assert chat.messages("alerts") == [{"text": "Flow flow done", "blocks": [{"type": "divider"}]}]
    assert chat.url("alerts") in ctx.masked
    assert not any(chat.url("alerts") in m for m in ctx.logger.messages())


async def test_message_text_and_yaml_map_payloads(chat: ChatMock, ctx: ExecutionContext) -> None:
    text = SlackIncomingWebhook.model_validate(
        {
            "id": "n",
            "type": "io.kestra.plugin.slack.notifications.SlackIncomingWebhook",
            "url": chat.url("a"),
            "messageText": "*{{ flow.namespace }}* ok",
        }
    )
    await text.run(ctx)
    teams = TeamsIncomingWebhook.model_validate(
        {
            "id": "n",
            "type": "io.kestra.plugin.notifications.teams.TeamsIncomingWebhook",
            "url": chat.url("b"),
            "payload": {"text": "{{ task.id }}", "n": 3},
        }
    )
    await teams.run(ctx)
    assert chat.messages("a") == [{"text": "*company.team* ok"}]
    assert chat.messages("b") == [{"text": "task", "n": 3}]


async def test_invalid_json_says_where(chat: ChatMock, ctx: ExecutionContext) -> None:
    task = DiscordIncomingWebhook.model_validate(
        {
            "id": "n",
            "type": "io.kestra.plugin.notifications.discord.DiscordIncomingWebhook",
            "url": chat.url("a"),
            "payload": '{\n  "content": "x",\n}',
        }
    )
    with pytest.raises(TaskFailure, match="not valid JSON after rendering: line 3, column 1") as failed:
        await task.run(ctx)
    assert not failed.value.retryable and chat.server.calls == []


async def test_service_errors(chat: ChatMock, ctx: ExecutionContext) -> None:
    gone = SlackIncomingWebhook.model_validate(
        {
            "id": "n",
            "type": "io.kestra.plugin.notifications.slack.SlackIncomingWebhook",
            "url": chat.url("gone"),
            "messageText": "x",
        }
    )
    with pytest.raises(TaskFailure, match="Slack webhook: POST /hook/gone answered HTTP 404 Not Found: no_service") as failed:
        await gone.run(ctx)
    assert not failed.value.retryable
    busy = gone.model_copy(update={"url": chat.url("busy")})
    chat.errors.append(503)
    with pytest.raises(TaskFailure, match="HTTP 503") as failed:
        await busy.run(ctx)
    assert failed.value.retryable
    assert (await busy.run(ctx))["code"] == 200


def test_summary_of_an_execution_still_running_its_errors_branch() -> None:
    running = {
        **EXECUTION,
        "state": {"current": "RUNNING", "startDate": "2024-05-01T10:00:00Z"},
        "taskRunList": [*EXECUTION["taskRunList"], {"id": "me", "taskId": "alert", "state": {"current": "RUNNING"}}],
    }
    summary = summarize(running, ui_url=None, current_task_run="me", now=datetime(2024, 5, 1, 11, 2, 3, tzinfo=UTC))
    assert (summary.state, summary.duration, summary.failed_tasks, summary.link) == ("FAILED", "1h 02m 03s", ["load[eu]"], None)


async def test_slack_execution_summary(chat: ChatMock, ctx: ExecutionContext) -> None:
    task = SlackExecution.model_validate(
        {
            "id": "n",
            "type": "io.kestra.plugin.notifications.slack.SlackExecution",
            "url": chat.url("alerts"),
            "executionId": "5Xyz",
            "channel": "#data",
            "username": "Lanner",
            "iconEmoji": ":robot_face:",
            "customMessage": "On call: {{ flow.namespace }}",
            "customFields": {"Team": "data-eng"},
        }
    )
    outputs = await task.run(ctx)
    link = "http://lanner.test:8080/ui/executions/company.team/orders/5Xyz"
    assert outputs["state"] == "FAILED" and outputs["link"] == link
    [message] = chat.messages("alerts")
    assert message["text"] == "[FAILED] company.team.orders - execution 5Xyz"
    assert (message["channel"], message["username"], message["icon_emoji"]) == ("#data", "Lanner", ":robot_face:")
    [attachment] = message["attachments"]
    assert attachment["color"] == "#a30200"
    header, facts, custom, actions = attachment["blocks"]
    assert header["text"]["text"] == f":x: <{link}|company.team.orders> execution *FAILED*"
    assert [f["text"] for f in facts["fields"]] == [
        "*Namespace*\ncompany.team",
        "*Flow*\norders",
        "*Execution*\n5Xyz",
        "*State*\nFAILED",
        "*Started*\n2024-05-01T10:00:00Z",
        "*Duration*\n2m 05s",
        "*Failed task*\nload[eu]",
        "*Team*\ndata-eng",
    ]
    assert custom["text"]["text"] == "On call: company.team"
    assert actions["elements"][0]["url"] == link


async def test_teams_and_discord_execution_summaries(chat: ChatMock, ctx: ExecutionContext) -> None:
    base = {"id": "n", "executionId": "5Xyz", "uiUrl": "https://ui.example"}
    await TeamsExecution.model_validate(
        {**base, "type": "io.kestra.plugin.notifications.teams.TeamsExecution", "url": chat.url("t")}
    ).run(ctx)
    await DiscordExecution.model_validate(
        {**base, "type": "io.kestra.plugin.notifications.discord.DiscordExecution", "url": chat.url("d"), "username": "bot"}
    ).run(ctx)
    [card] = chat.messages("t")
    assert card["@type"] == "MessageCard" and card["themeColor"] == "a30200"
    assert {"name": "Failed task", "value": "load[eu]"} in card["sections"][0]["facts"]
    assert card["potentialAction"][0]["targets"][0]["uri"] == "https://ui.example/ui/executions/company.team/orders/5Xyz"
    [message] = chat.messages("d")
    assert message["username"] == "bot" and message["embeds"][0]["color"] == 0xA30200
    assert message["embeds"][0]["url"].startswith("https://ui.example/ui/executions/")


async def test_an_unknown_execution_or_a_template_fails_clearly(chat: ChatMock, ctx: ExecutionContext) -> None:
    task = SlackExecution.model_validate(
        {"id": "n", "type": "io.kestra.plugin.notifications.slack.SlackExecution", "url": chat.url("a"), "executionId": "missing"}
    )
    with pytest.raises(TaskFailure, match="no execution 'missing' to report"):
        await task.run(ctx)
    with pytest.raises(TaskFailure, match="`templateUri` / `templateRenderMap` are not supported"):
        await task.model_copy(update={"templateUri": "slack.peb"}).run(ctx)
    assert chat.server.calls == []
