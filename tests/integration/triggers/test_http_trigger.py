"""The HTTP polling trigger, polled by the real scheduler (fake clock) against a local HTTP server."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest

from lanner.errors import FlowValidationError
from tests.integration.plugins.mock_http import Call, MockServer

from .conftest import EngineFactory, FakeClock, executions_of

TOKEN = "tok-3f9a-secret"


def flow(uri: str, extra: str = "") -> str:
    return f"""
id: price_alert
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ trigger.body }}}}"
triggers:
  - id: http
    type: io.kestra.plugin.core.http.Trigger
    uri: {uri}
    interval: PT30S
{extra}"""


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockServer]:
    server = MockServer()
    state = {"price": 120, "status": 200}

    @server.route("GET", "/products/1")
    def product(call: Call) -> tuple[int, object]:
        return state["status"], {"id": 1, "price": state["price"]}

    server.state = state  # type: ignore[attr-defined]
    monkeypatch.setenv("LANNER_SECRET_API_TOKEN", TOKEN)
    with server.serve():
        yield server


CONDITION = """\
    responseCondition: "{{ json(response.body).price <= 110 }}"
    headers:
      Authorization: "Bearer {{ secret('API_TOKEN') }}"
"""


async def test_a_true_condition_starts_one_execution_with_the_response(
    new_engine: EngineFactory, clock: FakeClock, api: MockServer
) -> None:
    engine = await new_engine()
    await engine.deploy(flow(f"{api.url}/products/1", CONDITION))

    assert await engine.scheduler.run_once() == 0  # price 120: the condition is false
    assert await executions_of(engine.store, "company.team", "price_alert") == []
    assert api.paths("GET") == ["/products/1"]
    assert api.calls[0].headers["authorization"] == f"Bearer {TOKEN}"

    api.state["price"] = 100  # type: ignore[attr-defined]
    assert await engine.scheduler.run_once() == 0  # not due: the interval is 30 s
    assert len(api.calls) == 1
    clock.advance(seconds=29)
    assert await engine.scheduler.run_once() == 0
    assert len(api.calls) == 1
    clock.advance(seconds=1)
    assert await engine.scheduler.run_once() == 1
    assert len(api.calls) == 2

    [execution] = await executions_of(engine.store, "company.team", "price_alert")
    trigger = execution["trigger"]
    assert isinstance(trigger, dict)
    assert trigger["id"] == "http"
    variables = trigger["variables"]
    assert variables["code"] == variables["statusCode"] == 200
    assert variables["uri"] == f"{api.url}/products/1"
    assert variables["body"] == '{"id": 1, "price": 100}'
    assert variables["headers"]["content-type"] == ["application/json"]


async def test_the_default_condition_skips_error_responses_and_polling_goes_on(
    new_engine: EngineFactory, clock: FakeClock, api: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    engine = await new_engine()
    await engine.deploy(flow(f"{api.url}/products/1"))
    api.state["status"] = 503  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING):
        assert await engine.scheduler.run_once() == 0
    assert "HTTP 503" in caplog.text and "condition false" in caplog.text
    assert await executions_of(engine.store, "company.team", "price_alert") == []

    api.state["status"] = 200  # type: ignore[attr-defined]
    clock.advance(seconds=30)
    assert await engine.scheduler.run_once() == 1  # default condition: statusCode < 400
    assert len(api.calls) == 2


async def test_a_refused_connection_is_logged_without_secrets_and_polled_again(
    new_engine: EngineFactory, clock: FakeClock, api: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    engine = await new_engine()
    await engine.deploy(flow(f"http://127.0.0.1:{closed}/status?token={{{{ secret('API_TOKEN') }}}}"))
    with caplog.at_level(logging.WARNING):
        assert await engine.scheduler.run_once() == 0
    assert "polling trigger company.team.price_alert.http failed" in caplog.text
    assert f"127.0.0.1:{closed}/status?token={{{{ secret('API_TOKEN') }}}}" in caplog.text
    assert TOKEN not in caplog.text
    state = await engine.store.get_trigger_state("company.team", "price_alert", "http")
    assert state is not None and state.locked_by is None and state.next_date == clock.now + timedelta(seconds=30)

    # the same trigger, now pointing at a live server, polls again after the interval
    await engine.deploy(flow(f"{api.url}/products/1"))
    assert await engine.scheduler.run_once() == 0  # not due yet
    clock.advance(seconds=30)
    assert await engine.scheduler.run_once() == 1
    assert await executions_of(engine.store, "company.team", "price_alert") != []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("    encryptBody: true\n", "encryptBody"),
        ("    interval: every minute\n", "interval"),
        ("    method: 42\n    responseCondition: ''\n", "responseCondition"),
    ],
)
async def test_invalid_properties_are_located(new_engine: EngineFactory, extra: str, expected: str) -> None:
    engine = await new_engine()
    source = flow("http://127.0.0.1:9/x", extra).replace(
        "    interval: PT30S\n", "" if "interval" in extra else "    interval: PT30S\n"
    )
    with pytest.raises(FlowValidationError) as caught:
        await engine.deploy(source)
    assert re.search(rf"<flow>:1\d:\d+: triggers\[0\]\.{expected}: ", str(caught.value)), str(caught.value)


async def test_a_missing_uri_is_reported(new_engine: EngineFactory) -> None:
    engine = await new_engine()
    source = flow("x").replace("    uri: x\n", "")
    with pytest.raises(FlowValidationError) as caught:
        await engine.deploy(source)
    assert re.search(r"<flow>:\d+:\d+: triggers\[0\].*uri", str(caught.value)), str(caught.value)
