"""The UI figures script (``python -m tests.e2e.ui_bench``) runs end to end, on small sizes.
It asserts no duration: the figures are printed, never tested."""

from __future__ import annotations

from .conftest import CHROMIUM, UI_DIR, _missing
from .ui_bench import large_flow, measure


def test_the_large_flow_is_valid() -> None:
    from lanner.flows import validate_flow

    assert validate_flow(large_flow(30)) == []


async def test_the_figures_script_runs() -> None:
    if not CHROMIUM.is_file() or not (UI_DIR / "index.html").is_file():
        _missing("the UI figures need Chromium and the built UI")
    figures = await measure(flows=30, tasks=20, repeat=0)
    assert figures["flows_page"]["flows"] == 30
    assert figures["editor_topology"]["tasks"] == 23
    for name in ("flows_page", "editor_topology", "execution_topology"):
        assert figures[name]["median_ms"] > 0
