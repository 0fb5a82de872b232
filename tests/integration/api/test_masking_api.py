"""The response masking follows the secrets the server knows: one defined while the server
runs is masked from the next response on."""

from __future__ import annotations

import httpx
import pytest

from lanner.storage.ports import KVEntry

from .conftest import LiveServer

BASE = "/api/v1/namespaces/company.team/kv"


async def test_masking_follows_the_known_secrets(
    monkeypatch: pytest.MonkeyPatch, server: LiveServer, client: httpx.AsyncClient
) -> None:
    await server.engine.store.kv_set(KVEntry("company.team", "first", "first-secret-value"))
    await server.engine.store.kv_set(KVEntry("company.team", "second", "second-secret-value"))

    monkeypatch.setenv("LANNER_SECRET_FIRST", "first-secret-value")
    assert (await client.get(f"{BASE}/first")).json()["value"] == "******"
    assert (await client.get(f"{BASE}/second")).json()["value"] == "second-secret-value"

    monkeypatch.setenv("LANNER_SECRET_SECOND", "second-secret-value")
    assert (await client.get(f"{BASE}/first")).json()["value"] == "******"
    assert (await client.get(f"{BASE}/second")).json()["value"] == "******"
