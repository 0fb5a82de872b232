"""A real HTTP server for API tests: uvicorn on a free loopback port, serving ``create_app(engine)``
for the ``engine`` fixture (so once per backend), and an ``httpx.AsyncClient`` pointed at it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from lanner.api.app import create_app
from lanner.engine.engine import Engine


@dataclass
class LiveServer:
    url: str
    engine: Engine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    port = _free_port()
    config = uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not srv.started:
        if task.done():
            task.result()
        if loop.time() > deadline:
            raise AssertionError("test server did not start within 10 s")
        await asyncio.sleep(0.01)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", engine)
    finally:
        srv.should_exit = True
        await task


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        yield http
