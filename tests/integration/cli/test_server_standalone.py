"""``lanner server standalone``: every component in one process on the configured database
(PostgreSQL through ``LANNER_DATABASE_URL``, or SQLite), and a stop that open follow streams
(Server-Sent Events) do not hold up."""

from __future__ import annotations

import os
import signal
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from ._process import Proc, cli_env, start
from .test_server import Server, free_port

PG_URL = os.environ.get("LANNER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SCHEMA = f"lanner_standalone_{uuid.uuid4().hex[:10]}"

HELLO = """
id: hello
namespace: company.team
tasks:
  - id: greet
    type: io.kestra.plugin.core.debug.Return
    format: "hello from {{ flow.id }}"
"""
HOLD = """
id: hold
namespace: company.team
tasks:
  - id: wait_for_me
    type: io.kestra.plugin.core.flow.Pause
"""


def _pg_reachable() -> bool:
    try:
        with psycopg.connect(PG_URL, connect_timeout=5):
            return True
    except psycopg.OperationalError:
        return False


def standalone(root: Path, name: str, **env: str) -> Proc:
    args = ["server", "standalone", "--port", str(free_port()), "--data-dir", str(root / name / "data")]
    # a one-second grace: the follow stream left open by the test is closed then
    return start(*args, cwd=root, folder=root / name, env=cli_env(LANNER_SERVER_SHUTDOWN_TIMEOUT="1", **env))


def launch(root: Path) -> dict[str, Proc]:
    procs = {"sqlite": standalone(root, "sqlite")}
    if _pg_reachable():
        procs["postgres"] = standalone(root, "postgres", LANNER_DATABASE_URL=PG_URL, LANNER_DATABASE_SCHEMA=SCHEMA)
    return procs


@pytest.fixture(scope="module")
def drop_schema() -> Iterator[None]:
    yield
    if _pg_reachable():
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')


def open_follow_stream(url: str, execution_id: str) -> socket.socket:
    """A follow request whose answer has started streaming; the caller keeps it open."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    request = f"GET /api/v1/executions/{execution_id}/follow HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n"
    sock.sendall(request.encode())
    received = b""
    while b"event" not in received and b"data:" not in received:
        chunk = sock.recv(4096)
        assert chunk, f"the stream closed at once: {received!r}"
        received += chunk
    assert received.startswith(b"HTTP/1.1 200"), received
    return sock


def rest_of(stream: socket.socket) -> bytes:
    """What the server still sends until it closes the connection."""
    received = b""
    while chunk := stream.recv(4096):
        received += chunk
    return received


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_standalone_runs_flows_and_stops_with_a_stream_open(runs: dict[str, Proc], backend: str, drop_schema: None) -> None:
    if backend not in runs:
        message = f"PostgreSQL unreachable at {PG_URL}"
        if _IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    server = Server(runs[backend])
    stream: socket.socket | None = None
    try:
        server.wait_ready()
        api = f"{server.url}/api/v1"
        for source in (HELLO, HOLD):
            created = httpx.post(f"{api}/flows", content=source, headers={"Content-Type": "application/x-yaml"}, timeout=10)
            assert created.status_code == 200, created.text

        done = httpx.post(f"{api}/executions/company.team/hello", params={"wait": "true"}, timeout=60)
        assert done.status_code == 200, done.text
        assert done.json()["state"]["current"] == "SUCCESS"
        greet = done.json()["taskRunList"][0]
        assert greet["outputs"] == {"value": "hello from hello"}

        paused = httpx.post(f"{api}/executions/company.team/hold", timeout=10).json()
        stream = open_follow_stream(server.url, paused["id"])

        result, _ = server.stop(signal.SIGTERM, timeout=30)
        ending = rest_of(stream)
    finally:
        if stream is not None:
            stream.close()
        server.proc.stop()
    assert result.code in (0, -signal.SIGTERM), result.describe()
    assert "Traceback" not in result.output, result.describe()
    assert ending.endswith(b"0\r\n\r\n"), ending  # the stream was ended, not cut
