"""HTTP Request and Download against a real local server."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from lanner.errors import TaskFailure
from lanner.tasks.core.http import Download, Request

from .fake_context import FakeRunContext


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        if path == "/json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Multi", "a")
            self.send_header("X-Multi", "b")
            payload = b'{"ok": true}'
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        elif path == "/echo":
            echo = {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", errors="replace"),
            }
            self._send(200, json.dumps(echo).encode(), {"Content-Type": "application/json"})
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self._send(code, f"error detail {code}".encode(), {"Content-Type": "text/plain"})
        elif path == "/basic":
            expected = "Basic " + base64.b64encode(b"ada:s3cret").decode()
            if self.headers.get("Authorization") == expected:
                self._send(200, b"welcome")
            else:
                self._send(401, b"who are you?", {"WWW-Authenticate": 'Basic realm="test"'})
        elif path == "/redirect":
            self._send(302, b"", {"Location": "/json"})
        elif path == "/slow":
            time.sleep(2)
            self._send(200, b"late")
        elif path == "/binary":
            self._send(200, bytes([0xFF, 0xFE, 0x00, 0x81]), {"Content-Type": "application/octet-stream"})
        elif path == "/report":
            self._send(200, b"a,b\n1,2\n", {"Content-Disposition": 'attachment; filename="data.csv"'})
        elif path == "/files/orders%20v2.csv":
            self._send(200, b"id\n1\n2\n3\n")
        elif path == "/empty":
            self._send(200, b"")
        else:
            self._send(404, b"not found")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _route


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def ctx(tmp_path: Path) -> FakeRunContext:
    return FakeRunContext(tmp_path, variables={"inputs": {"title": "Pen", "user": "ada"}})


def request(**props: Any) -> Request:
    return Request.model_validate({"id": "req", "type": "io.kestra.plugin.core.http.Request", **props})


def download(**props: Any) -> Download:
    return Download.model_validate({"id": "dl", "type": "io.kestra.plugin.core.http.Download", **props})


async def test_get_returns_code_headers_and_body(ctx: FakeRunContext, server: str) -> None:
    outputs = await request(uri=f"{server}/json").run(ctx)

    assert outputs["code"] == 200
    assert outputs["body"] == '{"ok": true}'
    assert outputs["uri"] == f"{server}/json"
    assert outputs["headers"]["x-multi"] == ["a", "b"]
    assert outputs["headers"]["content-type"] == ["application/json"]


async def test_post_json_body_with_headers(ctx: FakeRunContext, server: str) -> None:
    task = request(
        uri=f"{server}/echo?q={{{{ inputs.user }}}}",
        method="POST",
        headers={"X-Token": "t-{{ inputs.user }}"},
        body='{"title": "{{ inputs.title }}"}',
    )

    echo = json.loads((await task.run(ctx))["body"])

    assert echo["method"] == "POST"
    assert echo["path"] == "/echo?q=ada"
    assert echo["body"] == '{"title": "Pen"}'
    assert echo["headers"]["content-type"] == "application/json"
    assert echo["headers"]["x-token"] == "t-ada"


async def test_map_body_is_sent_as_json(ctx: FakeRunContext, server: str) -> None:
    echo = json.loads((await request(uri=f"{server}/echo", method="PUT", body={"a": 1}).run(ctx))["body"])

    assert json.loads(echo["body"]) == {"a": 1}


async def test_form_data_is_url_encoded(ctx: FakeRunContext, server: str) -> None:
    task = request(uri=f"{server}/echo", method="POST", formData={"user": "{{ inputs.user }}", "n": 2})

    echo = json.loads((await task.run(ctx))["body"])

    assert echo["body"] == "user=ada&n=2"
    assert echo["headers"]["content-type"] == "application/x-www-form-urlencoded"


async def test_multipart_uploads_stored_files(ctx: FakeRunContext, server: str) -> None:
    uri = await ctx.storage.put_bytes(b"id\n7\n", "orders.csv")
    task = request(
        uri=f"{server}/echo",
        method="POST",
        contentType="multipart/form-data",
        formData={"file": uri, "renamed": {"name": "my.csv", "content": uri}, "user": "ada"},
    )

    echo = json.loads((await task.run(ctx))["body"])

    assert echo["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert 'name="file"; filename="orders.csv"' in echo["body"]
    assert 'name="renamed"; filename="my.csv"' in echo["body"]
    assert "id\n7\n" in echo["body"]
    assert 'name="user"' in echo["body"]


async def test_error_status_fails_with_status_and_body(ctx: FakeRunContext, server: str) -> None:
    with pytest.raises(TaskFailure) as failure:
        await request(uri=f"{server}/status/503").run(ctx)

    assert "HTTP 503" in str(failure.value)
    assert "error detail 503" in str(failure.value)


async def test_allow_failed_and_allowed_codes(ctx: FakeRunContext, server: str) -> None:
    outputs = await request(uri=f"{server}/status/404", options={"allowFailed": True}).run(ctx)
    assert outputs["code"] == 404
    assert outputs["body"] == "error detail 404"

    legacy = await request(uri=f"{server}/status/500", allowFailed=True).run(ctx)
    assert legacy["code"] == 500

    allowed = await request(uri=f"{server}/status/404", options={"allowedResponseCodes": [404]}).run(ctx)
    assert allowed["code"] == 404
    with pytest.raises(TaskFailure, match="HTTP 200"):
        await request(uri=f"{server}/json", options={"allowedResponseCodes": [404]}).run(ctx)


async def test_basic_auth_and_secret_masking(ctx: FakeRunContext, server: str) -> None:
    with pytest.raises(TaskFailure, match="HTTP 401"):
        await request(uri=f"{server}/basic").run(ctx)

    task = request(uri=f"{server}/basic", options={"auth": {"type": "BASIC", "username": "ada", "password": "s3cret"}})
    assert (await task.run(ctx))["body"] == "welcome"
    assert "s3cret" in ctx.masked

    legacy = request(uri=f"{server}/basic", options={"basicAuthUser": "ada", "basicAuthPassword": "s3cret"})
    assert (await legacy.run(ctx))["code"] == 200


async def test_bearer_token_header(ctx: FakeRunContext, server: str) -> None:
    task = request(uri=f"{server}/echo", options={"auth": {"type": "BEARER", "token": "tok-{{ inputs.user }}"}})

    echo = json.loads((await task.run(ctx))["body"])

    assert echo["headers"]["authorization"] == "Bearer tok-ada"
    assert "tok-ada" in ctx.masked


async def test_redirects_are_followed_unless_disabled(ctx: FakeRunContext, server: str) -> None:
    assert (await request(uri=f"{server}/redirect").run(ctx))["body"] == '{"ok": true}'

    outputs = await request(uri=f"{server}/redirect", options={"followRedirects": False}).run(ctx)
    assert outputs["code"] == 302


async def test_read_timeout(ctx: FakeRunContext, server: str) -> None:
    task = request(uri=f"{server}/slow", options={"timeout": {"readIdleTimeout": "PT0.2S"}})

    with pytest.raises(TaskFailure, match="timed out"):
        await task.run(ctx)


async def test_connection_refused_is_a_clear_failure(ctx: FakeRunContext) -> None:
    with pytest.raises(TaskFailure, match=re.escape("http://127.0.0.1:9/x")) as failure:
        await request(uri="http://127.0.0.1:9/x").run(ctx)
    assert failure.value.retryable


async def test_uri_needs_a_scheme(ctx: FakeRunContext) -> None:
    with pytest.raises(TaskFailure, match="must start with http") as failure:
        await request(uri="example.com/x").run(ctx)
    assert not failure.value.retryable


async def test_binary_response_points_to_download(ctx: FakeRunContext, server: str) -> None:
    with pytest.raises(TaskFailure, match="Download task"):
        await request(uri=f"{server}/binary").run(ctx)


async def test_request_logs_when_asked(ctx: FakeRunContext, server: str) -> None:
    await request(uri=f"{server}/json", options={"logs": ["RESPONSE_HEADERS", "RESPONSE_BODY"]}).run(ctx)

    assert any(m.startswith("response 200 headers:") for m in ctx.logger.messages("INFO"))
    assert 'response body: {"ok": true}' in ctx.logger.messages("INFO")


def test_fs_alias_and_legacy_options_validate() -> None:
    task = Request.model_validate(
        {
            "id": "r",
            "type": "io.kestra.plugin.fs.http.Request",
            "uri": "https://example.com",
            "options": {"connectTimeout": "PT1M", "readTimeout": "PT30S", "connectionPoolIdleTimeout": "PT10S"},
        }
    )
    assert task.options.readTimeout is not None


async def test_download_stores_the_file(ctx: FakeRunContext, server: str) -> None:
    outputs = await download(uri=f"{server}/report").run(ctx)

    assert outputs["code"] == 200
    assert outputs["length"] == 8
    assert outputs["uri"].endswith("/data.csv")
    assert await ctx.storage.get_bytes(outputs["uri"]) == b"a,b\n1,2\n"
    assert outputs["headers"]["content-disposition"] == ['attachment; filename="data.csv"']
    assert ("response.length", 8, "counter", {}) in ctx.metrics


async def test_download_names_the_file_after_the_url(ctx: FakeRunContext, server: str) -> None:
    outputs = await download(uri=f"{server}/files/orders v2.csv").run(ctx)

    assert outputs["uri"].endswith("/orders_v2.csv")  # a name safe in a URI
    assert await ctx.storage.get_bytes(outputs["uri"]) == b"id\n1\n2\n3\n"


async def test_download_error_status_fails(ctx: FakeRunContext, server: str) -> None:
    with pytest.raises(TaskFailure, match="HTTP 404 Not Found: error detail 404"):
        await download(uri=f"{server}/status/404").run(ctx)


async def test_download_empty_response(ctx: FakeRunContext, server: str) -> None:
    with pytest.raises(TaskFailure, match="no content"):
        await download(uri=f"{server}/empty").run(ctx)

    outputs = await download(uri=f"{server}/empty", failOnEmptyResponse=False).run(ctx)
    assert outputs["length"] == 0
    assert any("empty" in m for m in ctx.logger.messages("WARN"))


async def test_encrypt_body_is_refused(ctx: FakeRunContext, server: str) -> None:
    with pytest.raises(TaskFailure, match="encryptBody"):
        await request(uri=f"{server}/json", encryptBody=True).run(ctx)
