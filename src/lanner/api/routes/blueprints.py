"""Blueprints: ready flows shipped in the repository's ``blueprints/`` folder.

- ``GET /blueprints``: ``[{id, title, description, tags, namespace, flowId, taskTypes}]``;
- ``GET /blueprints/{id}``: the same with ``source``, the flow's YAML, ready to be saved.

A blueprint is one ``<id>.yaml`` file: a header of comment lines holding YAML (``title``,
``description``, ``tags``) ended by ``# ---``, then the flow. The header is left out of
``source``. The folder is ``LANNER_BLUEPRINTS_DIR`` when set, else ``blueprints/`` of the
checkout this package is installed from (``pip install -e``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

router = APIRouter(tags=["Blueprints"])

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HEADER_END = "# ---"


def blueprints_dir() -> Path:
    """Where the blueprints are read from."""
    configured = os.environ.get("LANNER_BLUEPRINTS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[4] / "blueprints"


@dataclass(frozen=True)
class Blueprint:
    id: str
    title: str
    description: str
    tags: list[str]
    source: str
    namespace: str = ""
    flow_id: str = ""
    task_types: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "tags": self.tags,
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "taskTypes": self.task_types,
        }


def _types(node: Any, found: list[str]) -> None:
    """Every ``type`` of a task, trigger or condition, in order of appearance."""
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, str) and "." in kind and kind not in found:
            found.append(kind)
        for value in node.values():
            _types(value, found)
    elif isinstance(node, list):
        for item in node:
            _types(item, found)


def split_header(text: str) -> tuple[str, str]:
    """``(header YAML, flow source)``: the leading comment lines up to ``# ---``, uncommented."""
    lines = text.splitlines(keepends=True)
    header: list[str] = []
    for index, line in enumerate(lines):
        if line.rstrip() == _HEADER_END:
            return "".join(header), "".join(lines[index + 1 :]).lstrip("\n")
        if not line.startswith("#"):
            break
        header.append(line[2:] if line.startswith("# ") else line[1:])
    return "", text


def read_blueprint(path: Path) -> Blueprint:
    """The blueprint in ``path``; ``ValueError`` says what is wrong with the file."""
    text = path.read_text(encoding="utf-8")
    header_text, source = split_header(text)
    yaml = YAML(typ="safe", pure=True)
    try:
        header = yaml.load(header_text) if header_text else None
        flow = yaml.load(source)
    except YAMLError as exc:
        raise ValueError(f"{path.name}: not YAML: {exc}") from None
    if not isinstance(header, dict) or not isinstance(header.get("title"), str):
        raise ValueError(f"{path.name}: the header (comment lines ended by '# ---') needs a title")
    tags = header.get("tags") or []
    types: list[str] = []
    _types(flow, types)
    flow_map = flow if isinstance(flow, dict) else {}
    return Blueprint(
        id=path.stem,
        title=header["title"],
        description=str(header.get("description") or "").strip(),
        tags=[str(tag) for tag in tags] if isinstance(tags, list) else [str(tags)],
        source=source,
        namespace=str(flow_map.get("namespace") or ""),
        flow_id=str(flow_map.get("id") or ""),
        task_types=types,
    )


def all_blueprints(folder: Path | None = None) -> list[Blueprint]:
    """Every readable blueprint of the folder, by title; unreadable files are left out."""
    folder = folder or blueprints_dir()
    if not folder.is_dir():
        return []
    found: list[Blueprint] = []
    for path in sorted(folder.glob("*.yaml")):
        if not _ID.match(path.stem):
            continue
        try:
            found.append(read_blueprint(path))
        except (ValueError, OSError, UnicodeDecodeError):
            continue
    return sorted(found, key=lambda blueprint: blueprint.title.lower())


@router.get("/blueprints", summary="List the blueprints")
async def list_blueprints() -> list[dict[str, Any]]:
    return [blueprint.summary() for blueprint in all_blueprints()]


@router.get("/blueprints/{blueprint_id}", summary="Get a blueprint with its flow source")
async def get_blueprint(blueprint_id: str) -> dict[str, Any]:
    path = blueprints_dir() / f"{blueprint_id}.yaml"
    if not _ID.match(blueprint_id) or not path.is_file():
        raise HTTPException(404, f"no blueprint {blueprint_id!r}: GET /api/v1/blueprints lists them")
    try:
        blueprint = read_blueprint(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise HTTPException(404, f"blueprint {blueprint_id!r} cannot be read: {exc}") from None
    return {**blueprint.summary(), "source": blueprint.source}
