"""UI figures: time to interactive of the flows page with many flows (paginated) and of the
topology of a large flow, measured in Debian's headless Chromium against a real server.

``python -m tests.e2e.ui_bench [--flows 10000] [--tasks 500] [--repeat 3]`` prints one JSON
document (milliseconds; the median of the warm runs, and the first, cold, run apart). The UI
must be built (``make ui``). Nothing here asserts a duration: ``test_ui_bench.py`` only checks
that the script runs, on small sizes.

- flows page: from navigation to ``/ui/flows`` until the first page of rows is shown with their
  last executions and the search box accepts input;
- topology: from the click on the editor's Topology tab (the flow already open) until the
  graph's nodes are drawn, and from navigation to an execution's Topology tab until its
  nodes show their states.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from playwright.async_api import Page, async_playwright

from lanner.api.app import create_app
from lanner.api.ui import UI_DIR
from lanner.engine.engine import Engine, EngineOptions
from lanner.models.state import State
from lanner.storage.files import LocalFileStorage
from lanner.storage.sql import create_store

from .conftest import _LAUNCH_ARGS, CHROMIUM

BENCH_NAMESPACE = "bench.ui"


def small_flow(index: int) -> tuple[str, str, str]:
    namespace = f"{BENCH_NAMESPACE}.team{index % 20:02d}"
    flow_id = f"flow_{index:05d}"
    task = "  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    source = f"id: {flow_id}\nnamespace: {namespace}\ntasks:\n{task}"
    return namespace, flow_id, source


def large_flow(tasks: int) -> str:
    """``tasks`` Log tasks: in Parallel groups of 10, the groups in sequence, plus an errors branch."""
    lines = [f"id: large\nnamespace: {BENCH_NAMESPACE}\ntasks:"]
    for group in range(max(1, tasks // 10)):
        lines.append(f"  - id: group_{group}\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:")
        for task in range(10):
            lines.append(
                f"      - id: t_{group}_{task}\n        type: io.kestra.plugin.core.log.Log\n        message: '{group}.{task}'"
            )
    lines.append("errors:\n  - id: alert\n    type: io.kestra.plugin.core.log.Log\n    message: failed")
    return "\n".join(lines) + "\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def running_server(folder: Path) -> AsyncIterator[tuple[str, Engine]]:
    store = create_store(f"sqlite:///{folder / 'lanner.db'}")
    await store.migrate()
    options = EngineOptions(work_root=folder / "work", worker_threads=8, idle_poll=0.2, heartbeat_interval=0.5)
    engine = Engine(store, LocalFileStorage(folder / "storage"), options)
    await engine.start()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", engine
    finally:
        server.should_exit = True
        server.force_exit = True
        await task
        await engine.stop()
        await store.close()


async def _flows_page(page: Page, url: str) -> float:
    started = time.perf_counter()
    await page.goto(f"{url}/ui/flows")
    table = page.get_by_test_id("flows-table")
    await table.locator("tbody tr").nth(24).wait_for()
    await table.get_by_text("never run").first.wait_for()  # the last executions have arrived too
    await page.get_by_placeholder("Search").first.focus()
    return (time.perf_counter() - started) * 1000


async def _editor_topology(page: Page, url: str) -> float:
    await page.goto(f"{url}/ui/flows/edit/{BENCH_NAMESPACE}/large")
    await page.get_by_role("tab", name="Topology").wait_for()
    started = time.perf_counter()
    await page.get_by_role("tab", name="Topology").click()
    await page.locator("[data-testid=editor-topology] .react-flow__node").first.wait_for()
    return (time.perf_counter() - started) * 1000


async def _execution_topology(page: Page, url: str, execution_id: str) -> float:
    started = time.perf_counter()
    await page.goto(f"{url}/ui/executions/{BENCH_NAMESPACE}/large/{execution_id}")
    await page.get_by_role("tab", name="Topology").click()
    await page.locator("[data-testid=topology] .topo-node[data-state=SUCCESS]").first.wait_for()
    return (time.perf_counter() - started) * 1000


def _figures(runs: list[float]) -> dict[str, float]:
    warm = runs[1:] or runs
    return {"cold_ms": round(runs[0], 1), "median_ms": round(statistics.median(warm), 1)}


async def measure(flows: int, tasks: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lanner-ui-bench-") as folder:
        async with running_server(Path(folder)) as (url, engine):
            for start in range(0, flows, 1000):
                await engine.store.save_flows([small_flow(i) for i in range(start, min(flows, start + 1000))])
            await engine.deploy(large_flow(tasks))
            execution = await engine.submit(BENCH_NAMESPACE, "large", {})
            ended = await engine.wait(execution.id, timeout=600)
            assert ended.execution.state == State.SUCCESS, ended.execution.state
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=_LAUNCH_ARGS)
                try:
                    context = await browser.new_context(viewport={"width": 1280, "height": 800})
                    context.set_default_timeout(60_000)
                    page = await context.new_page()
                    flows_page = [await _flows_page(page, url) for _ in range(repeat + 1)]
                    editor = [await _editor_topology(page, url) for _ in range(repeat + 1)]
                    execution_view = [await _execution_topology(page, url, execution.id) for _ in range(repeat + 1)]
                finally:
                    await browser.close()
    return {
        "browser": str(CHROMIUM),
        "viewport": "1280x800",
        "flows_page": {"flows": flows, **_figures(flows_page)},
        "editor_topology": {"tasks": tasks + tasks // 10 + 1, **_figures(editor)},
        "execution_topology": {"tasks": tasks + tasks // 10 + 1, **_figures(execution_view)},
        "target_ms": 1000,
    }


async def bench_ui(flows: int = 10_000, tasks: int = 500, repeat: int = 3) -> dict[str, Any]:
    """The figures for ``make bench``, or why they cannot be taken on this machine."""
    if not CHROMIUM.is_file():
        return {"skipped": f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set LANNER_CHROMIUM)"}
    if not (UI_DIR / "index.html").is_file():
        return {"skipped": f"the UI is not built in {UI_DIR} (make ui)"}
    return await measure(flows, tasks, repeat)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flows", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=500, help="tasks of the large flow (in Parallel groups of 10)")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs after the cold one")
    args = parser.parse_args(argv)
    figures = asyncio.run(measure(args.flows, args.tasks, args.repeat))
    json.dump(figures, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
