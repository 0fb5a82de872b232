"""The dashboard with real executions: the chart of executions per state over time, the
success ratio, and one click from a recent failure to the failed task's log."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from playwright.async_api import Page, expect

from ..live_server import LiveServer

Shot = Callable[[str], Awaitable[Path]]
OK = "id: ok\nnamespace: company.team\ntasks:\n  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: fine\n"
KO = """id: ko
namespace: company.team
tasks:
  - id: prepare
    type: io.kestra.plugin.core.log.Log
    message: preparing
  - id: explode
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: the warehouse is on fire
"""


async def test_chart_ratio_and_failure_logs(page: Page, server: LiveServer, shot: Shot) -> None:
    await server.engine.deploy(OK)
    await server.engine.deploy(KO)
    for flow_id in ("ok", "ok", "ko"):
        ran = await server.engine.submit("company.team", flow_id, {})
        await server.engine.wait(ran.id, timeout=30)

    await page.goto("/ui/")
    await expect(page.get_by_test_id("stat-executions").locator(".stat-value")).to_have_text("3")
    await expect(page.get_by_test_id("stat-success-ratio").locator(".stat-value")).to_have_text("66.7%")
    await expect(page.get_by_test_id("executions-chart")).to_be_visible()
    await page.get_by_text("Show as a table").click()
    table = page.get_by_test_id("executions-chart-table")
    await expect(table.locator("thead th")).to_have_text(["Period (UTC)", "SUCCESS", "FAILED"])
    await expect(table.locator("tbody tr").first).to_be_visible()
    totals = [0, 0]  # SUCCESS, FAILED over every period (the executions may straddle midnight UTC)
    for row in await table.locator("tbody tr").all():
        cells = await row.locator("td.num").all_inner_texts()
        totals = [total + int(cell or 0) for total, cell in zip(totals, cells, strict=True)]
    assert totals == [2, 1]
    await page.get_by_role("button", name="Last 24 hours").click()
    await expect(page).to_have_url(re.compile(r"range=24h"))
    await expect(page.locator(".card-head .muted")).to_have_text("per hour, UTC")
    await expect(page.get_by_test_id("stat-executions").locator(".stat-value")).to_have_text("3")
    await shot("dashboard-chart")

    failures = page.get_by_test_id("recent-failures")
    await failures.get_by_role("link", name="explode").click()
    await expect(page).to_have_url(re.compile(r"/ui/executions/company\.team/ko/.+\?tab=logs&task=explode$"))
    logs = page.get_by_test_id("logs")
    await expect(logs.locator(".log-line", has_text="the warehouse is on fire").first).to_be_visible()
    await expect(logs.locator(".log-line", has_text="preparing")).to_have_count(0)  # only the failed task's lines
