"""Driving the Monaco editor as a person does: click, paste, type, ask for completion."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Page, expect


async def editor_text(page: Page) -> str:
    """The text shown in the editor (the whole flow: the tests' flows fit on one screen)."""
    text: str = await page.locator(".monaco-editor .view-lines").inner_text()
    return text.replace("\u00a0", " ")


async def wait_for_text(page: Page, wanted: str, timeout: float = 10.0) -> str:
    """The editor's text once it contains ``wanted`` (Monaco renders typed keys on the next frames)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        text = await editor_text(page)
        if wanted in text:
            return text
        if loop.time() > deadline:
            raise AssertionError(f"the editor never showed {wanted!r}; it shows:\n{text}")
        await asyncio.sleep(0.05)


async def open_editor(page: Page, path: str) -> None:
    await page.goto(path)
    # the editor appears once the flow JSON Schema is loaded and monaco-yaml configured
    await expect(page.locator("[data-testid=yaml-editor] .monaco-editor")).to_be_visible()
    await page.locator(".monaco-editor .view-lines").click()


async def replace_all(page: Page, text: str) -> None:
    """Select everything and paste ``text`` (pasting keeps indentation as written)."""
    await page.keyboard.press("Control+A")
    await page.evaluate("text => navigator.clipboard.writeText(text)", text)
    await page.keyboard.press("Control+V")
    last = text.rstrip().splitlines()[-1]
    await wait_for_text(page, last.rstrip())


async def complete(page: Page, typed: str, choice: str) -> None:
    """Ask for completion (Ctrl+Space), narrow it by typing ``typed``, accept ``choice`` with Enter."""
    await page.keyboard.press("Control+Space")
    widget = page.locator(".editor-widget.suggest-widget")
    # the first completion starts the YAML worker, which reads the whole flow schema
    await expect(widget).to_be_visible(timeout=20_000)
    if typed:
        await page.keyboard.type(typed)
    focused = widget.locator(".monaco-list-row.focused")
    option = widget.locator(".monaco-list-row", has_text=choice).first
    await expect(option).to_be_visible()
    # move the focus down to the wanted suggestion, then accept it as a person would
    for _ in range(20):
        if (await focused.get_attribute("aria-label") or "").startswith(choice):
            break
        await page.keyboard.press("ArrowDown")
    await expect(focused).to_have_attribute("aria-label", re.compile("^" + re.escape(choice)))
    await page.keyboard.press("Enter")
    await expect(widget).to_be_hidden()
