"""The execution views and blueprints: the topology turns green as an execution runs, the Gantt
chart shows its task runs, a failed execution restarts from its failed task, a blueprint opens
in the editor and saves."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from playwright.async_api import Page, expect

from lanner.api.routes.blueprints import all_blueprints

from .conftest import LiveServer

Shot = Callable[[str], Awaitable[Path]]

PAUSING = """id: nightly
namespace: e2e.views
tasks:
  - id: extract
    type: io.kestra.plugin.core.log.Log
    message: extracting
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
  - id: fan_out
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: left
        type: io.kestra.plugin.core.log.Log
        message: left branch
      - id: right
        type: io.kestra.plugin.core.log.Log
        message: right branch
  - id: load
    type: io.kestra.plugin.core.log.Log
    message: loaded
errors:
  - id: alert
    type: io.kestra.plugin.core.log.Log
    message: failed
"""


async def test_topology_turns_green_and_gantt_shows_the_runs(page: Page, server: LiveServer, shot: Shot) -> None:
    await server.engine.deploy(PAUSING)
    execution = await server.engine.submit("e2e.views", "nightly", {})
    await page.goto(f"/ui/executions/e2e.views/nightly/{execution.id}")
    await page.get_by_role("tab", name="Topology").click()
    topology = page.get_by_test_id("topology")
    node = lambda task: topology.locator(f".topo-node[data-task-id={task}], .topo-group[data-task-id={task}]")  # noqa: E731

    # the flow's shape: the parallel group holds its branches, errors are their own branch
    await expect(topology.locator(".react-flow__node")).to_have_count(10)  # start, end, 6 tasks, the errors group and its task
    await expect(node("fan_out")).to_have_class(re.compile("topo-group"))
    await expect(node("extract")).to_have_attribute("data-state", "SUCCESS")
    await expect(node("approve")).to_have_attribute("data-state", "PAUSED")
    await expect(node("load")).to_have_attribute("data-state", "")  # not started
    await shot("execution-topology-paused")

    # resumed: the states arrive over the follow stream, the page is never reloaded
    await server.engine.resume(execution.id)
    for task in ("approve", "fan_out", "left", "right", "load"):
        await expect(node(task)).to_have_attribute("data-state", "SUCCESS", timeout=30_000)
    await expect(node("alert")).to_have_attribute("data-state", "")
    await expect(page.locator("h1 [data-state=SUCCESS]")).to_be_visible()
    await expect(node("load")).to_have_css("border-left-color", "rgb(18, 183, 106)")  # green: --s-success
    await shot("execution-topology")

    # the Gantt chart: one bar per task run, in display order; a click opens that task's logs
    await page.get_by_role("tab", name="Gantt").click()
    gantt = page.get_by_test_id("gantt")
    await expect(gantt.get_by_test_id("gantt-bar")).to_have_count(6)
    names = await gantt.locator("button.gantt-row").evaluate_all("rows => rows.map(r => r.dataset.taskId)")
    assert names[:3] == ["extract", "approve", "fan_out"] and names[-1] == "load"
    assert sorted(names[3:5]) == ["left", "right"]
    widths = await gantt.get_by_test_id("gantt-bar").evaluate_all("bars => bars.map(b => b.getBoundingClientRect().width)")
    assert all(width >= 1 for width in widths)
    load_bar = gantt.locator("button.gantt-row[data-task-id=load]").get_by_test_id("gantt-bar")
    await expect(load_bar).to_have_css("background-color", "rgb(18, 183, 106)")  # green: --s-success
    await shot("execution-gantt")
    await gantt.locator("button.gantt-row[data-task-id=load]").click()
    await expect(page.get_by_role("tab", name=re.compile("^Logs"))).to_have_attribute("aria-selected", "true")
    logs = page.get_by_test_id("logs")
    await expect(logs.locator(".log-line", has_text="loaded")).to_be_visible()
    await expect(logs.locator(".log-line", has_text="extracting")).to_have_count(0)


async def test_restart_a_failed_execution_from_the_failed_task(page: Page, server: LiveServer, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    await server.engine.deploy(
        f"""id: flaky
namespace: e2e.views
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: first ran
  - id: gated
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - test -f {gate}
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: last ran
"""
    )
    execution = await server.engine.submit("e2e.views", "flaky", {})
    await server.engine.wait(execution.id, timeout=30)
    await page.goto(f"/ui/executions/e2e.views/flaky/{execution.id}")
    await expect(page.locator("h1 [data-state=FAILED]")).to_be_visible()
    runs = page.get_by_test_id("task-runs")
    await expect(runs.locator("tr[data-task-id=gated]")).to_have_attribute("data-state", "FAILED")
    await expect(runs.locator("tr[data-task-id=last]")).to_have_count(0)

    gate.write_text("open")
    await page.get_by_role("button", name="Restart").click()
    await expect(page.locator("h1 [data-state=SUCCESS]")).to_be_visible(timeout=30_000)
    await expect(runs.locator("tr[data-task-id=last]")).to_have_attribute("data-state", "SUCCESS")
    # restarted from the failed task: the first task did not run again
    await expect(runs.locator("tr[data-task-id=first]")).to_have_count(1)
    # the logs of the run after the restart streamed in too
    await page.get_by_role("tab", name=re.compile("^Logs")).click()
    logs = page.get_by_test_id("logs")
    await expect(logs.locator(".log-line", has_text="last ran")).to_be_visible()
    await expect(logs.locator(".log-line", has_text="first ran")).to_have_count(1)
    found = await server.engine.get(execution.id)
    first = [run for run in found.task_runs if run.task_id == "first"]
    assert len(first) == 1 and len(first[0].attempts) == 1


async def test_a_blueprint_opens_in_the_editor_and_saves(page: Page, server: LiveServer, shot: Shot) -> None:
    await page.goto("/ui/blueprints")
    gallery = page.get_by_test_id("blueprints")
    await expect(gallery.locator("article")).to_have_count(len(all_blueprints()))
    await page.get_by_test_id("blueprint-search").fill("started by a webhook")  # other blueprints post to webhooks
    await expect(gallery.locator("article")).to_have_count(1)
    await page.get_by_test_id("blueprint-search").fill("")
    await shot("blueprints")

    card = gallery.locator("article[data-blueprint=webhook-triggered]")
    await card.get_by_test_id("use-blueprint").click()
    await expect(page).to_have_url(re.compile(r"/ui/flows/new\?blueprint=webhook-triggered$"))
    await expect(page.get_by_test_id("validation-status")).to_have_text("valid")
    await shot("editor-blueprint")

    # the topology beside the source: the If's branches and the webhook trigger
    await page.get_by_role("tab", name="Topology").click()
    topology = page.get_by_test_id("editor-topology")
    await expect(topology.locator(".topo-node[data-task-id=urgent]")).to_be_visible()
    await expect(topology.locator(".topo-node[data-task-id=routine]")).to_be_visible()
    await expect(topology.locator(".topo-trigger[data-task-id=webhook]")).to_be_visible()
    await expect(topology.locator(".react-flow__edge-text", has_text="then")).to_be_visible()
    await shot("editor-topology")

    await page.get_by_test_id("save").click()
    await expect(page).to_have_url(re.compile(r"/ui/flows/edit/company\.team/webhook_triggered$"))
    await expect(page.get_by_text("rev 1")).to_be_visible()
    stored = await server.engine.store.get_flow("company.team", "webhook_triggered")
    assert stored is not None and "type: io.kestra.plugin.core.trigger.Webhook" in stored.source
    assert not stored.source.startswith("#")  # the blueprint's header is not part of the flow
