"""The triggers page's backfill form runs the ticks of a schedule (the API docs with auth on are
tested in test_login.py)."""

from __future__ import annotations

import asyncio

import httpx
from playwright.async_api import Page, expect

from ..live_server import LiveServer

HOURLY = """id: hourly
namespace: shop.ops
tasks:
  - id: tick
    type: io.kestra.plugin.core.log.Log
    message: "tick {{ trigger.date }}"
triggers:
  - id: every_hour
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
"""


async def _executions(url: str, flow_id: str) -> int:
    async with httpx.AsyncClient(base_url=url) as http:
        found = await http.get("/api/v1/executions/search", params={"flowId": flow_id, "size": 50})
        return int(found.json()["total"])


async def test_backfill_form_runs_the_ticks(page: Page, server: LiveServer) -> None:
    await server.engine.deploy(HOURLY)
    await page.goto("/ui/triggers")
    await page.get_by_test_id("show-backfill-every_hour").click()
    form = page.get_by_test_id("backfill-form-every_hour")
    await form.get_by_label("Backfill start").fill("2024-01-01T00:00:00")
    await form.get_by_label("Backfill end").fill("2024-01-01T02:30:00")
    await form.get_by_label("Backfill label").fill("reason:e2e")
    await form.get_by_role("button", name="Start backfill").click()
    await expect(form).to_have_count(0)
    deadline = asyncio.get_running_loop().time() + 30
    while await _executions(server.url, "hourly") < 3:  # 00:00, 01:00, 02:00
        assert asyncio.get_running_loop().time() < deadline, "the backfill did not start its 3 executions"
        await asyncio.sleep(0.2)
    assert await _executions(server.url, "hourly") == 3
