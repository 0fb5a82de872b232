"""A real HTTP server for API tests: uvicorn on a free loopback port, serving ``create_app(engine)``
for the ``engine`` fixture (so once per backend), and an ``httpx.AsyncClient`` pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from lanner.api.app import create_app
from lanner.engine.engine import Engine

from ...live_server import LiveServer, serve

__all__ = ["LiveServer"]


@pytest.fixture
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    async with serve(create_app(engine), engine) as live:
        yield live


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        yield http
