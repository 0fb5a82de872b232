"""The triggers API through real HTTP: search, disable/enable, unlock, backfill."""

from __future__ import annotations

import asyncio

import httpx

from .conftest import LiveServer

FLOW = """
id: nightly
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date ?? 'manual' }}"
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 2 * * *"
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: k3y
"""
REF = {"namespace": "company.team", "flowId": "nightly", "triggerId": "schedule"}


async def test_search_lists_triggers_with_their_state(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(FLOW)
    found = (await client.get("/api/v1/triggers/search", params={"namespace": "company"})).json()
    assert found["total"] == 2
    by_id = {item["triggerContext"]["triggerId"]: item for item in found["results"]}
    schedule = by_id["schedule"]
    assert schedule["abstractTrigger"]["cron"] == "0 2 * * *"
    assert schedule["triggerContext"]["nextExecutionDate"].endswith("T02:00:00Z")
    assert schedule["triggerContext"]["disabled"] is False
    assert by_id["hook"]["triggerContext"]["nextExecutionDate"] is None
    assert (await client.get("/api/v1/triggers/search", params={"namespace": "other"})).json()["total"] == 0
    flow = (await client.get("/api/v1/main/triggers/company.team/nightly")).json()
    assert sorted(item["triggerId"] for item in flow["results"]) == ["hook", "schedule"]


async def test_disable_and_enable(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(FLOW)
    disabled = await client.put("/api/v1/triggers", json={**REF, "disabled": True})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled"] is True and disabled.json()["nextExecutionDate"] is None
    hook = {**REF, "triggerId": "hook"}
    bulk = await client.post("/api/v1/triggers/set-disabled/by-triggers", json={"triggers": [hook], "disabled": True})
    assert bulk.json() == {"count": 1}
    assert (await client.post("/api/v1/executions/webhook/company.team/nightly/k3y")).status_code == 404
    enabled = await client.put("/api/v1/triggers", json={**REF, "disabled": False})
    assert enabled.json()["disabled"] is False
    found = (await client.get("/api/v1/triggers/search")).json()["results"]
    assert {item["triggerContext"]["triggerId"]: item["triggerContext"]["disabled"] for item in found} == {
        "schedule": False,
        "hook": True,
    }


async def test_backfill_runs_the_ticks_of_the_range(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(FLOW)
    body = {
        **REF,
        "backfill": {"start": "2024-01-01T00:00:00Z", "end": "2024-01-03T12:00:00Z", "labels": [{"key": "k", "value": "v"}]},
    }
    started = await client.put("/api/v1/triggers", json=body)
    assert started.status_code == 200, started.text
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        found = (await client.get("/api/v1/executions/search", params={"namespace": "company.team"})).json()
        dates = sorted(ex["trigger"]["variables"]["date"] for ex in found.get("results", []) if ex.get("trigger"))
        if len(dates) >= 3:
            break
        assert loop.time() < deadline, found
        await asyncio.sleep(0.05)
    assert dates == ["2024-01-01T02:00:00Z", "2024-01-02T02:00:00Z", "2024-01-03T02:00:00Z"]


async def test_backfill_pause_unpause_delete(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(FLOW)
    await client.put("/api/v1/triggers", json={**REF, "disabled": True})  # a disabled trigger keeps its backfill waiting
    body = {**REF, "backfill": {"start": "2024-01-01T00:00:00Z", "inputs": {}, "labels": {"k": "v"}}}
    started = await client.put("/api/v1/triggers", json=body)
    assert started.status_code == 200, started.text
    assert started.json()["backfill"]["start"] == "2024-01-01T00:00:00+00:00"
    assert started.json()["backfill"]["labels"] == [{"key": "k", "value": "v"}]
    paused = await client.put("/api/v1/triggers/backfill/pause", json=REF)
    assert paused.status_code == 200 and paused.json()["backfill"]["paused"] is True
    unpaused = await client.put("/api/v1/triggers/backfill/unpause", json=REF)
    assert unpaused.json()["backfill"]["paused"] is False
    deleted = await client.post("/api/v1/triggers/backfill/delete", json=REF)
    assert deleted.status_code == 200 and deleted.json()["backfill"] is None
    again = await client.post("/api/v1/triggers/backfill/delete", json=REF)
    assert again.status_code == 409 and "no backfill" in again.json()["message"]


async def test_errors_are_clear(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(FLOW)
    missing = await client.put("/api/v1/triggers", json={**REF, "triggerId": "nope", "disabled": True})
    assert missing.status_code == 404 and "nope" in missing.json()["message"]
    on_webhook = await client.put(
        "/api/v1/triggers", json={**REF, "triggerId": "hook", "backfill": {"start": "2024-01-01T00:00:00Z"}}
    )
    assert on_webhook.status_code == 409 and "only Schedule" in on_webhook.json()["message"]
    not_locked = await client.post("/api/v1/triggers/company.team/nightly/schedule/unlock")
    assert not_locked.status_code == 409
    reversed_range = {**REF, "backfill": {"start": "2024-02-01T00:00:00Z", "end": "2024-01-01T00:00:00Z"}}
    assert (await client.put("/api/v1/triggers", json=reversed_range)).status_code == 422
    bad = await client.put("/api/v1/triggers", json={"namespace": "company.team"})
    assert bad.status_code == 422
    assert (await client.put("/api/v1/triggers", json=REF)).status_code == 422
