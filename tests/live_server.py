"""A real HTTP server for tests: uvicorn on a free loopback port, in the test's event loop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from lanner.engine.engine import Engine


@dataclass
class LiveServer:
    url: str
    engine: Engine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def serve(app: FastAPI, engine: Engine, *, startup_timeout: float = 10) -> AsyncIterator[LiveServer]:
    """Serve ``app`` until the block ends; open event streams do not hold the shutdown."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + startup_timeout
    while not srv.started:
        if task.done():
            task.result()
        if loop.time() > deadline:
            raise AssertionError(f"test server did not start within {startup_timeout} s")
        await asyncio.sleep(0.01)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", engine)
    finally:
        srv.should_exit = True
        srv.force_exit = True
        await task
