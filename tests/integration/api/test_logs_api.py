"""Logs API over real HTTP: list with filters, download, follow; secrets never shown."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from .conftest import LiveServer
from .sse_reader import Frame, poll_execution, read_sse, sse_frames, state_is

LOGS = "/api/v1/logs"
EXECUTIONS = "/api/v1/executions"

LEVELS_FLOW = """
id: levels
namespace: company.team
tasks:
  - id: chatty
    type: io.kestra.plugin.core.log.Log
    level: DEBUG
    message: ["debug line", "second debug line"]
  - id: loud
    type: io.kestra.plugin.core.log.Log
    level: ERROR
    message: error line
  - id: polite
    type: io.kestra.plugin.core.log.Log
    message: info line
"""

PAUSED_LOGS_FLOW = """
id: halves
namespace: company.team
tasks:
  - id: before
    type: io.kestra.plugin.core.log.Log
    message: before the pause
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: ["after the pause", "the very end"]
"""

SECRET_FLOW = """
id: secretive
namespace: company.team
tasks:
  - id: leak
    type: io.kestra.plugin.core.log.Log
    message: "the key is {{ secret('API_KEY') }}"
  - id: give
    type: io.kestra.plugin.core.debug.Return
    format: "{{ secret('API_KEY') }}"
"""


async def _run(server: LiveServer, client: httpx.AsyncClient, source: str, **params: Any) -> dict[str, Any]:
    stored = await server.engine.deploy(source)
    response = await client.post(f"{EXECUTIONS}/{stored.namespace}/{stored.id}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _messages(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["message"] for entry in entries]


async def test_list_logs_with_filters(server: LiveServer, client: httpx.AsyncClient) -> None:
    done = await _run(server, client, LEVELS_FLOW, wait=True)
    runs = {run["taskId"]: run for run in done["taskRunList"]}
    url = f"{LOGS}/{done['id']}"

    everything = (await client.get(url)).json()
    assert _messages(everything) == ["debug line", "second debug line", "error line", "info line"]
    first = everything[0]
    assert first["executionId"] == done["id"] and first["namespace"] == "company.team" and first["flowId"] == "levels"
    assert first["taskId"] == "chatty" and first["taskRunId"] == runs["chatty"]["id"] and first["attemptNumber"] == 1
    assert first["level"] == "DEBUG" and first["timestamp"].endswith("Z")

    assert _messages((await client.get(url, params={"minLevel": "INFO"})).json()) == ["error line", "info line"]
    assert _messages((await client.get(url, params={"minLevel": "WARNING"})).json()) == ["error line"]
    assert _messages((await client.get(url, params={"taskId": "polite"})).json()) == ["info line"]
    by_run = await client.get(url, params={"taskRunId": runs["loud"]["id"], "attempt": 1})
    assert _messages(by_run.json()) == ["error line"]
    assert (await client.get(url, params={"attempt": 2})).json() == []
    assert (await client.get(f"/api/v1/main/logs/{done['id']}")).json() == everything

    assert (await client.get(url, params={"minLevel": "LOUD"})).status_code == 422
    assert (await client.get(url, params={"attempt": 0})).status_code == 422
    assert (await client.get(f"{LOGS}/missing")).status_code == 404


async def test_download_logs_as_text(server: LiveServer, client: httpx.AsyncClient) -> None:
    done = await _run(server, client, LEVELS_FLOW, wait=True)
    response = await client.get(f"{LOGS}/{done['id']}/download", params={"minLevel": "INFO"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert f'filename="{done["id"]}.log"' in response.headers["content-disposition"]
    lines = response.text.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("ERROR [loud] error line") and lines[1].endswith("INFO [polite] info line")
    assert (await client.get(f"{LOGS}/missing/download")).status_code == 404


async def test_follow_sends_every_line_once_and_ends_with_the_execution(server: LiveServer, client: httpx.AsyncClient) -> None:
    created = await _run(server, client, PAUSED_LOGS_FLOW)
    await poll_execution(client, created["id"], state_is("PAUSED"))

    async def follow() -> list[Frame]:
        async with client.stream("GET", f"{LOGS}/{created['id']}/follow") as response:
            frames = sse_frames(response)
            seen = [await anext(frames), await anext(frames)]
            await server.engine.resume(created["id"])
            return seen + [frame async for frame in frames]

    frames = await asyncio.wait_for(follow(), 30)

    assert frames[0].id == "start" and frames[0].data == {}
    assert all(frame.id == "progress" for frame in frames[1:])
    assert [frame.data["message"] for frame in frames[1:]] == ["before the pause", "after the pause", "the very end"]
    ended = await client.get(f"{EXECUTIONS}/{created['id']}")
    assert ended.json()["state"]["current"] == "SUCCESS"

    again = await read_sse(client, f"{LOGS}/{created['id']}/follow?minLevel=ERROR")
    assert [frame.id for frame in again] == ["start"]
    assert (await client.get(f"{LOGS}/missing/follow")).status_code == 404


async def test_secrets_never_reach_logs_outputs_or_streams(
    server: LiveServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "tr0ub4dor-and-3"
    monkeypatch.setenv("LANNER_SECRET_API_KEY", secret)
    done = await _run(server, client, SECRET_FLOW, wait=True)
    assert done["state"]["current"] == "SUCCESS"
    execution_id = done["id"]

    seen = [
        str(done),
        (await client.get(f"{EXECUTIONS}/{execution_id}")).text,
        (await client.get(f"{EXECUTIONS}/search")).text,
        (await client.get(f"{LOGS}/{execution_id}")).text,
        (await client.get(f"{LOGS}/{execution_id}/download")).text,
        str(await read_sse(client, f"{LOGS}/{execution_id}/follow")),
        str(await read_sse(client, f"{EXECUTIONS}/{execution_id}/follow")),
    ]

    assert all(secret not in text for text in seen)
    logs = (await client.get(f"{LOGS}/{execution_id}")).json()
    assert "the key is ******" in _messages(logs)
    give = next(run for run in done["taskRunList"] if run["taskId"] == "give")
    assert give["outputs"] == {"value": "******"}
