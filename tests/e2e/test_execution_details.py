"""The execution page beyond its task runs: task outputs with a file previewed, metrics, the
trigger, links from a parent execution to its subflow execution and back, replay from a task,
and resume of a paused execution."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

from playwright.async_api import Page, expect

from lanner.models.state import State

from ..live_server import LiveServer

Shot = Callable[[str], Awaitable[Path]]

CHILD = """id: child
namespace: shop.jobs
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: hello from the child
"""

PARENT = """id: parent
namespace: shop.jobs
tasks:
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: three
  - id: report
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["echo 'total,3' > report.csv"]
    outputFiles: ["report.csv"]
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: shop.jobs
    flowId: child
"""

PAUSED = """id: approve
namespace: shop.jobs
tasks:
  - id: wait_for_me
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: approved
"""


async def test_outputs_metrics_subflow_links_and_replay(page: Page, server: LiveServer, shot: Shot) -> None:
    await server.engine.deploy(CHILD)
    await server.engine.deploy(PARENT)
    ran = await server.engine.submit("shop.jobs", "parent", {})
    assert (await server.engine.wait(ran.id, timeout=60)).execution.state == State.SUCCESS

    await page.goto(f"/ui/executions/shop.jobs/parent/{ran.id}")
    await expect(page.get_by_test_id("metrics")).to_contain_text("length")
    outputs = page.get_by_test_id("task-outputs")
    await outputs.get_by_label("Task run").select_option(label="report")
    await outputs.get_by_role("button", name="preview").click()
    await expect(outputs.get_by_test_id("file-preview")).to_have_text("total,3\n")
    await shot("execution-details")

    # to the subflow execution and back to its parent
    await page.get_by_test_id("subflow-executions").get_by_role("link").click()
    await expect(page.get_by_test_id("parent-execution")).to_contain_text(ran.id)
    await expect(page.locator(".crumbs")).to_contain_text("child")
    await page.get_by_test_id("parent-execution").get_by_role("link").click()
    await expect(page).to_have_url(re.compile(rf"/ui/executions/shop\.jobs/parent/{ran.id}$"))

    # replay from the shell task: a new execution, the page moves to it
    await page.get_by_test_id("replay-from-report").click()
    await expect(page).not_to_have_url(re.compile(rf"/{ran.id}$"))
    replayed_id = (await page.locator(".execution-id").inner_text()).strip()
    assert replayed_id != ran.id
    assert (await server.engine.wait(replayed_id, timeout=60)).execution.state == State.SUCCESS
    await expect(page.locator("h1 [data-state]")).to_have_text("SUCCESS")


async def test_resume_a_paused_execution(page: Page, server: LiveServer) -> None:
    await server.engine.deploy(PAUSED)
    ran = await server.engine.submit("shop.jobs", "approve", {})
    await page.goto(f"/ui/executions/shop.jobs/approve/{ran.id}")
    await page.get_by_test_id("resume").click()
    assert (await server.engine.wait(ran.id, timeout=30)).execution.state == State.SUCCESS
    await expect(page.get_by_test_id("resume")).to_have_count(0)


TWO_TASKS = """id: two_tasks
namespace: shop.jobs
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: line from first
  - id: second
    type: io.kestra.plugin.core.log.Log
    message: line from second
"""


async def test_label_filter_and_logs_grouped_by_task(page: Page, server: LiveServer) -> None:
    await server.engine.deploy(TWO_TASKS)
    red = await server.engine.submit("shop.jobs", "two_tasks", {}, labels={"team": "red"})
    blue = await server.engine.submit("shop.jobs", "two_tasks", {}, labels={"team": "blue"})
    for ran in (red, blue):
        await server.engine.wait(ran.id, timeout=30)

    await page.goto("/ui/executions?flowId=two_tasks")
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(2)
    await rows.get_by_role("button", name="team: red").click()
    await expect(page.get_by_label("Label")).to_have_value("team:red")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-execution-id", red.id)

    await page.goto(f"/ui/executions/shop.jobs/two_tasks/{red.id}?tab=logs")
    await page.get_by_test_id("logs-grouped").check()
    groups = page.get_by_test_id("log-group")
    await expect(groups).to_have_count(2)
    await expect(groups.nth(0)).to_contain_text("first")
    await expect(groups.nth(0).locator(".log-line")).to_have_text([re.compile("line from first")])
    await expect(groups.nth(1).locator(".log-line")).to_have_text([re.compile("line from second")])


async def test_executions_filtered_by_start_dates(page: Page, server: LiveServer) -> None:
    await server.engine.deploy(TWO_TASKS)
    ran = await server.engine.submit("shop.jobs", "two_tasks", {})
    await server.engine.wait(ran.id, timeout=30)
    started = ran.created.astimezone()  # the browser and this test share the machine's time zone

    def local(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M")

    await page.goto("/ui/executions?flowId=two_tasks")
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(1)
    await page.get_by_label("Started from").fill(local(started + timedelta(minutes=2)))
    await expect(page.get_by_text("No execution matches.")).to_be_visible()
    await expect(page).to_have_url(re.compile(r"from="))
    await page.get_by_label("Started from").fill(local(started - timedelta(minutes=2)))
    await page.get_by_label("Started until").fill(local(started + timedelta(minutes=2)))
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-execution-id", ran.id)
    await page.get_by_label("Started until").fill(local(started - timedelta(minutes=2)))
    await expect(page.get_by_text("No execution matches.")).to_be_visible()
