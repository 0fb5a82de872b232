"""The main path through the UI: write a flow with completion, see a located validation error,
fix it, save, execute it with typed inputs, watch it succeed and its logs stream in."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from playwright.async_api import Page, expect

from .conftest import LiveServer
from .monaco import complete, open_editor, replace_all, wait_for_text

Shot = Callable[[str], Awaitable[Path]]

SKELETON = """id: greetings
namespace: e2e.team
description: Says hello from the browser test.
labels:
  team: data
inputs:
  - id: who
    type: STRING
  - id: times
    type: INT
    defaults: 2
  - id: region
    type: SELECT
    values: [eu, us]
    defaults: eu
  - id: loud
    type: BOOLEAN
    defaults: false
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.5S
  - id: greet
    type: """


async def test_write_validate_save_and_execute(page: Page, server: LiveServer, shot: Shot) -> None:
    await open_editor(page, "/ui/flows/new")
    await replace_all(page, SKELETON)

    # completion of the task type from the flow schema, then of one of its properties
    await complete(page, "core.log.Lo", "io.kestra.plugin.core.log.Log")
    await page.keyboard.press("Enter")
    await page.keyboard.type("mess")
    await page.keyboard.press("Control+Space")
    await expect(page.locator(".editor-widget.suggest-widget .monaco-list-row", has_text="message").first).to_be_visible()
    await shot("editor-completion")
    await page.keyboard.press("Escape")
    await page.keyboard.press("Control+Backspace")  # the typed "mess": completion picks it from the list
    await complete(page, "mess", "message")
    await page.keyboard.type("Hello {{ inputs.who }} from {{ inputs.region }}")
    await wait_for_text(
        page, "    type: io.kestra.plugin.core.log.Log\n    message: Hello {{ inputs.who }} from {{ inputs.region }}"
    )

    # the side panel documents the task type under the cursor
    docs = page.get_by_test_id("task-docs")
    await expect(docs).to_have_attribute("data-type", "lanner.core.Log")
    await expect(docs.locator(".prop.active")).to_have_attribute("data-property", "message")

    # a misspelt property: the server's error is shown at its line and column
    await page.keyboard.press("Enter")
    await page.keyboard.type("colour: red")
    error_line = (await wait_for_text(page, "\n    colour: red")).splitlines().index("    colour: red") + 1
    status = page.get_by_test_id("validation-status")
    await expect(status).to_have_text("1 problem")
    problems = page.get_by_test_id("problems")
    await expect(problems).to_contain_text(f"{error_line}:5 unknown property 'colour'")
    await expect(page.locator(".monaco-editor .squiggly-error")).to_have_count(1)
    await shot("editor-validation-error")

    # fixed: the line removed, the flow is valid again
    await page.keyboard.press("End")
    await page.keyboard.press("Shift+Home")
    await page.keyboard.press("Backspace")
    await expect(status).to_have_text("valid")
    await expect(problems).to_be_hidden()
    await expect(page.locator(".monaco-editor .squiggly-error")).to_have_count(0)

    # saved as revision 1 of a new flow; the address becomes the flow's
    await page.get_by_test_id("save").click()
    await expect(page).to_have_url(re.compile(r"/ui/flows/edit/e2e\.team/greetings$"))
    await expect(page.get_by_text("rev 1")).to_be_visible()
    stored = await server.engine.store.get_flow("e2e.team", "greetings")
    assert stored is not None and stored.revision == 1
    assert "message: Hello {{ inputs.who }} from {{ inputs.region }}" in stored.source
    await shot("editor")

    # execute with inputs from the generated form
    await page.get_by_test_id("execute").click()
    form = page.get_by_test_id("execute-form")
    await expect(form.locator("[data-input=times]")).to_have_value("2")
    await page.get_by_test_id("execute-submit").click()
    await expect(form).to_contain_text("required")  # `who` has no default
    await form.locator("[data-input=who]").fill("Ada")
    await form.locator("[data-input=region]").select_option("us")
    await form.locator("[data-input=loud]").check()
    await shot("execute-form")
    await page.get_by_test_id("execute-submit").click()

    await expect(page).to_have_url(re.compile(r"/ui/executions/e2e\.team/greetings/\w+$"))
    execution_id = page.url.rsplit("/", 1)[1]
    header = page.locator("h1")
    await expect(header.locator("[data-state=SUCCESS]")).to_be_visible(timeout=30_000)
    runs = page.get_by_test_id("task-runs")
    await expect(runs.locator("tr[data-task-id=greet]")).to_have_attribute("data-state", "SUCCESS")
    await expect(runs.locator("tr[data-task-id=wait]")).to_have_attribute("data-state", "SUCCESS")
    await shot("execution")

    found = await server.engine.get(execution_id)
    assert found.execution.inputs == {"who": "Ada", "times": 2, "region": "us", "loud": True}

    # the log lines streamed in over the follow endpoint (the page was never reloaded)
    await page.get_by_role("tab", name=re.compile("^Logs")).click()
    logs = page.get_by_test_id("logs")
    await expect(logs.locator(".log-line", has_text="Hello Ada from us")).to_be_visible()
    await expect(page.get_by_test_id("logs-live")).to_have_text("ended")
    await page.get_by_test_id("log-level").select_option("ERROR")
    await expect(logs.locator(".log-line")).to_have_count(0)
    await page.get_by_test_id("log-level").select_option("INFO")
    await expect(logs.locator(".log-line", has_text="Hello Ada from us")).to_have_count(1)
    await shot("execution-logs")
