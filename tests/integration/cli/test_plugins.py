"""``lanner plugins schema`` and ``lanner plugins list``: the types Lanner knows, under both names."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from lanner.tasks.scripts.options import PROCESS_RUNNER_TYPES

from ._process import Proc, start

TYPE_NAME = re.compile(r"\b(?:io\.kestra|lanner)(?:\.\w+)+\b")


def launch(root: Path) -> dict[str, Proc]:
    return {name: start("plugins", name, cwd=root, folder=root / name) for name in ("schema", "list")}


def schema_type_names(node: Any) -> set[str]:
    """Every ``type`` constant of the schema that names a task or trigger (dotted), wherever it sits."""
    found: set[str] = set()
    if isinstance(node, dict):
        declared = node.get("type")
        if isinstance(declared, dict):
            values = declared.get("enum") or [declared.get("const")]
            found.update(v for v in values if isinstance(v, str) and "." in v)
        for child in node.values():
            found |= schema_type_names(child)
    elif isinstance(node, list):
        for child in node:
            found |= schema_type_names(child)
    return found


def test_schema_is_json_naming_kestra_and_lanner_types(runs: dict[str, Proc]) -> None:
    result = runs["schema"].result()
    assert result.code == 0, result.describe()
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    names = schema_type_names(schema)
    assert {"io.kestra.plugin.core.log.Log", "lanner.core.Log"} <= names
    assert {"io.kestra.plugin.scripts.shell.Commands", "lanner.scripts.shell.Commands"} <= names


def test_list_names_every_type_of_the_schema_uncut(runs: dict[str, Proc]) -> None:
    listed = runs["list"].result()
    assert listed.code == 0, listed.describe()
    assert "…" not in listed.stdout, listed.describe()  # names are not cut to fit 80 columns
    names = set(TYPE_NAME.findall(listed.stdout))
    assert {"lanner.core.Log", "io.kestra.plugin.core.log.Log"} <= names
    # the process task runner's `type` is free text in the schema (any other runner gets a clear error)
    assert names == schema_type_names(json.loads(runs["schema"].result().stdout)) | set(PROCESS_RUNNER_TYPES)


@pytest.mark.parametrize("name", ["schema", "list"])
def test_no_traceback_nor_stderr(runs: dict[str, Proc], name: str) -> None:
    result = runs[name].result()
    assert "Traceback" not in result.output
    assert result.stderr == "", result.describe()
