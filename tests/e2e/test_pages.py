"""The other main pages: the flows list (search, namespace tree, labels, pages), the dashboard,
the plugin documentation, themes, and how the server serves the app (redirect, deep links)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from .conftest import LiveServer

Shot = Callable[[str], Awaitable[Path]]


def _flow(namespace: str, flow_id: str, label: str) -> str:
    return f"""id: {flow_id}
namespace: {namespace}
labels:
  team: {label}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi from {flow_id}
"""


async def test_server_serves_the_app(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        home = await http.get("/")
        assert home.status_code == 307 and home.headers["location"] == "/ui/"
        deep = await http.get("/ui/flows/edit/company.team/hello")  # a page of the app: index.html
        assert deep.status_code == 200 and '<div id="root">' in deep.text
        assert deep.headers["cache-control"] == "no-cache"
        asset = re.search(r'src="(/ui/assets/[^"]+\.js)"', deep.text)
        assert asset is not None
        script = await http.get(asset.group(1))
        assert script.status_code == 200 and "immutable" in script.headers["cache-control"]
        assert (await http.get("/ui/assets/missing.js")).status_code == 404
        assert (await http.get("/ui/../pyproject.toml")).status_code == 404
        escaped = await http.get("/ui/%2e%2e/ui.py")  # never a file outside the build
        assert "import" not in escaped.text
        assert (await http.get("/health")).json()["status"] == "UP"


async def test_flows_list_dashboard_and_themes(page: Page, server: LiveServer, shot: Shot) -> None:
    for index in range(28):
        namespace = "acme.sales" if index % 2 else "acme.data.lake"
        await server.engine.deploy(_flow(namespace, f"flow_{index:02d}", "red" if index % 3 else "blue"))
    await server.engine.deploy(_flow("other", "alpha_report", "blue"))
    ran = await server.engine.submit("other", "alpha_report", {})
    await server.engine.wait(ran.id, timeout=30)

    await page.goto("/ui/flows")
    table = page.get_by_test_id("flows-table")
    await expect(page.locator(".page-sub")).to_have_text("29 flow(s)")
    await expect(table.locator("tbody tr")).to_have_count(25)
    await expect(page.locator(".pagination")).to_contain_text("1\u201325 of 29")
    await page.get_by_role("button", name="Next page").click()
    await expect(table.locator("tbody tr")).to_have_count(4)
    await expect(page).to_have_url(re.compile(r"page=2"))

    # text search; the last execution's state beside the flow
    await page.get_by_label("Search flows").fill("alpha")
    await expect(table.locator("tbody tr")).to_have_count(1)
    row = table.locator("tbody tr").first
    await expect(row.locator("[data-state=SUCCESS]")).to_be_visible()
    await page.get_by_label("Search flows").fill("")

    # the namespace tree: a parent selects its children too
    await page.locator(".filter-aside").get_by_role("button", name="data", exact=True).click()
    await expect(page.locator(".page-sub")).to_have_text("14 flow(s)")
    await shot("flows")
    # a label filters in one click
    await table.locator(".label", has_text="team: blue").first.click()
    await expect(page).to_have_url(re.compile(r"labels=team%3Ablue"))
    await expect(page.locator(".page-sub")).to_have_text("5 flow(s)")

    # a deep link to the editor of a listed flow
    await page.goto("/ui/flows?namespace=other")
    await table.get_by_role("link", name="alpha_report").click()
    await expect(page).to_have_url(re.compile(r"/ui/flows/edit/other/alpha_report$"))
    await expect(page.get_by_test_id("validation-status")).to_have_text("valid")

    # a change saved with Ctrl+S is revision 2; revision 1 opens as a diff and can be loaded back
    await page.locator(".monaco-editor .view-lines").click()
    await page.keyboard.press("Control+End")
    await page.keyboard.type("description: Second revision")
    await expect(page.get_by_test_id("unsaved")).to_be_visible()
    await page.keyboard.press("Control+s")
    await expect(page.get_by_text("rev 2")).to_be_visible()
    await expect(page.get_by_test_id("unsaved")).to_be_hidden()
    await page.get_by_role("tab", name="Revisions").click()
    revisions = page.get_by_test_id("revisions")
    await expect(revisions.locator(".revision")).to_have_count(2)
    await revisions.get_by_role("button", name=re.compile("^Revision 1")).click()
    await expect(page.locator(".monaco-diff-editor")).to_be_visible()
    await expect(page.locator(".monaco-diff-editor .line-insert").first).to_be_visible()
    await shot("editor-revision-diff")
    await page.get_by_role("button", name="Load revision 1 into the editor").click()
    await expect(page.get_by_test_id("unsaved")).to_be_visible()
    stored = await server.engine.store.get_flow("other", "alpha_report")
    assert stored is not None and stored.revision == 2 and "Second revision" in stored.source

    page.once("dialog", lambda dialog: dialog.accept())  # "leave without saving?"
    await page.goto("/ui/")
    await expect(page.locator(".stat-value").nth(0)).to_have_text("29")
    await expect(page.locator(".stat-value").nth(2)).to_have_text("100%")
    await shot("dashboard")

    # plugin documentation generated from the schema
    await page.goto("/ui/plugins/io.kestra.plugin.core.flow.Sleep")
    docs = page.get_by_test_id("task-docs")
    await expect(docs.locator("[data-property=duration] .req")).to_have_text("required")

    # the dark theme, remembered across pages
    await page.get_by_test_id("theme-toggle").click()
    await expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    await page.goto("/ui/flows/edit/other/alpha_report")
    await expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    await expect(page.locator(".monaco-editor.vs-dark")).to_be_visible()
    await shot("editor-dark")
