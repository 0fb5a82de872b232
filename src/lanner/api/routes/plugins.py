"""Plugins: ``/api/v1/plugins/…``, the installed task and trigger types and their schemas.

- ``GET /plugins``: Kestra's plugin list (per plugin package: its task and trigger types,
  their aliases, and a ``types`` list documenting each one);
- ``GET /plugins/{type}``: one type (canonical name or Kestra alias): markdown documentation
  and Kestra's ``schema: {properties, outputs, definitions}``;
- ``GET /plugins/schemas/{flow|task|trigger}``: JSON Schemas for editors (``?arrayOf=true``
  wraps a task or trigger schema in an array, as Kestra does).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from lanner.api.deps import engine_of
from lanner.api.plugin_docs import PluginDocs
from lanner.errors import NotFoundError
from lanner.models.plugin import type_names

router = APIRouter(tags=["Plugins"])

_CACHE = {"Cache-Control": "public, max-age=3600"}
_SCHEMA_TYPES = ("flow", "task", "trigger")


def _docs(request: Request) -> PluginDocs:
    """The documentation of the engine's registry, built once per application."""
    registry = engine_of(request).registry
    docs: PluginDocs | None = getattr(request.app.state, "plugin_docs", None)
    if docs is None or docs.registry is not registry:
        docs = PluginDocs(registry)
        request.app.state.plugin_docs = docs
    return docs


async def _flow_schema(docs: PluginDocs) -> dict[str, Any]:
    return await asyncio.to_thread(docs.flow_schema)


@router.get("/plugins", summary="List the plugin packages with their task and trigger types")
async def list_plugins(request: Request) -> list[dict[str, Any]]:
    """Installed plugin packages with their task and trigger types."""
    return _docs(request).listing()


@router.get("/plugins/schemas/{schema_type}", summary="The JSON Schema of a flow, a task or a trigger (for editors)")
async def get_schema(
    request: Request,
    schema_type: str,
    array_of: bool = Query(False, alias="arrayOf", description="A task or trigger schema wrapped in an array."),
) -> JSONResponse:
    """JSON Schema of a flow, of any task, or of any trigger (every type, with documentation)."""
    kind = schema_type.lower()
    if kind not in _SCHEMA_TYPES:
        raise NotFoundError(f"no schema {schema_type!r}; available: {', '.join(_SCHEMA_TYPES)}")
    schema = await _flow_schema(_docs(request))
    if kind == "flow":
        return JSONResponse(schema, headers=_CACHE)
    items = schema["properties"]["tasks" if kind == "task" else "triggers"]
    items = items.get("items", items)
    if "anyOf" in items and "items" not in items:  # `triggers` is optional: list | null
        items = next((option["items"] for option in items["anyOf"] if "items" in option), items)
    body = {"type": "array", "items": items} if array_of else dict(items)
    result = {"$schema": schema.get("$schema"), **body, "$defs": schema.get("$defs", {})}
    return JSONResponse(result, headers=_CACHE)


@router.get("/plugins/{plugin_type}", summary="The documentation and JSON Schema of one task or trigger type")
async def get_plugin(request: Request, plugin_type: str) -> JSONResponse:
    """Documentation and schema of one task or trigger type (its Kestra names work too)."""
    docs = _docs(request)
    cls = docs.plugin_class(plugin_type)
    if cls is None:
        raise NotFoundError(f"no task or trigger type {plugin_type!r}; {docs.unknown_hint(plugin_type)}")
    await _flow_schema(docs)
    names = type_names(cls)
    body = {
        "type": names[0],
        "kind": cls.plugin_kind,
        "aliases": list(names[1:]),
        "markdown": docs.markdown(cls),
        "schema": docs.type_schema(cls),
    }
    return JSONResponse(body, headers=_CACHE)
