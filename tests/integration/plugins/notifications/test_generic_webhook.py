"""The generic JSON webhook notification (`lanner.notifications.Webhook`) against a local server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lanner.errors import FlowValidationError, TaskFailure
from lanner.models.state import State
from lanner.plugins.notifications.webhook import Webhook
from tests.unit.tasks.fake_context import FakeRunContext

from ...harness import Harness
from ..mock_http import Call, MockServer, Reply

API_KEY = "k-91c2-very-secret"


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockServer]:
    server = MockServer()

    @server.route("POST", "/events")
    def events(call: Call) -> Reply:
        if call.headers.get("x-api-key") != API_KEY:
            return 401, {"error": "bad api key"}
        return 202, {"accepted": True}

    monkeypatch.setenv("LANNER_SECRET_ALERTS_API_KEY", API_KEY)
    with server.serve():
        yield server


def task(url: str, **extra: object) -> Webhook:
    return Webhook.model_validate({"id": "notify", "type": "lanner.notifications.Webhook", "url": url, **extra})


async def test_payload_and_headers_are_posted_as_json(service: MockServer, tmp_path: Path) -> None:
    ctx = FakeRunContext(tmp_path)
    outputs = await task(
        f"{service.url}/events",
        payload={"event": "flow {{ flow.id }} failed", "severity": "high"},
        headers={"X-Api-Key": API_KEY, "X-Source": "lanner"},
    ).run(ctx)
    assert outputs == {"code": 202, "body": '{"accepted": true}'}
    [call] = service.calls
    assert call.json == {"event": "flow flow failed", "severity": "high"}
    assert call.headers["content-type"] == "application/json"
    assert call.headers["x-source"] == "lanner"


async def test_an_error_status_fails_with_the_answer(service: MockServer, tmp_path: Path) -> None:
    with pytest.raises(TaskFailure) as caught:
        await task(f"{service.url}/events", payload='{"event": "x"}', headers={"X-Api-Key": "wrong"}).run(
            FakeRunContext(tmp_path)
        )
    assert "401" in str(caught.value) and "bad api key" in str(caught.value)


async def test_text_payload_must_be_json(service: MockServer, tmp_path: Path) -> None:
    with pytest.raises(TaskFailure, match="not valid JSON after rendering: line 1"):
        await task(f"{service.url}/events", payload="{event: x}").run(FakeRunContext(tmp_path))
    assert service.calls == []


FLOW = """
id: notify
namespace: company.team
tasks:
  - id: notify
    type: lanner.notifications.Webhook
    url: "{url}/events"
    headers:
      X-Api-Key: "{{{{ secret('ALERTS_API_KEY') }}}}"
    payload:
      text: "execution {{{{ execution.id }}}} of {{{{ flow.id }}}}"
"""


async def test_in_a_flow_the_secret_header_is_sent_and_never_logged(service: MockServer, harness: Harness) -> None:
    result = await harness.run(FLOW.format(url=service.url))
    assert result.state == State.SUCCESS, await result.logs()
    [call] = service.calls
    assert call.headers["x-api-key"] == API_KEY
    assert call.json == {"text": f"execution {result.execution.id} of notify"}
    assert result.outputs("notify")["code"] == 202
    assert not any(API_KEY in line for line in await result.logs())


async def test_a_missing_url_is_located(harness: Harness) -> None:
    with pytest.raises(FlowValidationError, match=r"<flow>:\d+:\d+: tasks\[0\].*url"):
        await harness.engine.deploy(FLOW.replace('    url: "{url}/events"\n', ""))
