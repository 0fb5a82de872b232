"""The namespace page lists the KV store's keys and the secrets' names, never a secret's value."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from ..live_server import LiveServer

FLOW = """id: uses_secrets
namespace: shop.vault
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
"""


async def test_kv_keys_and_secret_names(page: Page, server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANNER_SECRET_SHOP_API_TOKEN", "never-shown-987")
    await server.engine.deploy(FLOW)
    async with httpx.AsyncClient(base_url=server.url) as http:
        put = await http.put("/api/v1/namespaces/shop.vault/kv/last_sync", content='"2024-01-01"')
        assert put.status_code < 300, put.text
    await page.goto("/ui/namespaces/shop.vault")
    await expect(page.locator(".card", has_text="Key-value store")).to_contain_text("last_sync")
    secrets = page.get_by_test_id("secrets")
    await expect(secrets.locator("li", has_text="SHOP_API_TOKEN")).to_be_visible()
    assert "never-shown-987" not in await page.content()
