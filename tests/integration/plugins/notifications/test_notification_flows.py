"""Slack notifications in flows run by the real engine (both backends): an `errors` branch, and an
alert flow started by a Flow trigger when another flow fails."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from lanner.engine.engine import Engine
from lanner.models.state import State

from ...harness import Harness
from .chat_mock import ChatMock

HOOK_SECRET = "hooks-secret-path"


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatMock]:
    mock = ChatMock()
    with mock.server.serve():
        monkeypatch.setenv("LANNER_SECRET_SLACK_WEBHOOK", mock.url(HOOK_SECRET))
        yield mock


FAILING = """
id: orders
namespace: company.team
tasks:
  - id: extract
    type: io.kestra.plugin.core.log.Log
    message: extracting
  - id: load
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: warehouse unreachable
errors:
  - id: alert
    type: io.kestra.plugin.notifications.slack.SlackExecution
    url: "{{ secret('SLACK_WEBHOOK') }}"
    uiUrl: http://lanner.test
    customMessage: "{{ flow.id }} needs a look"
    retry: {type: constant, interval: PT0.05S, maxAttempts: 2}
  - id: plain
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: "{{ secret('SLACK_WEBHOOK') }}"
    payload: |
      {"text": "Failure alert for flow {{ flow.namespace }}.{{ flow.id }} with ID {{ execution.id }}"}
"""


async def test_an_errors_branch_reports_the_failed_task(chat: ChatMock, harness: Harness) -> None:
    result = await harness.run(FAILING)

    assert result.state == State.FAILED
    assert result.run("alert").state == State.SUCCESS and result.run("plain").state == State.SUCCESS
    summary, plain = chat.messages(HOOK_SECRET)
    execution_id = result.execution.id
    assert summary["text"] == f"[FAILED] company.team.orders - execution {execution_id}"
    fields = [f["text"] for f in summary["attachments"][0]["blocks"][1]["fields"]]
    assert "*Failed task*\nload" in fields and "*State*\nFAILED" in fields
    assert summary["attachments"][0]["blocks"][2]["text"]["text"] == "orders needs a look"
    assert result.outputs("alert")["link"] == f"http://lanner.test/ui/executions/company.team/orders/{execution_id}"
    assert plain == {"text": f"Failure alert for flow company.team.orders with ID {execution_id}"}
    assert not any(HOOK_SECRET in line for line in await result.logs())


ALERT = """
id: failure_alert
namespace: company.ops
tasks:
  - id: send_alert
    type: io.kestra.plugin.notifications.slack.SlackExecution
    url: "{{ secret('SLACK_WEBHOOK') }}"
    executionId: "{{ trigger.executionId }}"
    retry: {type: constant, interval: PT0.05S, maxAttempts: 2}
triggers:
  - id: failed_prod_workflows
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in: [FAILED, WARNING]
      - type: io.kestra.plugin.core.condition.ExecutionNamespace
        namespace: company
        prefix: true
"""


async def messages_within(chat: ChatMock, engine: Engine, count: int, timeout: float = 30) -> list[dict[str, object]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(found := [m for m in chat.messages(HOOK_SECRET) if m]) < count:
        assert loop.time() < deadline, f"{len(found)} message(s) within {timeout}s"
        engine.scheduler.wake()
        await asyncio.sleep(0.05)
    return found


async def test_a_flow_trigger_alert_reports_the_failed_execution_after_a_retry(chat: ChatMock, harness: Harness) -> None:
    await harness.engine.deploy(ALERT)
    chat.errors.append(503)
    failing = FAILING.split("errors:")[0]
    result = await harness.run(failing)
    assert result.state == State.FAILED

    refused, summary = await messages_within(chat, harness.engine, 2)  # a 503, then the retry
    assert refused == summary
    assert summary["text"] == f"[FAILED] company.team.orders - execution {result.execution.id}"
    fields = [f["text"] for f in summary["attachments"][0]["blocks"][1]["fields"]]  # type: ignore[index]
    assert "*Failed task*\nload" in fields
