"""Webhook triggers through real HTTP: 200, 204, one 404, 413, 422, wait and returnOutputs."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from .conftest import LiveServer

HOOKED = """
id: orders
namespace: company.team
inputs:
  - id: order
    type: STRING
    defaults: none
outputs:
  - id: echo
    type: STRING
    value: "{{ outputs.echo.value }}"
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.order }}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: s3cr3t-key
    inputs:
      order: "{{ trigger.body.id ?? trigger.body }}"
    conditions:
      - type: io.kestra.plugin.core.condition.Expression
        expression: "{{ trigger.parameters.skip is not defined }}"
  - id: waiting
    type: io.kestra.plugin.core.trigger.Webhook
    key: wait-key
    wait: true
    inputs:
      order: "{{ trigger.body.id }}"
  - id: outputs
    type: io.kestra.plugin.core.trigger.Webhook
    key: "{{ secret('ORDERS_HOOK') }}"
    wait: true
    returnOutputs: true
    inputs:
      order: "{{ trigger.body.id }}"
"""

URL = "/api/v1/executions/webhook/company.team/orders"


async def test_post_starts_an_execution_with_body_headers_and_parameters(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(HOOKED)
    answer = await client.post(
        f"{URL}/s3cr3t-key?a=1&a=2", json={"id": "o-17"}, headers={"X-Source": "shop", "Authorization": "Bearer hidden"}
    )
    assert answer.status_code == 200, answer.text
    execution = answer.json()
    assert (execution["namespace"], execution["flowId"], execution["inputs"]) == ("company.team", "orders", {"order": "o-17"})
    variables = execution["trigger"]["variables"]
    assert variables["body"] == {"id": "o-17"}
    assert variables["parameters"] == {"a": ["1", "2"]}
    assert variables["headers"]["x-source"] == ["shop"]
    assert "authorization" not in variables["headers"]  # credentials never stored
    assert execution["trigger"]["id"] == "hook"


async def test_get_and_put_with_a_text_body(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(HOOKED)
    got = await client.get(f"{URL}/s3cr3t-key")
    assert got.status_code == 200 and got.json()["trigger"]["variables"]["body"] is None
    put = await client.put(f"{URL}/s3cr3t-key", content=b"plain text", headers={"Content-Type": "text/plain"})
    assert put.status_code == 200 and put.json()["inputs"] == {"order": "plain text"}


async def test_one_identical_404_for_unknown_namespace_flow_or_key(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(HOOKED)
    answers = [
        await client.post("/api/v1/executions/webhook/nowhere/orders/s3cr3t-key"),
        await client.post("/api/v1/executions/webhook/company.team/nothing/s3cr3t-key"),
        await client.post(f"{URL}/wrong-key"),
        await client.post(f"/api/v1/main/executions/webhook/company.team/orders/{'{'}{'{'}secret('ORDERS_HOOK'){'}'}{'}'}"),
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1


async def test_conditions_not_met_give_204(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(HOOKED)
    answer = await client.post(f"{URL}/s3cr3t-key?skip=yes", json={"id": "o-1"})
    assert answer.status_code == 204
    assert (await client.post(f"{URL}/s3cr3t-key", json={"id": "o-2"})).status_code == 200


async def test_wait_holds_until_the_end(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(HOOKED)
    answer = await client.post(f"{URL}/wait-key", json={"id": "o-5"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"]["current"] == "SUCCESS"
    assert answer.json()["outputs"] == {"echo": "o-5"}


async def test_return_outputs_with_a_key_kept_in_a_secret(
    server: LiveServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANNER_SECRET_ORDERS_HOOK", "from-secret")
    await server.engine.deploy(HOOKED)
    answer = await client.post(f"{URL}/from-secret", json={"id": "o-9"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"echo": "o-9"}


async def test_body_too_large_gives_413(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(HOOKED)
    answer = await client.post(f"{URL}/s3cr3t-key", content=b"x" * (10 * 1024 * 1024 + 1))
    assert answer.status_code == 413
    assert "larger than" in answer.json()["message"]


async def test_inputs_that_do_not_fit_give_422(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(HOOKED.replace("type: STRING\n    defaults: none", "type: INT\n    defaults: 0", 1))
    answer = await client.post(f"{URL}/s3cr3t-key", json={"id": "not a number"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["path"]


async def test_webhook_latency_is_measured(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(HOOKED)
    await client.post(f"{URL}/s3cr3t-key", json={"id": "o-3"})
    metrics = await client.get("/metrics")
    if metrics.status_code == 404:
        pytest.skip("no /metrics endpoint in this app")
    assert 'lanner_webhook_latency_seconds_count{status="200"} 1.0' in metrics.text


async def test_concurrent_calls_each_start_their_own_execution(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(HOOKED)
    answers = await asyncio.gather(*(client.post(f"{URL}/s3cr3t-key", json={"id": f"o-{n}"}) for n in range(20)))

    assert [answer.status_code for answer in answers] == [200] * 20
    assert sorted(answer.json()["inputs"]["order"] for answer in answers) == sorted(f"o-{n}" for n in range(20))
    assert len({answer.json()["id"] for answer in answers}) == 20
    listed = await client.get("/api/v1/executions/search", params={"flowId": "orders", "size": 50})
    assert listed.json()["total"] == 20


async def test_the_fast_path_masks_secrets_and_leaves_other_methods_to_the_router(
    server: LiveServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Webhook calls skip FastAPI's routing but not secret masking, and answer at both prefixes."""
    monkeypatch.setenv("LANNER_SECRET_ORDERS_HOOK", "from-secret")
    await server.engine.deploy(HOOKED)
    answer = await client.post("/api/v1/main/executions/webhook/company.team/orders/from-secret", json={"id": "from-secret"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"echo": "******"}
    assert (await client.delete(f"{URL}/s3cr3t-key")).status_code == 405
