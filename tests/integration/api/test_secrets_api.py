"""The secrets list over real HTTP: the names flows can read with ``secret('NAME')``, in Kestra's
shape, never a value."""

from __future__ import annotations

import base64

import httpx
import pytest


async def test_names_only_in_kestra_shape(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANNER_SECRET_ORDERS_HOOK_KEY", "plain-value-123")
    monkeypatch.setenv("SECRET_WAREHOUSE_PASSWORD", base64.b64encode(b"encoded-value-456").decode())
    answer = await client.get("/api/v1/namespaces/company.team/secrets")
    assert answer.status_code == 200
    body = answer.json()
    keys = [item["key"] for item in body["results"]]
    assert {"ORDERS_HOOK_KEY", "WAREHOUSE_PASSWORD"} <= set(keys) and keys == sorted(keys)
    assert body["readOnly"] is True and body["total"] == len(keys)
    assert "plain-value-123" not in answer.text and "encoded-value-456" not in answer.text

    found = (await client.get("/api/v1/main/namespaces/company.team/secrets", params={"q": "hook"})).json()
    assert [item["key"] for item in found["results"]] == ["ORDERS_HOOK_KEY"]


async def test_bad_paging_is_a_located_error(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/namespaces/company.team/secrets", params={"size": 0})
    assert answer.status_code == 422
    assert "size" in answer.text
