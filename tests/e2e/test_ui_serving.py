"""How the server serves the UI build (no browser needed): a build in a temporary folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from lanner.api.ui import install_ui


def _client(directory: Path) -> httpx.AsyncClient:
    app = FastAPI()
    install_ui(app, directory)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lanner.test")


@pytest.fixture
async def built(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    dist = tmp_path / "ui_dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><div id="root"></div>')
    (dist / "assets" / "index-abc123.js").write_text("console.log('app')")
    (dist / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("not for the web")
    async with _client(dist) as client:
        yield client


async def test_pages_of_the_app_get_index_html(built: httpx.AsyncClient) -> None:
    for path in ("/ui/", "/ui/flows", "/ui/flows/edit/company.team/hello", "/ui/executions/a/b/c"):
        answer = await built.get(path)
        assert answer.status_code == 200, path
        assert '<div id="root">' in answer.text
        assert answer.headers["cache-control"] == "no-cache"
    assert (await built.head("/ui/flows")).status_code == 200


async def test_assets_are_cached_for_good_and_scripts_are_javascript(built: httpx.AsyncClient) -> None:
    script = await built.get("/ui/assets/index-abc123.js")
    assert script.status_code == 200 and script.text == "console.log('app')"
    assert script.headers["content-type"].startswith("application/javascript")
    assert "immutable" in script.headers["cache-control"]
    icon = await built.get("/ui/favicon.svg")
    assert icon.headers["content-type"].startswith("image/svg+xml") and icon.headers["cache-control"] == "no-cache"
    missing = await built.get("/ui/assets/old-bundle.js")
    assert missing.status_code == 404


async def test_nothing_outside_the_build_is_served(built: httpx.AsyncClient) -> None:
    for path in ("/ui/../secret.txt", "/ui/%2e%2e/secret.txt", "/ui/..%2fsecret.txt", "/ui/assets/../../secret.txt"):
        answer = await built.get(path)
        assert "not for the web" not in answer.text, path


async def test_home_redirects_to_the_ui(built: httpx.AsyncClient) -> None:
    for path in ("/", "/ui"):
        answer = await built.get(path)
        assert answer.status_code == 307 and answer.headers["location"] == "/ui/"


async def test_a_server_without_the_build_says_how_to_build_it(tmp_path: Path) -> None:
    async with _client(tmp_path / "absent") as client:
        answer = await client.get("/ui/flows")
    assert answer.status_code == 503
    assert "make ui" in answer.text and "/api/v1/docs" in answer.text
