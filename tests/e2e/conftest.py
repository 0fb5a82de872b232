"""Browser end-to-end tests: Debian's headless Chromium, driven by Playwright, against a real
Lanner server (uvicorn on a free loopback port, an engine on SQLite) serving the built UI.

- ``server``: the live server (``url``, ``engine``);
- ``page``: a fresh browser page at 1280x800 that fails the test on any JavaScript error or
  any request leaving the machine;
- ``shot(name)``: saves a screenshot under ``tests/e2e/screenshots/``.

The browser is ``/usr/bin/chromium`` (``LANNER_CHROMIUM`` overrides it; ``make test`` installs
it with apt-get) — never Playwright's own download. Without a browser or a built UI the tests
are skipped locally and fail under CI.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from lanner.api.app import create_app
from lanner.api.ui import UI_DIR
from lanner.engine.engine import Engine, EngineOptions
from lanner.storage.files import LocalFileStorage
from lanner.storage.sql import create_store

from ..live_server import LiveServer, serve

CHROMIUM = Path(os.environ.get("LANNER_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# ``make test`` runs test files in parallel processes on two cores: a page (Monaco, the flow
# schema) can take longer than Playwright's 5 s default to appear, without anything being wrong
expect.set_options(timeout=15_000)


def _missing(reason: str) -> None:
    if _IN_CI:
        pytest.fail(f"{reason} (CI is set: the browser tests must run)")
    pytest.skip(reason)


@dataclass
class PageWatch:
    """What the page did that a test must not accept: script errors, requests to other hosts."""

    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    store = create_store(f"sqlite:///{tmp_path / 'lanner.db'}")
    await store.migrate()
    options = EngineOptions(work_root=tmp_path / "work", worker_threads=4, idle_poll=0.2, heartbeat_interval=0.2)
    engine = Engine(store, LocalFileStorage(tmp_path / "storage"), options)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()
        await store.close()


@pytest.fixture
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    if not (UI_DIR / "index.html").is_file():
        _missing(f"the web UI is not built ({UI_DIR}): run `make ui`")
    async with serve(create_app(engine), engine) as live:
        yield live


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.is_file():
        _missing(f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) or set LANNER_CHROMIUM")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=_LAUNCH_ARGS,  # Playwright gives each launch a fresh profile directory
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def context(browser: Browser, server: LiveServer) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800}, base_url=server.url)
    await ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
async def page(context: BrowserContext, server: LiveServer) -> AsyncIterator[Page]:
    watch = PageWatch()
    opened = await context.new_page()
    opened.on("pageerror", lambda error: watch.errors.append(str(error)))
    opened.on(
        "request",
        lambda request: None if request.url.startswith((server.url, "data:", "blob:")) else watch.external.append(request.url),
    )
    yield opened
    assert watch.errors == [], f"JavaScript errors in the page: {watch.errors}"
    assert watch.external == [], f"the page requested other hosts: {watch.external}"


@pytest.fixture
def shot(page: Page) -> Callable[[str], Awaitable[Path]]:
    """``await shot("flows")`` saves ``tests/e2e/screenshots/flows.png`` (the viewport)."""

    async def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        await page.screenshot(path=str(path))
        return path

    return take
