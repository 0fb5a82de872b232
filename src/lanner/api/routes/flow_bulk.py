"""Flows in bulk: validation, namespace updates, import and export (``/api/v1/flows/…``).

Mounted by ``routes.flows`` before its ``/flows/{namespace}/{id}`` routes, so the fixed paths
(``validate``, ``import``, ``bulk``, ``export``) win over a namespace of the same name.

Every write here is one store transaction: when any posted flow is invalid, the answer is 422
with every error located, and nothing stored changes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import zipfile
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from lanner.api.deps import engine_of
from lanner.api.flow_query import parse_flow_query, select_flows
from lanner.api.flow_sources import (
    YAML_BODY,
    YamlDocument,
    decode_text,
    flow_json,
    media_type,
    mismatch_issue,
    parse_document,
    split_documents,
    yaml_body,
)
from lanner.engine.engine import Engine
from lanner.errors import FlowValidationError, Issue, NotFoundError
from lanner.flows import validate_flow
from lanner.flows.source import load_yaml
from lanner.models.flow import Flow
from lanner.storage.ports import StoredFlow

router = APIRouter(tags=["Flows"])

_MULTIPART_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-yaml": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"flows": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                }
            },
        },
    }
}
_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"fileUpload": {"type": "string", "format": "binary"}}}
            }
        },
    }
}
#: zip archives are read within these bounds (a small archive may expand enormously)
_ZIP_MAX_FILES = 10_000
_ZIP_MAX_BYTES = 64 * 1024 * 1024


@dataclasses.dataclass(frozen=True, slots=True)
class _Posted:
    """One flow document of a request, with the file it came from (multipart) if any."""

    document: YamlDocument
    filename: str | None = None


class FlowKey(BaseModel):
    namespace: str = Field(description="Namespace of the flow.")
    id: str = Field(description="Flow id.")


# ---------------------------------------------------------------------------- validate


@router.post("/flows/validate", summary="Validate flows without saving them", openapi_extra=_MULTIPART_BODY)
async def validate_flows(request: Request) -> list[dict[str, Any]]:
    """Validate flows without saving them: one result per flow, with every error located."""
    engine = engine_of(request)
    posted = await _posted_flows(request, keep_blank=True)
    results = []
    for index, item in enumerate(posted):
        found, fields = await asyncio.to_thread(_checked, engine, item.document, item.filename)
        issues = [dataclasses.replace(issue, source=item.filename) for issue in found]
        results.append(
            {
                "index": index,
                "filename": item.filename,
                "flow": fields.get("id") if isinstance(fields.get("id"), str) else None,
                "namespace": fields.get("namespace") if isinstance(fields.get("namespace"), str) else None,
                "outdated": False,
                "deprecationPaths": [],
                "warnings": [],
                "infos": [],
                "constraints": "\n".join(issue.format() for issue in issues) or None,
                "errors": [issue.to_dict() for issue in issues],
            }
        )
    return results


def _checked(engine: Engine, document: YamlDocument, filename: str | None) -> tuple[list[Issue], dict[str, Any]]:
    """The document's issues and its top-level fields, both read off the event loop (a flow of
    500 tasks takes a few hundred milliseconds to read: the server must go on answering)."""
    issues = validate_flow(document.padded, filename=filename, registry=engine.registry)
    data = load_yaml(document.padded).data
    return issues, data if isinstance(data, dict) else {}


# ---------------------------------------------------------------------------- namespace updates


@router.post(
    "/flows/bulk",
    summary="Create or update several flows in one transaction; optionally delete the others",
    openapi_extra=YAML_BODY,
)
async def update_flows_in_bulk(
    request: Request,
    namespace: str | None = Query(None, description="Only flows of this namespace may be posted."),
    delete: bool = Query(True, description="Delete the flows not posted (of `namespace`, or of every namespace)."),
    allow_children: bool = Query(False, alias="allowNamespaceChild", description="Accept flows of namespaces below `namespace`."),
) -> list[dict[str, Any]]:
    """Create or update every posted flow (``---``-separated YAML) in one transaction."""
    posted = [_Posted(doc) for doc in split_documents(await yaml_body(request)) if not doc.blank]
    prune = (namespace or "") if delete else None
    return await _save_all(engine_of(request), posted, namespace, prune, allow_children=allow_children)


def _override_namespace(document: YamlDocument, namespace: str) -> YamlDocument:
    lines = document.text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("namespace:"):
            lines[index] = f"namespace: {namespace}\n"
            break
    return dataclasses.replace(document, text="".join(lines))


async def _save_all(
    engine: Engine, posted: list[_Posted], namespace: str | None, prune: str | None, *, allow_children: bool
) -> list[dict[str, Any]]:
    """Parse every flow, check namespaces and duplicates, then save them all at once."""
    issues: list[Issue] = []
    parsed: list[tuple[_Posted, Flow]] = []
    for item in posted:
        try:
            parsed.append((item, await parse_document(item.document, engine.registry, item.filename)))
        except FlowValidationError as exc:
            issues.extend(exc.issues)
    seen: set[tuple[str, str]] = set()
    for item, flow in parsed:
        below = allow_children and flow.namespace.startswith(f"{namespace}.")
        if namespace is not None and flow.namespace != namespace and not below:
            issues.append(
                dataclasses.replace(
                    mismatch_issue(item.document, "namespace", flow.namespace, namespace, "the URL"), source=item.filename
                )
            )
        if (flow.namespace, flow.id) in seen:
            mark = load_yaml(item.document.padded).positions.value(("id",))
            issues.append(
                Issue(
                    f"flow {flow.uid} is posted twice",
                    path="id",
                    line=mark.line if mark else None,
                    column=mark.column if mark else None,
                    hint="post each flow once",
                    source=item.filename,
                )
            )
        seen.add((flow.namespace, flow.id))
    if issues:
        raise FlowValidationError(issues)
    changes = await engine.store.save_flows(
        [(flow.namespace, flow.id, item.document.source) for item, flow in parsed], prune=prune
    )
    _forget_reads(engine, [*changes.saved, *changes.deleted])
    return [flow_json(flow) for flow in changes.deleted] + [flow_json(flow) for flow in changes.saved]


def _forget_reads(engine: Engine, flows: list[StoredFlow]) -> None:
    """Executions submitted from now on must see these revisions (see ``FlowCache.saved``)."""
    for flow in flows:
        engine.flows.saved(flow.namespace, flow.id)


async def _posted_flows(request: Request, *, keep_blank: bool) -> list[_Posted]:
    """Flow documents of a YAML body, or of the ``flows`` files of a multipart body."""
    if media_type(request) == "multipart/form-data":
        form = await request.form()
        posted: list[_Posted] = []
        for part in form.getlist("flows"):
            if isinstance(part, UploadFile):
                name, text = part.filename, decode_text(await part.read(), part.filename or "a file")
            else:
                name, text = None, part
            documents = [doc for doc in split_documents(text) if not doc.blank]
            posted.extend(_Posted(doc, name) for doc in documents or [YamlDocument(0, 1, "")])
        return posted
    documents = split_documents(await yaml_body(request))
    filled = [_Posted(doc) for doc in documents if not doc.blank]
    if not filled and keep_blank:
        return [_Posted(documents[0])]
    return filled


# ---------------------------------------------------------------------------- import / export


@router.post("/flows/import", summary="Import flows from a ZIP archive or a multi-document YAML file", openapi_extra=_IMPORT_BODY)
async def import_flows(
    request: Request,
    fail_on_error: bool = Query(False, alias="failOnError", description="Import nothing when a flow is invalid (422)."),
) -> list[str]:
    """Import a ZIP archive of YAML files or a multi-document YAML file (multipart field
    ``fileUpload``); answers the names of the files (or document indexes) not imported."""
    engine = engine_of(request)
    form = await request.form()
    upload = form.get("fileUpload") or form.get("file")
    if not isinstance(upload, UploadFile):
        raise FlowValidationError(
            [Issue("no file uploaded", path="fileUpload", hint="send the file as multipart field `fileUpload`")]
        )
    raw = await upload.read()
    posted: list[tuple[str, _Posted]] = []
    if raw.startswith(b"PK\x03\x04") or (upload.filename or "").lower().endswith(".zip"):
        for name, content in _zip_entries(raw):
            documents = [doc for doc in split_documents(decode_text(content, name)) if not doc.blank]
            posted.extend((name, _Posted(doc, name)) for doc in documents or [YamlDocument(0, 1, "")])
    else:
        documents = [doc for doc in split_documents(decode_text(raw, upload.filename or "the file")) if not doc.blank]
        posted.extend((str(doc.index), _Posted(doc, upload.filename)) for doc in documents)
    wrong: list[str] = []
    issues: list[Issue] = []
    valid: list[tuple[str, str, str]] = []
    for name, item in posted:
        try:
            flow = await parse_document(item.document, engine.registry, item.filename)
        except FlowValidationError as exc:
            wrong.append(name)
            issues.extend(exc.issues)
            continue
        valid.append((flow.namespace, flow.id, item.document.source))
    if wrong and fail_on_error:
        raise FlowValidationError(issues)
    if valid:
        _forget_reads(engine, (await engine.store.save_flows(valid)).saved)
    return list(dict.fromkeys(wrong))


def _zip_entries(raw: bytes) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = [info for info in archive.infolist() if not info.is_dir() and info.filename.lower().endswith((".yml", ".yaml"))]
        if len(infos) > _ZIP_MAX_FILES or sum(info.file_size for info in infos) > _ZIP_MAX_BYTES:
            raise FlowValidationError(
                [
                    Issue(
                        f"the archive holds more than {_ZIP_MAX_FILES} files or {_ZIP_MAX_BYTES // 2**20} MiB of YAML",
                        path="fileUpload",
                    )
                ]
            )
        return [(info.filename, archive.read(info)) for info in infos if not info.filename.startswith("__MACOSX/")]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise FlowValidationError(
            [
                Issue(
                    f"the uploaded file is not a readable ZIP archive: {exc}",
                    path="fileUpload",
                    hint="upload a .zip or a .yml file",
                )
            ]
        ) from None


@router.get("/flows/export/by-query", summary="Export the flows matching a query as a ZIP archive", response_class=Response)
async def export_flows_by_query(
    request: Request,
    q: str | None = Query(None, description="Text found in the flow id or namespace."),
    namespace: str | None = Query(None, description="This namespace and the ones below it."),
    labels: list[str] | None = Query(None, description="Labels as `key:value`, repeated."),
) -> Response:
    """A ZIP archive of the YAML sources of the matching flows."""
    flows = await select_flows(engine_of(request).store, parse_flow_query(request, q, namespace, labels))
    return _zip_response([(f"{flow.namespace}.{flow.id}.yml", flow.source) for flow in flows])


@router.post("/flows/export/by-ids", summary="Export the given flows as a ZIP archive", response_class=Response)
async def export_flows_by_ids(request: Request, ids: list[FlowKey]) -> Response:
    """A ZIP archive of the YAML sources of the given flows."""
    store = engine_of(request).store
    files = []
    for key in ids:
        flow = await store.get_flow(key.namespace, key.id)
        if flow is None:
            raise NotFoundError(f"flow {key.namespace}.{key.id} not found")
        files.append((f"{flow.namespace}.{flow.id}.yml", flow.source))
    return _zip_response(files)


def _zip_response(files: list[tuple[str, str]]) -> Response:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in files:
            archive.writestr(name, source)
    return Response(
        buffer.getvalue(),
        media_type="application/octet-stream",
        headers={"Content-Disposition": 'attachment; filename="flows.zip"'},
    )


# registered last: `{namespace}` would otherwise also match validate, import, bulk…
@router.post("/flows/{namespace}", summary="Make a namespace hold exactly the posted flows", openapi_extra=_MULTIPART_BODY)
async def update_flows_in_namespace(
    request: Request,
    namespace: str,
    delete: bool = Query(True, description="Delete the namespace's flows that are not posted."),
    override: bool = Query(False, description="Multipart: set every posted flow's namespace to this one."),
) -> list[dict[str, Any]]:
    """Make the namespace hold exactly the posted flows (``---``-separated YAML or multipart
    ``flows`` files): create, update and (``delete``) delete, in one transaction."""
    posted = await _posted_flows(request, keep_blank=False)
    if override:
        posted = [_Posted(_override_namespace(item.document, namespace), item.filename) for item in posted]
    return await _save_all(engine_of(request), posted, namespace, namespace if delete else None, allow_children=False)
