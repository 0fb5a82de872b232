"""The server answers over real HTTP, with and without Kestra's tenant segment."""

from __future__ import annotations

import httpx

from .conftest import LiveServer

FLOW = "id: hello\nnamespace: company.team\ntasks:\n  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"


async def test_health_and_openapi(client: httpx.AsyncClient) -> None:
    health = await client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "UP"
    spec = await client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/flows/search" in spec.json()["paths"]


async def test_tenant_segment_is_optional(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(FLOW)
    plain = (await client.get("/api/v1/flows/search")).json()
    tenant = (await client.get("/api/v1/main/flows/search")).json()
    assert plain == tenant
    assert [f["id"] for f in plain["results"]] == ["hello"]
