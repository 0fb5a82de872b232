"""Kestra's own Python client (``kestra.Flow``) against a server that requires an API token,
on both backends: its ``KESTRA_API_TOKEN`` reaches us as ``Authorization: Bearer`` and opens
the API (create with inputs, poll, download the logs); without it, or with a wrong one, the
server answers 401 and the client says authentication is required."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import kestra
import pytest

from lanner.engine.engine import Engine
from lanner.settings import load_settings
from lanner.storage.ports import ExecutionQuery

from .conftest import LiveServer
from .test_auth_api import _serve

TOKEN = "kestra-client-t0ken-0123456789"

FLOW = """
id: greet
namespace: company.team
inputs:
  - id: name
    type: STRING
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "hello {{ inputs.name }}"
"""


@pytest.fixture
async def token_server(engine: Engine) -> AsyncIterator[LiveServer]:
    """Only an API token configured, no basic auth: tokens are accepted as ``Bearer`` credentials
    only, so a client that gets in sent its token that way."""
    settings = load_settings(environ={"LANNER_AUTH_TOKENS": TOKEN})
    async for live in _serve(engine, settings):
        await engine.deploy(FLOW)
        yield live


def _client(monkeypatch: pytest.MonkeyPatch, url: str, token: str | None) -> kestra.Flow:
    for name in ("KESTRA_USER", "KESTRA_PASSWORD", "KESTRA_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KESTRA_HOSTNAME", url)
    if token is not None:
        monkeypatch.setenv("KESTRA_API_TOKEN", token)
    return kestra.Flow(poll_interval=0.02, labels_from_inputs=False)  # type: ignore[arg-type]


async def test_kestra_client_with_an_api_token(token_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    flow = _client(monkeypatch, token_server.url, TOKEN)

    result: Any = await asyncio.to_thread(flow.execute, "company.team", "greet", {"name": "Kay"})

    assert result.status == "SUCCESS"
    assert "hello Kay" in result.log


@pytest.mark.parametrize("token", [None, "not-the-token"], ids=["no-token", "wrong-token"])
async def test_kestra_client_without_the_token_gets_401(
    token_server: LiveServer, monkeypatch: pytest.MonkeyPatch, token: str | None
) -> None:
    flow = _client(monkeypatch, token_server.url, token)

    with pytest.raises(Exception, match="Authentication required"):
        await asyncio.to_thread(flow.execute, "company.team", "greet", {"name": "Kay"})

    # the client turns exactly a 401 into this message; nothing was started
    found = await token_server.engine.store.search_executions(ExecutionQuery(namespace="company.team", flow_id="greet", size=1))
    assert found.total == 0
