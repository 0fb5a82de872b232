"""The example plugin package (examples/plugin-example) as an installed plugin, without the slow install.

The test writes the metadata `pip install` would write (a ``.dist-info`` folder with the entry
points of the package's pyproject.toml) to a folder put on PYTHONPATH with the package's
sources, then runs the real ``lanner`` command: entry point discovery, registry, validation,
and a run happen as for any installed plugin. (A second registry cannot be frozen inside the
test process: the flow model is built once, for the installed plugins.)
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from lanner.models.registry import ENTRY_POINT_GROUP

PACKAGE = Path(__file__).parents[3] / "examples" / "plugin-example"
LANNER = Path(sys.executable).parent / "lanner"

FLOW = """
id: count_words
namespace: company.team
tasks:
  - id: write
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["printf 'To be, or not to be:\\\\nthat is the question.\\\\n' > speech.txt"]
    outputFiles: [speech.txt]
  - id: count
    type: example.text.WordCount
    text: "{{ outputs.write.outputFiles['speech.txt'] }}"
    minLength: 2
    topN: 2
"""


def install_metadata(site: Path) -> dict[str, str]:
    """Write the package's .dist-info into ``site``; return the environment that makes it importable."""
    project = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]
    dist_info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    entry_points = project["entry-points"][ENTRY_POINT_GROUP]
    lines = [f"[{ENTRY_POINT_GROUP}]", *(f"{name} = {value}" for name, value in entry_points.items())]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(PACKAGE / "src")])}


async def lanner(env: dict[str, str], cwd: Path, *args: str) -> Any:
    process = await asyncio.create_subprocess_exec(
        str(LANNER), *args, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-2000:]
    return json.loads(out)


async def test_the_installed_example_plugin_runs_in_a_flow(tmp_path: Path) -> None:
    env = install_metadata(tmp_path / "site")
    flow = tmp_path / "count_words.yml"
    flow.write_text(FLOW)

    execution = await lanner(env, tmp_path, "run", str(flow), "--json")

    assert execution["state"]["current"] == "SUCCESS"
    count = next(run for run in execution["taskRunList"] if run["taskId"] == "count")
    assert count["outputs"] == {"words": 10, "lines": 2, "top": [{"word": "to", "count": 2}, {"word": "be", "count": 2}]}
    assert count["attempts"][-1]["metrics"][0]["name"] == "words"


def test_its_fields_are_its_validation_and_documentation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(PACKAGE / "src"))
    module = importlib.import_module("lanner_example_plugin.word_count")
    try:
        schema = module.WordCount.model_json_schema()
        assert schema["description"].startswith("Count the words and lines of a text")
        assert schema["properties"]["topN"]["maximum"] == 100
        assert "internal storage URI" in schema["properties"]["text"]["description"]
        with pytest.raises(ValidationError, match="topN"):
            module.WordCount.model_validate({"id": "c", "type": "example.text.WordCount", "text": "x", "topN": 1000})
    finally:
        for name in [m for m in sys.modules if m.startswith("lanner_example_plugin")]:
            del sys.modules[name]
