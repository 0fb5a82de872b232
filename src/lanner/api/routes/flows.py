"""Flows: ``/api/v1/flows/…``, as Kestra's API serves them.

Flows are sent as YAML (``Content-Type: application/x-yaml``) and answered as Kestra's flow
JSON (``lanner.api.flow_sources.flow_json``). Saving a changed source adds a revision; older
revisions stay readable. An invalid flow is answered 422 with every error located (line,
column, property path, hint), and the stored flow is left as it was.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response

from lanner.api.deps import engine_of
from lanner.api.flow_query import parse_flow_query, parse_sort, search_page
from lanner.api.flow_sources import YAML_BODY, YamlDocument, flow_json, mismatch_issue, parse_document, split_documents, yaml_body
from lanner.api.json_body import JsonBody
from lanner.api.routes import flow_bulk
from lanner.errors import ConflictError, FlowValidationError, Issue, NotFoundError

router = APIRouter(tags=["Flows"])


@router.get("/flows/search", summary="Search for flows", response_model=dict[str, Any])
async def search_flows(
    request: Request,
    q: str | None = Query(None, description="Text found in the flow id or namespace."),
    namespace: str | None = Query(None, description="This namespace and the ones below it."),
    labels: list[str] | None = Query(None, description="Labels as `key:value`, repeated; all must match."),
    page: int = Query(1, ge=1, description="Page number, from 1."),
    size: int = Query(10, ge=1, le=10_000, description="Flows per page."),
    sort: list[str] | None = Query(None, description="`field:asc` or `field:desc` (id, namespace, revision, updated)."),
) -> JsonBody:
    """Flows matching the filters (latest revisions, deleted flows left out), one page of them."""
    query = parse_flow_query(request, q, namespace, labels)
    found = await search_page(engine_of(request).store, query, parse_sort(sort), page, size)
    return JsonBody({"results": [flow_json(flow) for flow in found.results], "total": found.total})


@router.get("/flows/distinct-namespaces", summary="List the namespaces holding flows")
async def list_distinct_namespaces(
    request: Request, q: str | None = Query(None, description="Text found in the namespace.")
) -> list[str]:
    """Namespaces holding at least one flow."""
    namespaces = await engine_of(request).store.flow_namespaces()
    return [ns for ns in namespaces if not q or q.lower() in ns.lower()]


@router.post("/flows", summary="Create a flow from its YAML source", openapi_extra=YAML_BODY)
async def create_flow(request: Request) -> dict[str, Any]:
    """Create a flow from its YAML source; 409 if it exists (update it with PUT)."""
    engine = engine_of(request)
    document = _single_document(await yaml_body(request), "POST /api/v1/flows/{namespace}")
    flow = await parse_document(document, engine.registry)
    if await engine.store.get_flow(flow.namespace, flow.id) is not None:
        raise ConflictError(f"flow {flow.uid} already exists; update it with PUT /api/v1/flows/{flow.namespace}/{flow.id}")
    return flow_json(await engine.deploy(document.source), source=True)


def _single_document(body: str, several: str) -> YamlDocument:
    documents = [doc for doc in split_documents(body) if not doc.blank]
    if len(documents) > 1:
        raise FlowValidationError(
            [
                Issue(
                    f"the body holds {len(documents)} flows; this endpoint takes one",
                    line=documents[1].line,
                    column=1,
                    hint=f"send several flows to {several}",
                )
            ]
        )
    return documents[0] if documents else YamlDocument(0, 1, body)


# fixed paths (validate, import, bulk, export…) before the `{namespace}` ones below
router.include_router(flow_bulk.router)


@router.get("/flows/{namespace}", summary="List the flows of a namespace")
async def list_flows_in_namespace(request: Request, namespace: str) -> list[dict[str, Any]]:
    """The flows of exactly this namespace (not the ones below it)."""
    flows = await engine_of(request).store.list_flows(namespace)
    return [flow_json(flow) for flow in flows if flow.namespace == namespace]


@router.get("/flows/{namespace}/{flow_id}", summary="Get a flow, with its source", response_model=dict[str, Any])
async def get_flow(
    request: Request,
    namespace: str,
    flow_id: str,
    source: bool = Query(False, description="Include the YAML source."),
    revision: int | None = Query(None, ge=1, description="This revision instead of the latest."),
    allow_deleted: bool = Query(False, alias="allowDeleted", description="Answer a deleted flow too."),
) -> JsonBody:
    """One flow (its latest revision unless ``revision`` is given)."""
    store = engine_of(request).store
    stored = await store.get_flow(namespace, flow_id, revision)
    if stored is None and revision is None and allow_deleted:
        revisions = await store.flow_revisions(namespace, flow_id)
        stored = revisions[-1] if revisions else None
    if stored is None:
        which = f" revision {revision}" if revision is not None else ""
        raise NotFoundError(f"flow {namespace}.{flow_id}{which} not found")
    return JsonBody(flow_json(stored, source=source))


@router.put("/flows/{namespace}/{flow_id}", summary="Update a flow (a new revision)", openapi_extra=YAML_BODY)
async def update_flow(request: Request, namespace: str, flow_id: str) -> dict[str, Any]:
    """Save a new revision of an existing flow (the previous ones stay readable)."""
    engine = engine_of(request)
    body = await yaml_body(request)
    if await engine.store.get_flow(namespace, flow_id) is None:
        raise NotFoundError(f"flow {namespace}.{flow_id} not found; create it with POST /api/v1/flows")
    document = _single_document(body, f"POST /api/v1/flows/{namespace}")
    flow = await parse_document(document, engine.registry)
    issues = []
    if flow.id != flow_id:
        issues.append(mismatch_issue(document, "id", flow.id, flow_id, "the URL"))
    if flow.namespace != namespace:
        issues.append(mismatch_issue(document, "namespace", flow.namespace, namespace, "the URL"))
    if issues:
        raise FlowValidationError(issues)
    return flow_json(await engine.deploy(document.source), source=True)


@router.delete("/flows/{namespace}/{flow_id}", summary="Delete a flow", status_code=204, response_class=Response)
async def delete_flow(request: Request, namespace: str, flow_id: str) -> Response:
    """Delete a flow; its revisions stay readable for the executions that ran them."""
    engine = engine_of(request)
    if not await engine.store.delete_flow(namespace, flow_id):
        raise NotFoundError(f"flow {namespace}.{flow_id} not found")
    engine.flows.saved(namespace, flow_id)
    return Response(status_code=204)


@router.get("/flows/{namespace}/{flow_id}/revisions", summary="List the revisions of a flow")
async def list_flow_revisions(request: Request, namespace: str, flow_id: str) -> list[dict[str, Any]]:
    """Every revision of the flow, oldest first, with its source (a deleted flow's last one
    is marked ``deleted``)."""
    revisions = await engine_of(request).store.flow_revisions(namespace, flow_id)
    if not revisions:
        raise NotFoundError(f"flow {namespace}.{flow_id} not found")
    return [flow_json(flow, source=True) for flow in revisions]
