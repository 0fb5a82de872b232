"""Flows in bulk over HTTP: validation, namespace updates (atomic), import and export."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import httpx

from .conftest import LiveServer

YAML = {"Content-Type": "application/x-yaml"}


def flow(flow_id: str, namespace: str = "company.team", message: str = "hi") -> str:
    return (
        f"id: {flow_id}\nnamespace: {namespace}\n"
        f"tasks:\n  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: {message}\n"
    )


INVALID = "id: broken\nnamespace: company.team\ntasks:\n  - id: say\n    type: no.such.Task\n"


async def stored(server: LiveServer, namespace: str | None = None) -> dict[str, tuple[int, str]]:
    return {f"{f.namespace}.{f.id}": (f.revision, f.source) for f in await server.engine.store.list_flows(namespace)}


async def test_validate_answers_one_result_per_flow_with_body_positions(client: httpx.AsyncClient) -> None:
    body = flow("good") + "---\n" + INVALID + "---\n" + "id: [unclosed\n"

    response = await client.post("/api/v1/flows/validate", content=body, headers=YAML)

    assert response.status_code == 200
    results = response.json()
    assert [(r["index"], r["flow"], r["namespace"]) for r in results] == [
        (0, "good", "company.team"),
        (1, "broken", "company.team"),
        (2, None, None),
    ]
    assert results[0]["errors"] == [] and results[0]["constraints"] is None
    assert [(e["path"], e["line"], e["column"]) for e in results[1]["errors"]] == [("tasks[0].type", 12, 11)]
    assert "no.such.Task" in results[1]["constraints"]
    assert results[2]["errors"][0]["line"] >= 14  # the third document starts on line 14 of the body

    files = [("flows", ("good.yml", flow("good"))), ("flows", ("bad.yml", INVALID))]
    from_files = (await client.post("/api/v1/flows/validate", files=files)).json()
    assert [(r["filename"], bool(r["errors"])) for r in from_files] == [("good.yml", False), ("bad.yml", True)]
    assert from_files[1]["errors"][0]["source"] == "bad.yml"


async def test_validate_never_fails_on_garbage_and_refuses_json(client: httpx.AsyncClient) -> None:
    for body in ("", "---\n---\n", "- just\n- a list\n", "\t\x00weird: [", "a: b\n" * 3):
        response = await client.post("/api/v1/flows/validate", content=body, headers=YAML)
        assert response.status_code == 200, body
        assert response.json() and all(result["errors"] for result in response.json()), body
    assert (await client.post("/api/v1/flows/validate", json={"id": "x"})).status_code == 415


async def test_namespace_update_creates_updates_and_deletes(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(flow("keep"))
    await server.engine.deploy(flow("gone"))
    await server.engine.deploy(flow("child", "company.team.sub"))

    body = flow("keep", message="v2") + "---\n" + flow("new")
    response = await client.post("/api/v1/flows/company.team", content=body, headers=YAML)

    assert response.status_code == 200, response.text
    assert [(f["id"], f["revision"], f["deleted"]) for f in response.json()] == [
        ("gone", 1, True),
        ("keep", 2, False),
        ("new", 1, False),
    ]
    assert await stored(server) == {
        "company.team.keep": (2, flow("keep", message="v2")),
        "company.team.new": (1, flow("new")),
        "company.team.sub.child": (1, flow("child", "company.team.sub")),
    }
    again = await client.post("/api/v1/flows/company.team", content=body, headers=YAML)
    assert [(f["id"], f["revision"]) for f in again.json()] == [("keep", 2), ("new", 1)]  # unchanged: no revision


async def test_namespace_update_without_delete_and_from_multipart_files(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(flow("other"))
    files = [("flows", ("a.yml", flow("a", "draft"))), ("flows", ("b.yml", flow("b", "draft")))]

    plain = await client.post("/api/v1/flows/company.team", params={"delete": "false"}, content=flow("new"), headers=YAML)
    assert plain.status_code == 200
    assert set(await stored(server)) == {"company.team.other", "company.team.new"}
    multipart = await client.post("/api/v1/flows/company.team", params={"override": "true"}, files=files)
    assert multipart.status_code == 200, multipart.text
    assert set(await stored(server)) == {"company.team.a", "company.team.b"}


async def test_namespace_update_is_all_or_nothing(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(flow("keep"))
    await server.engine.deploy(flow("other"))
    before = await stored(server)

    body = flow("keep", message="v2") + "---\n" + flow("new") + "---\n" + INVALID
    response = await client.post("/api/v1/flows/company.team", content=body, headers=YAML)

    assert response.status_code == 422
    assert [(e["path"], e["line"]) for e in response.json()["errors"]] == [("tasks[0].type", 19)]
    assert await stored(server) == before


async def test_namespace_update_refuses_other_namespaces_and_duplicates(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(flow("keep"))

    body = flow("a", "elsewhere") + "---\n" + flow("b") + "---\n" + flow("b")
    response = await client.post("/api/v1/flows/company.team", content=body, headers=YAML)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["path"], e["line"], e["column"]) for e in errors] == [("namespace", 2, 12), ("id", 15, 5)]
    assert "elsewhere" in errors[0]["message"] and "twice" in errors[1]["message"]
    assert set(await stored(server)) == {"company.team.keep"}


async def test_bulk_endpoint_with_namespace_children(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(flow("old", "company.team"))
    body = flow("a", "company.team") + "---\n" + flow("b", "company.team.sub")

    refused = await client.post("/api/v1/flows/bulk", params={"namespace": "company.team"}, content=body, headers=YAML)
    accepted = await client.post(
        "/api/v1/flows/bulk", params={"namespace": "company.team", "allowNamespaceChild": "true"}, content=body, headers=YAML
    )

    assert refused.status_code == 422
    assert accepted.status_code == 200
    assert set(await stored(server)) == {"company.team.a", "company.team.sub.b"}


async def test_export_then_import_round_trips(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(flow("a"))
    await server.engine.deploy(flow("b", "other"))

    exported = await client.get("/api/v1/flows/export/by-query", params={"namespace": "company.team"})

    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == 'attachment; filename="flows.zip"'
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    assert archive.namelist() == ["company.team.a.yml"]
    assert archive.read("company.team.a.yml").decode() == flow("a")

    await client.delete("/api/v1/flows/company.team/a")
    imported = await client.post("/api/v1/flows/import", files={"fileUpload": ("flows.zip", exported.content)})

    assert imported.status_code == 200 and imported.json() == []
    assert set(await stored(server)) == {"company.team.a", "other.b"}


async def test_export_by_ids(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(flow("a"))

    found = await client.post("/api/v1/flows/export/by-ids", json=[{"namespace": "company.team", "id": "a"}])
    missing = await client.post("/api/v1/flows/export/by-ids", json=[{"namespace": "company.team", "id": "zz"}])
    malformed = await client.post("/api/v1/flows/export/by-ids", json=[{"namespace": "company.team"}])

    assert zipfile.ZipFile(io.BytesIO(found.content)).namelist() == ["company.team.a.yml"]
    assert missing.status_code == 404
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["path"] == "body[0].id"


async def test_import_fail_on_error_imports_nothing(server: LiveServer, client: httpx.AsyncClient) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("good.yml", flow("good"))
        zipped.writestr("bad.yml", INVALID)

    response = await client.post(
        "/api/v1/flows/import", params={"failOnError": "true"}, files={"fileUpload": ("flows.zip", archive.getvalue())}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["source"] == "bad.yml"
    assert await stored(server) == {}


async def test_import_reports_invalid_documents_and_unreadable_uploads(server: LiveServer, client: httpx.AsyncClient) -> None:
    content = flow("a") + "---\n" + INVALID

    response = await client.post("/api/v1/flows/import", files={"fileUpload": ("flows.yml", content)})

    assert response.status_code == 200
    assert response.json() == ["1"]
    assert set(await stored(server)) == {"company.team.a"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"files": {"other": ("x.yml", "a: b")}}, "fileUpload"),
        ({"files": {"fileUpload": ("flows.zip", b"PK\x03\x04 truncated")}}, "ZIP"),
    ]
    for request, expected in cases:
        refused = await client.post("/api/v1/flows/import", **request)
        assert refused.status_code == 422, expected
        assert expected in refused.text
