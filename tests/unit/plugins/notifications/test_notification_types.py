"""Notification task types as flows see them."""

from __future__ import annotations

import pytest

from lanner.errors import FlowValidationError
from lanner.flows.loader import parse_flow
from lanner.models.registry import default_registry

NAMES = [
    "io.kestra.plugin.notifications.slack.SlackIncomingWebhook",
    "io.kestra.plugin.slack.notifications.SlackIncomingWebhook",
    "io.kestra.plugin.notifications.slack.SlackExecution",
    "io.kestra.plugin.notifications.teams.TeamsIncomingWebhook",
    "io.kestra.plugin.notifications.teams.TeamsExecution",
    "io.kestra.plugin.notifications.discord.DiscordIncomingWebhook",
    "io.kestra.plugin.notifications.discord.DiscordExecution",
    "io.kestra.plugin.notifications.google.GoogleChatIncomingWebhook",
]


@pytest.mark.parametrize("name", NAMES)
def test_kestra_names_are_registered(name: str) -> None:
    assert default_registry().origin[default_registry().canonical(name)] == "notifications"


def test_kestra_slack_flows_validate_and_mistakes_are_located() -> None:
    parse_flow("""
id: failure_alert
namespace: company.team
tasks:
  - id: send_alert
    type: io.kestra.plugin.notifications.slack.SlackExecution
    url: "{{ secret('SLACK_WEBHOOK') }}"
    channel: "#general"
    executionId: "{{trigger.executionId}}"
errors:
  - id: alert_on_failure
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: "{{ secret('SLACK_WEBHOOK') }}"
    payload: |
      {"text": "Failure alert for flow {{ flow.namespace }}.{{ flow.id }} with ID {{ execution.id }}"}
""")
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(
            "id: f\nnamespace: n\ntasks:\n  - id: t\n"
            "    type: io.kestra.plugin.notifications.slack.SlackExecution\n    chanel: x\n"
        )
    summary = caught.value.summary()
    assert "url" in summary and "chanel" in summary and ":6:" in summary
