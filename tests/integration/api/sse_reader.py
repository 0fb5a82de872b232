"""Reading Server-Sent Events from the live server, and polling it, for the API tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Frame:
    id: str | None
    data: Any


async def sse_frames(response: httpx.Response) -> AsyncIterator[Frame]:
    """The events of an open ``text/event-stream`` response, as they come."""
    assert response.status_code == 200, await response.aread()
    assert response.headers["content-type"].startswith("text/event-stream")
    event_id: str | None = None
    data: list[str] = []
    async for line in response.aiter_lines():
        if line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and data:
            yield Frame(event_id, json.loads("\n".join(data)))
            event_id, data = None, []


async def read_sse(client: httpx.AsyncClient, url: str, timeout: float = 30) -> list[Frame]:
    """Every event of the stream, until the server ends it (fails after ``timeout`` seconds)."""

    async def read() -> list[Frame]:
        async with client.stream("GET", url) as response:
            return [frame async for frame in sse_frames(response)]

    return await asyncio.wait_for(read(), timeout)


async def poll_execution(
    client: httpx.AsyncClient, execution_id: str, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30
) -> dict[str, Any]:
    """GET the execution until ``predicate`` holds on its JSON (no fixed sleeps)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        response = await client.get(f"/api/v1/executions/{execution_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if predicate(body):
            return body
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: state {body['state']['current']}")
        await asyncio.sleep(0.02)


def state_is(*states: str) -> Callable[[dict[str, Any]], bool]:
    return lambda body: body["state"]["current"] in states
