"""Bulk actions on the executions list: each action applies to the selected executions it fits
(kill the running or paused ones, restart the failed ones, delete the ended ones)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from playwright.async_api import Dialog, Page, expect

from lanner.models.execution import State

from .conftest import LiveServer

Shot = Callable[[str], Awaitable[Path]]


def _flow(flow_id: str, task: str) -> str:
    return f"id: {flow_id}\nnamespace: e2e.bulk\ntasks:\n  - id: only\n{task}"


LOG = "    type: io.kestra.plugin.core.log.Log\n    message: fine\n"
FAIL = "    type: io.kestra.plugin.core.execution.Fail\n"
PAUSE = "    type: io.kestra.plugin.core.flow.Pause\n"


async def _until(server: LiveServer, execution_id: str, state: State, min_history: int = 0) -> None:
    """Poll until the execution is in ``state`` with at least ``min_history`` state changes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        execution = (await server.engine.get(execution_id)).execution
        if execution.state == state and len(execution.history) >= min_history:
            return
        assert loop.time() < deadline, f"{execution_id} never became {state}"
        await asyncio.sleep(0.05)


async def test_bulk_kill_restart_and_delete(page: Page, server: LiveServer, shot: Shot) -> None:
    for flow_id, task in (("fine", LOG), ("broken", FAIL), ("waiting", PAUSE)):
        await server.engine.deploy(_flow(flow_id, task))
    fine = await server.engine.submit("e2e.bulk", "fine", {})
    broken = await server.engine.submit("e2e.bulk", "broken", {})
    waiting = await server.engine.submit("e2e.bulk", "waiting", {})
    await _until(server, fine.id, State.SUCCESS)
    await _until(server, broken.id, State.FAILED)
    await _until(server, waiting.id, State.PAUSED)

    await page.goto("/ui/executions")
    table = page.get_by_test_id("executions-table")
    await expect(table.locator("tbody tr")).to_have_count(3)
    await page.get_by_label("Select every execution of the page").check()
    bar = page.get_by_test_id("bulk-bar")
    await expect(bar).to_contain_text("3 selected")
    await expect(page.get_by_test_id("bulk-kill")).to_have_text("Kill (1)")
    await expect(page.get_by_test_id("bulk-restart")).to_have_text("↻ Restart (1)")
    await expect(page.get_by_test_id("bulk-delete")).to_have_text("Delete (2)")
    await shot("executions-bulk")

    # kill: only the paused execution is sent
    await page.get_by_test_id("bulk-kill").click()
    await expect(page.get_by_test_id("bulk-notice")).to_have_text("1 execution(s) kill asked for")
    await _until(server, waiting.id, State.KILLED)
    await expect(table.locator(f'tr[data-execution-id="{waiting.id}"]')).to_have_attribute("data-state", "KILLED")

    # restart: the failed one runs again (and fails again)
    before = len((await server.engine.get(broken.id)).execution.history)
    await page.get_by_label(f"Select {broken.id}").check()
    await page.get_by_test_id("bulk-restart").click()
    await expect(page.get_by_test_id("bulk-notice")).to_have_text("1 execution(s) restarted")
    # delete asks first; then the ended executions are gone
    await _until(server, broken.id, State.FAILED, min_history=before + 1)  # ran again
    await page.get_by_label(f"Select {fine.id}").check()
    await page.get_by_label(f"Select {waiting.id}").check()
    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.on("dialog", accept)
    await page.get_by_test_id("bulk-delete").click()
    await expect(page.get_by_test_id("bulk-notice")).to_have_text("2 execution(s) deleted")
    assert asked and "Delete 2 execution(s)" in asked[0]
    await expect(table.locator("tbody tr")).to_have_count(1)
    assert await server.engine.store.get_execution(fine.id) is None
    assert await server.engine.store.get_execution(waiting.id) is None
