"""What the Flows page asks for: search pages with labels, the latest execution of many flows
at once, and a large flow read again (served from the parsed-source cache)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from lanner.models.state import State

from ..storage.factories import T0, execution
from .conftest import LiveServer
from .test_flows_api import create, flow


async def test_label_search_pages_and_counts_the_matching_flows(client: httpx.AsyncClient) -> None:
    for index in range(5):
        labels = "labels:\n  team: data\n" if index % 2 == 0 else "labels:\n  team: ops\n"
        await create(client, flow(f"f{index}", "company.team", extra=labels))

    async def page(**params: Any) -> tuple[list[str], int]:
        response = await client.get("/api/v1/flows/search", params={"labels": "team:data", **params})
        assert response.status_code == 200, response.text
        body = response.json()
        return [f["id"] for f in body["results"]], body["total"]

    assert await page(size=2) == (["f0", "f2"], 3)
    assert await page(size=2, page=2) == (["f4"], 3)
    assert await page(size=2, sort="id:desc") == (["f4", "f2"], 3)
    assert await page(size=2, page=3) == ([], 3)


async def test_latest_execution_of_several_flows(server: LiveServer, client: httpx.AsyncClient) -> None:
    old = execution(namespace="company.team", flow_id="a", state=State.FAILED, created=T0)
    new = execution(namespace="company.team", flow_id="a", state=State.SUCCESS, created=T0 + timedelta(minutes=1))
    other = execution(namespace="company.team", flow_id="b", state=State.KILLED, created=T0)  # ended: the engine leaves it be
    for ex in (old, new, other):
        await server.engine.store.create_execution(ex)

    flows = [{"namespace": "company.team", "id": name} for name in ("a", "b", "never")]
    response = await client.post("/api/v1/executions/latest", json=flows)

    assert response.status_code == 200, response.text
    assert response.json() == [
        {"id": new.id, "namespace": "company.team", "flowId": "a", "startDate": "2030-01-01T12:01:00Z", "status": "SUCCESS"},
        {"id": other.id, "namespace": "company.team", "flowId": "b", "startDate": "2030-01-01T12:00:00Z", "status": "KILLED"},
    ]
    assert (await client.post("/api/v1/executions/latest", json=[])).json() == []


async def test_latest_executions_refuses_a_bad_body_naming_the_place(client: httpx.AsyncClient) -> None:
    cases: list[tuple[Any, str]] = [
        ([{"namespace": "ns"}], "body[0].id"),
        ({"namespace": "ns", "id": "a"}, "body"),
        ([{"namespace": "ns", "id": "a"}] * 1001, "body"),
    ]
    for body, path in cases:
        response = await client.post("/api/v1/executions/latest", json=body)

        assert response.status_code == 422, body
        assert response.json()["errors"][0]["path"] == path
    response = await client.post("/api/v1/executions/latest", content=b"[{", headers={"Content-Type": "application/json"})
    assert response.status_code == 422


async def test_a_large_flow_reads_the_same_every_time(client: httpx.AsyncClient) -> None:
    tasks = "".join(f"  - id: t{index}\n    type: io.kestra.plugin.core.log.Log\n    message: m{index}\n" for index in range(300))
    source = "id: big\nnamespace: company.team\nlabels:\n  team: data\ntasks:\n" + tasks
    created = await create(client, source)
    await create(client, flow("big", "company.other"))  # the same id elsewhere

    first = (await client.get("/api/v1/flows/company.team/big", params={"source": True})).json()
    again = (await client.get("/api/v1/flows/company.team/big", params={"source": True})).json()
    elsewhere = (await client.get("/api/v1/flows/company.other/big")).json()

    assert first == again == created
    assert len(first["tasks"]) == 300 and first["labels"] == [{"key": "team", "value": "data"}]
    assert first["source"] == source
    assert len(elsewhere["tasks"]) == 1 and "source" not in elsewhere
    deleted = await client.delete("/api/v1/flows/company.team/big")
    assert deleted.status_code == 204
    gone = (await client.get("/api/v1/flows/company.team/big", params={"allowDeleted": True})).json()
    assert gone["deleted"] is True and gone["tasks"] == first["tasks"]
