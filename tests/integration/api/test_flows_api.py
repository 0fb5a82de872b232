"""Flows over HTTP: create, read, update (revisions), delete, search — success and error paths."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import LiveServer

YAML = {"Content-Type": "application/x-yaml"}


def flow(flow_id: str = "hello", namespace: str = "company.team", message: str = "hi", extra: str = "") -> str:
    return (
        f"id: {flow_id}\nnamespace: {namespace}\n{extra}"
        f"tasks:\n  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: {message}\n"
    )


async def create(client: httpx.AsyncClient, source: str) -> dict[str, Any]:
    response = await client.post("/api/v1/flows", content=source, headers=YAML)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def located(body: dict[str, Any]) -> list[tuple[int | None, int | None]]:
    return [(error["line"], error["column"]) for error in body["errors"]]


async def test_create_answers_kestra_flow_json_and_refuses_a_duplicate(client: httpx.AsyncClient) -> None:
    source = flow(extra="description: Says hi\nlabels:\n  team: data\n")

    body = await create(client, source)

    assert body["id"] == "hello" and body["namespace"] == "company.team" and body["revision"] == 1
    assert body["description"] == "Says hi"
    assert body["labels"] == [{"key": "team", "value": "data"}]
    assert body["tasks"] == [{"id": "say", "type": "io.kestra.plugin.core.log.Log", "message": "hi"}]
    assert body["deleted"] is False and body["disabled"] is False
    assert body["source"] == source
    duplicate = await client.post("/api/v1/flows", content=flow(message="again"), headers=YAML)
    assert duplicate.status_code == 409
    assert "already exists" in duplicate.json()["message"]
    assert (await client.get("/api/v1/flows/company.team/hello", params={"source": True})).json()["source"] == source


async def test_create_refuses_bad_bodies_with_located_errors(client: httpx.AsyncClient) -> None:
    malformed = "id: broken\nnamespace: company.team\ntasks:\n  - id: say\n    message: [unclosed\n"
    invalid = (
        "id: bad\nnamespace: company.team\ntasks:\n"
        "  - id: a\n    type: nope.Unknown\n"
        "  - id: b\n    type: io.kestra.plugin.core.log.Log\n"
    )

    syntax = await client.post("/api/v1/flows", content=malformed, headers=YAML)
    semantic = await client.post("/api/v1/flows", content=invalid, headers=YAML)
    not_utf8 = await client.post("/api/v1/flows", content=b"id: x\nnamespace: n\n\xff\xfe\n", headers=YAML)
    several = await client.post("/api/v1/flows", content=flow("a") + "---\n" + flow("b"), headers=YAML)
    as_json = await client.post("/api/v1/flows", json={"id": "x", "namespace": "n"})

    assert syntax.status_code == 422 and syntax.json()["message"].startswith("invalid flow")
    assert located(syntax.json()) == [(6, 1)] and "syntax" in syntax.json()["errors"][0]["message"].lower()
    assert semantic.status_code == 422
    errors = semantic.json()["errors"]
    assert {e["path"] for e in errors} >= {"tasks[0].type", "tasks[1].message"}
    assert (5, 11) in located(semantic.json())
    assert all({"message", "path", "line", "column", "hint"} <= set(e) for e in errors)
    assert not_utf8.status_code == 422 and located(not_utf8.json()) == [(3, 1)]
    assert "UTF-8" in not_utf8.json()["errors"][0]["message"]
    assert several.status_code == 422 and located(several.json()) == [(7, 1)]
    assert as_json.status_code == 415 and "application/x-yaml" in as_json.json()["message"]
    assert (await client.get("/api/v1/flows/search")).json()["total"] == 0


async def test_update_adds_a_revision_and_keeps_the_previous_one(client: httpx.AsyncClient) -> None:
    await create(client, flow())

    response = await client.put("/api/v1/flows/company.team/hello", content=flow(message="v2"), headers=YAML)
    same = await client.put("/api/v1/flows/company.team/hello", content=flow(message="v2"), headers=YAML)

    assert response.status_code == 200
    assert response.json()["revision"] == 2 and response.json()["source"] == flow(message="v2")
    assert same.json()["revision"] == 2  # an unchanged source adds no revision
    latest = (await client.get("/api/v1/flows/company.team/hello")).json()
    assert latest["revision"] == 2 and "source" not in latest
    first = (await client.get("/api/v1/flows/company.team/hello", params={"revision": 1, "source": "true"})).json()
    assert first["revision"] == 1 and first["source"] == flow()
    revisions = (await client.get("/api/v1/flows/company.team/hello/revisions")).json()
    assert [(r["revision"], r["source"]) for r in revisions] == [(1, flow()), (2, flow(message="v2"))]


async def test_refused_updates_leave_the_stored_flow_untouched(client: httpx.AsyncClient) -> None:
    await create(client, flow())
    broken = flow().replace("io.kestra.plugin.core.log.Log", "not.a.Type")

    invalid = await client.put("/api/v1/flows/company.team/hello", content=broken, headers=YAML)
    renamed = await client.put("/api/v1/flows/company.team/hello", content=flow("other", "elsewhere"), headers=YAML)
    unknown = await client.put("/api/v1/flows/company.team/missing", content=flow("missing"), headers=YAML)

    assert invalid.status_code == 422 and invalid.json()["errors"][0]["path"] == "tasks[0].type"
    assert renamed.status_code == 422
    errors = renamed.json()["errors"]
    assert [(e["path"], e["line"], e["column"]) for e in errors] == [("id", 1, 5), ("namespace", 2, 12)]
    assert "hello" in errors[0]["message"]
    assert unknown.status_code == 404 and "missing" in unknown.json()["message"]
    stored = (await client.get("/api/v1/flows/company.team/hello", params={"source": True})).json()
    assert (stored["revision"], stored["source"]) == (1, flow())


async def test_unknown_flow_or_revision_is_404(client: httpx.AsyncClient) -> None:
    await create(client, flow())

    for path, params in (
        ("/api/v1/flows/company.team/missing", {}),
        ("/api/v1/flows/company.team/hello", {"revision": 9}),
        ("/api/v1/flows/company.team/missing/revisions", {}),
    ):
        response = await client.get(path, params=params)
        assert response.status_code == 404, path
        assert response.json()["message"] and response.json()["errors"] == []


async def test_delete_hides_the_flow_but_keeps_its_revisions(client: httpx.AsyncClient) -> None:
    await create(client, flow())

    assert (await client.delete("/api/v1/flows/company.team/hello")).status_code == 204

    assert (await client.get("/api/v1/flows/company.team/hello")).status_code == 404
    deleted = await client.get("/api/v1/flows/company.team/hello", params={"allowDeleted": True})
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert (await client.get("/api/v1/flows/search")).json() == {"results": [], "total": 0}
    revisions = (await client.get("/api/v1/flows/company.team/hello/revisions")).json()
    assert [(r["revision"], r["deleted"]) for r in revisions] == [(1, True)]
    assert (await client.delete("/api/v1/flows/company.team/hello")).status_code == 404


async def test_search_filters_pages_and_sorts(client: httpx.AsyncClient) -> None:
    await create(client, flow("alpha", "company.team", extra="labels:\n  team: data\n"))
    await create(client, flow("beta", "company.team.sub", extra="labels:\n  - key: team\n    value: ops\n"))
    await create(client, flow("gamma", "other", extra="labels:\n  team: data\n  env: prod\n"))

    async def ids(**params: Any) -> list[str]:
        response = await client.get("/api/v1/flows/search", params=params)
        assert response.status_code == 200, response.text
        return [f["id"] for f in response.json()["results"]]

    assert await ids() == ["alpha", "beta", "gamma"]
    assert await ids(namespace="company.team") == ["alpha", "beta"]
    assert await ids(q="GAM") == ["gamma"]
    assert await ids(labels="team:data") == ["alpha", "gamma"]
    assert await ids(labels=["team:data", "env:prod"]) == ["gamma"]
    assert await ids(sort="id:desc") == ["gamma", "beta", "alpha"]
    assert await ids(sort="id:desc", size=2, page=2) == ["alpha"]
    assert await ids(**{"filters[namespace][EQUALS]": "company.team"}) == ["alpha"]
    assert await ids(**{"filters[labels][EQUALS][team]": "ops"}) == ["beta"]
    assert await ids(**{"filters[flowId][CONTAINS]": "ET"}) == ["beta"]
    page = (await client.get("/api/v1/flows/search", params={"size": 1})).json()
    assert page["total"] == 3 and len(page["results"]) == 1


async def test_bad_search_parameters_are_422_naming_the_parameter(client: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"page": 0}, "query.page"),
        ({"size": "many"}, "query.size"),
        ({"labels": "nocolon"}, "query.labels[0]"),
        ({"sort": "color:asc"}, "query.sort[0]"),
        ({"filters[owner][EQUALS]": "me"}, "query.filters[owner][EQUALS]"),
        ({"filters[namespace][LIKE]": "x"}, "query.filters[namespace][LIKE]"),
    ]
    for params, path in cases:
        response = await client.get("/api/v1/flows/search", params=params)

        assert response.status_code == 422, params
        assert response.json()["errors"][0]["path"] == path
        assert path in response.json()["message"]


async def test_namespace_listing_and_distinct_namespaces(client: httpx.AsyncClient) -> None:
    await create(client, flow("a", "company.team"))
    await create(client, flow("b", "company.team.sub"))

    listed = (await client.get("/api/v1/flows/company.team")).json()
    namespaces = (await client.get("/api/v1/flows/distinct-namespaces")).json()

    assert [f["id"] for f in listed] == ["a"]
    assert namespaces == ["company.team", "company.team.sub"]
    assert (await client.get("/api/v1/flows/distinct-namespaces", params={"q": "SUB"})).json() == ["company.team.sub"]


async def test_tenant_path_serves_the_same_flows(server: LiveServer, client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/main/flows", content=flow(), headers=YAML)
    assert created.status_code == 200

    fetched = await client.get("/api/v1/main/flows/company.team/hello")
    updated = await client.put("/api/v1/main/flows/company.team/hello", content=flow(message="v2"), headers=YAML)

    assert fetched.json()["revision"] == 1 and updated.json()["revision"] == 2
    stored = await server.engine.store.get_flow("company.team", "hello")
    assert stored is not None and stored.revision == 2
