"""Run every conformance flow in tests/flows/ and compare with its NAME.expected.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from lanner.models.state import State

from .harness import Harness

FLOWS = Path(__file__).parent.parent / "flows"
CASES = sorted(p for p in FLOWS.glob("*.yml") if not p.name.endswith(".expected.yml"))


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


@pytest.mark.parametrize("flow_file", CASES, ids=[p.stem for p in CASES])
async def test_conformance(harness: Harness, flow_file: Path) -> None:
    expected = YAML(typ="safe").load(flow_file.with_name(flow_file.stem + ".expected.yml").read_text())
    for lib in sorted((FLOWS / "_lib").glob("*.yml")):
        await harness.engine.deploy(lib.read_text(), filename=str(lib))
    result = await harness.run(flow_file.read_text(), expected.get("inputs"))
    assert result.state == State(expected["state"]), result.states()
    if "outputs" in expected:
        assert result.execution.outputs == expected["outputs"]
    for task_id, want in (expected.get("tasks") or {}).items():
        spec = {"state": want} if isinstance(want, str) else dict(want)
        runs = result.runs(task_id)
        if "count" in spec:
            assert len(runs) == spec["count"], f"{task_id}: {len(runs)} runs"
        elif not runs:
            raise AssertionError(f"task {task_id!r} did not run: {result.states()}")
        if "state" in spec:
            assert {r.state.value for r in runs} == {spec["state"]}, f"{task_id}: {result.states()}"
        if "outputs" in spec:
            assert any(_subset(spec["outputs"], r.outputs) for r in runs), f"{task_id}: {[r.outputs for r in runs]}"
