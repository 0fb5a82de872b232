"""Authentication over real HTTP, on both backends: basic auth and API tokens, the public
endpoints, bypass attempts by path spelling (sent raw, unnormalised), CORS, and the server
refusing to listen beyond loopback without credentials."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from lanner.api.app import create_app
from lanner.cli.main import app as cli
from lanner.cli.server_cmd import is_loopback
from lanner.engine.engine import Engine
from lanner.settings import Settings, load_settings

from ...live_server import LiveServer, serve

TOKEN = "t0ken-for-tests-0123456789"
USER, PASSWORD = "ada", "lovelace-pw"
FLOW = "id: hello\nnamespace: company.team\ntasks:\n  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"


async def _serve(engine: Engine, settings: Settings) -> AsyncIterator[LiveServer]:
    async with serve(create_app(engine, settings), engine) as live:
        yield live


@pytest.fixture
async def auth_server(engine: Engine) -> AsyncIterator[LiveServer]:
    """The API with basic auth and a token configured (as LANNER_AUTH_* variables would)."""
    settings = load_settings(
        environ={
            "LANNER_AUTH_BASIC_USERNAME": USER,
            "LANNER_AUTH_BASIC_PASSWORD": PASSWORD,
            "LANNER_AUTH_TOKENS": TOKEN,
            "LANNER_SERVER_CORS_ORIGINS": "https://ui.example.com",
        }
    )
    async for live in _serve(engine, settings):
        await engine.deploy(FLOW)
        yield live


async def raw_request(url: str, target: str, method: str = "GET", headers: dict[str, str] | None = None) -> int:
    """Send ``target`` exactly as written (no client-side normalisation); the status code."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close", "Content-Length: 0"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def test_credentials_are_required_and_accepted(auth_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=auth_server.url) as http:
        refused = await http.get("/api/v1/flows/search")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Basic")
        assert "Authorization" in refused.json()["message"]

        token = await http.get("/api/v1/flows/search", headers={"Authorization": f"Bearer {TOKEN}"})
        assert token.status_code == 200
        assert [f["id"] for f in token.json()["results"]] == ["hello"]
        assert (await http.get("/api/v1/main/flows/search", headers=basic(USER, PASSWORD))).status_code == 200
        assert (await http.get("/api/v1/namespaces/company.team/kv", headers=basic(USER, PASSWORD))).status_code == 200

        for wrong in (
            {"Authorization": f"Bearer {TOKEN}x"},
            {"Authorization": f"Bearer {TOKEN[:-1]}"},
            {"Authorization": "Bearer"},
            {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": "Basic !!!not-base64"},
            {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
            basic(USER, PASSWORD + "x"),
            basic(USER.upper(), PASSWORD),
            basic("", ""),
            {"Authorization": f"Token {TOKEN}"},
            {"X-Api-Key": TOKEN},
        ):
            assert (await http.get("/api/v1/flows/search", headers=wrong)).status_code == 401, wrong


async def test_only_health_and_keyed_webhooks_are_public(auth_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=auth_server.url) as http:
        health = await http.get("/health")
        assert health.status_code == 200
        assert health.json()["status"] == "UP"
        for path in ("/api/v1/docs", "/api/v1/openapi.json", "/api/v1/namespaces/company.team/files/directory"):
            assert (await http.get(path)).status_code == 401, path
    for webhook in (
        "/api/v1/executions/webhook/company.team/hello/key",
        "/api/v1/main/executions/webhook/company.team/hello/key",
    ):
        # no authentication asked: the webhook route answers itself (whatever it says of this key)
        assert await raw_request(auth_server.url, webhook, "POST") != 401


async def test_the_ui_shell_is_public_and_its_api_calls_get_no_browser_dialog(auth_server: LiveServer) -> None:
    """The app's shell and assets hold no data: they load without credentials, and the app's
    own login page asks for them; its API calls (``X-Requested-With``) get no ``WWW-Authenticate``."""
    for target in ("/", "/ui", "/ui/", "/ui/flows/edit/company.team/hello", "/ui/assets/missing.js"):
        for method in ("GET", "HEAD"):
            assert await raw_request(auth_server.url, target, method) != 401, (method, target)
    for target in ("/ui/", "/ui/flows"):
        for method in ("POST", "PUT", "DELETE"):
            assert await raw_request(auth_server.url, target, method) == 401, (method, target)
    async with httpx.AsyncClient(base_url=auth_server.url) as http:
        from_ui = await http.get("/api/v1/flows/search", headers={"X-Requested-With": "XMLHttpRequest"})
        assert from_ui.status_code == 401
        assert "www-authenticate" not in from_ui.headers
        ok = {"X-Requested-With": "XMLHttpRequest", **basic(USER, PASSWORD)}
        assert (await http.get("/api/v1/flows/search", headers=ok)).status_code == 200


BYPASSES = [
    "/ui/../api/v1/flows/search",
    "/ui/%2e%2e/api/v1/flows/search",
    "/ui/..%2Fapi%2Fv1%2Fflows%2Fsearch",
    "/ui//api/v1/flows/search",
    "/ui/./../api/v1/flows/search",
    "/ui\\..\\api/v1/flows/search",
    "/api/v1/ui/flows/search",
    "/api/v1/flows/search/",
    "//api/v1/flows/search",
    "/api/v1//flows/search",
    "/api/v1/flows%2Fsearch",
    "/API/v1/flows/search",
    "/Health",
    "/health/",
    "/health/../api/v1/flows/search",
    "/health%2F..%2Fapi%2Fv1%2Fflows%2Fsearch",
    "/api/v1/executions/webhook/../flows",
    "/api/v1/executions/webhook/../../flows/search",
    "/api/v1/executions/webhook/a/../../../flows/search",
    "/api/v1/executions/webhook/a/b/..",
    "/api/v1/executions/webhook/a/b/%2e%2e",
    "/api/v1/executions/webhook/a/b/%2E%2E%2F%2E%2E",
    "/api/v1/executions/webhook/a%2Fb/c/d",
    "/api/v1/executions/webhook/a/b/c/d",
    "/api/v1/executions/webhook/a/b//c",
    "/api/v1/executions/webhook/a/./b",
    "/api/v1/executions/webhook/a/b/c%252F..",
    "/api/v1/executions/webhook\\a/b/c",
    "/api/v1/EXECUTIONS/webhook/a/b/c",
    "/api/v1/main/../flows/search",
    "/api/v1/main/main/executions/webhook/a/b/c",
    "/api/v1/executions/webhook/",
    "http://evil/api/v1/flows/search",
]


async def test_bypass_attempts_all_get_401(auth_server: LiveServer) -> None:
    for target in BYPASSES:
        for method in ("GET", "POST", "PUT", "DELETE"):
            assert await raw_request(auth_server.url, target, method) == 401, (method, target)
    # a preflight-looking request is not a way around either
    assert await raw_request(auth_server.url, "/api/v1/flows/search", "OPTIONS") == 401


async def test_cors_headers_only_for_configured_origins(server: LiveServer, auth_server: LiveServer) -> None:
    preflight = {"Origin": "https://ui.example.com", "Access-Control-Request-Method": "GET"}
    async with httpx.AsyncClient(base_url=server.url) as http:  # no cors_origins configured
        answer = await http.options("/api/v1/flows/search", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
        plain = await http.get("/api/v1/flows/search", headers={"Origin": "https://ui.example.com"})
        assert "access-control-allow-origin" not in plain.headers
    async with httpx.AsyncClient(base_url=auth_server.url) as http:
        allowed = await http.options("/api/v1/flows/search", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://ui.example.com"
        other = await http.options("/api/v1/flows/search", headers={**preflight, "Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in other.headers
        read = await http.get("/api/v1/flows/search", headers={"Origin": "https://evil.example.com"})
        assert read.status_code == 401
        assert "access-control-allow-origin" not in read.headers


def test_loopback_hosts() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "LOCALHOST"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.com", "192.168.1.1", ""))


def test_server_refuses_a_public_address_without_credentials(tmp_path: object) -> None:
    env = {"LANNER_AUTH_BASIC_USERNAME": None, "LANNER_AUTH_BASIC_PASSWORD": None, "LANNER_AUTH_TOKENS": None}
    result = CliRunner().invoke(cli, ["server", "local", "--host", "0.0.0.0", "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 1
    assert "without authentication" in result.output
    assert "LANNER_AUTH_TOKENS" in result.output
    half = {**env, "LANNER_AUTH_BASIC_USERNAME": "ada"}
    result = CliRunner().invoke(cli, ["server", "local", "--host", "0.0.0.0", "--data-dir", str(tmp_path)], env=half)
    assert result.exit_code == 1
    assert "auth.basic" in result.output
