"""The login page, when the server asks for credentials: the app's shell loads without them,
any 401 leads to the login page (never the browser's own dialog), the credentials live in the
tab's sessionStorage and go with every API call, log streams (SSE) included."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Page, Response, expect

from lanner.api.app import create_app
from lanner.api.ui import UI_DIR
from lanner.engine.engine import Engine
from lanner.settings import load_settings

from ..live_server import LiveServer, serve

USER, PASSWORD, TOKEN = "ada", "lovelace-pw", "t0ken-for-e2e-0123456789"
FLOW = """id: hello
namespace: company.team
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hi from hello
"""
Shot = Callable[[str], Awaitable[Path]]


@pytest.fixture
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    """The app with basic auth and an API token (replaces conftest's open server here)."""
    if not (UI_DIR / "index.html").is_file():
        pytest.skip(f"the web UI is not built ({UI_DIR}): run `make ui`")
    environ = {"LANNER_AUTH_BASIC_USERNAME": USER, "LANNER_AUTH_BASIC_PASSWORD": PASSWORD, "LANNER_AUTH_TOKENS": TOKEN}
    async with serve(create_app(engine, load_settings(environ=environ)), engine) as live:
        await engine.deploy(FLOW)
        yield live


async def log_in(page: Page, user: str, password: str) -> None:
    await page.get_by_label("Username").fill(user)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Log in").click()


async def test_login_logout_and_bounces(page: Page, server: LiveServer, shot: Shot) -> None:
    challenges: list[str] = []

    def watch(response: Response) -> None:
        if response.status == 401 and "www-authenticate" in response.headers:
            challenges.append(response.url)

    page.on("response", watch)
    await page.goto("/ui/flows")
    await expect(page).to_have_url(f"{server.url}/ui/login?next=%2Fflows")

    await log_in(page, USER, "wrong")
    await expect(page.get_by_role("alert")).to_have_text("These credentials are not accepted.")
    await shot("login")
    await log_in(page, USER, PASSWORD)
    await expect(page).to_have_url(f"{server.url}/ui/flows")
    await expect(page.get_by_test_id("flows-table").get_by_role("link", name="hello")).to_be_visible()
    stored = await page.evaluate("[sessionStorage.getItem('lanner.authorization'), JSON.stringify(localStorage)]")
    assert stored[0].startswith("Basic ") and "Basic" not in stored[1]

    # a log stream (fetch with the credentials) of a real execution
    ran = await server.engine.submit("company.team", "hello", {})
    await server.engine.wait(ran.id, timeout=30)
    await page.goto(f"/ui/executions/company.team/hello/{ran.id}?tab=logs")
    await expect(page.get_by_test_id("logs").locator(".log-line", has_text="hi from hello")).to_be_visible()

    await page.get_by_test_id("logout").click()
    await expect(page).to_have_url(f"{server.url}/ui/login")
    await page.goto("/ui/executions")
    await expect(page).to_have_url(f"{server.url}/ui/login?next=%2Fexecutions")

    # credentials that stopped working (a changed password): back to the login page, told why
    await page.evaluate("sessionStorage.setItem('lanner.authorization', 'Basic ' + btoa('ada:old-password'))")
    await page.goto("/ui/namespaces")
    await expect(page).to_have_url(f"{server.url}/ui/login?next=%2Fnamespaces&expired=1")
    await expect(page.get_by_role("status")).to_contain_text("log in again")
    await page.get_by_role("tab", name="API token").click()
    await page.get_by_label("API token").fill(TOKEN)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(f"{server.url}/ui/namespaces")
    await expect(page.get_by_role("link", name="company.team")).to_be_visible()
    assert challenges == []  # no 401 the app saw invited the browser's own password dialog


async def test_api_docs_open_with_the_stored_credentials(page: Page, server: LiveServer) -> None:
    """The sidebar's "API docs" is the app's API reference, read with the stored credentials
    (opening /api/v1/docs directly would get the browser's password dialog)."""
    challenges: list[str] = []
    page.on("response", lambda response: challenges.append(response.url) if response.status == 401 else None)
    await page.goto("/ui/login")
    await log_in(page, USER, PASSWORD)
    await expect(page).to_have_url(f"{server.url}/ui/flows")
    await page.get_by_test_id("api-docs-link").click()
    docs = page.get_by_test_id("api-docs")
    await expect(docs.locator(".card", has_text="Triggers").first).to_contain_text("/api/v1/triggers/search")
    await docs.get_by_label("Filter the API").fill("webhook")
    await expect(docs.locator(".api-op").first).to_contain_text("/api/v1/executions/webhook/")
    assert challenges == []
