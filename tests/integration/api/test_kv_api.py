"""The KV store API over real HTTP, on both backends: typed values, TTL, listing, deletion, errors."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from lanner.models.execution import utcnow
from lanner.storage.ports import KVEntry

from .conftest import LiveServer

BASE = "/api/v1/namespaces/company.team/kv"


TYPED = [
    ('"hello"', "STRING", "hello"),
    ("plain text", "STRING", "plain text"),
    ("42", "NUMBER", 42),
    ("4.5", "NUMBER", 4.5),
    ("true", "BOOLEAN", True),
    ("2024-05-01T10:00:00Z", "DATETIME", "2024-05-01T10:00:00Z"),
    ("2024-05-01", "DATE", "2024-05-01"),
    ("PT5M", "DURATION", "PT5M"),
    ('{"rows": [1, 2]}', "JSON", {"rows": [1, 2]}),
    ("[1, 2]", "JSON", [1, 2]),
]


async def test_values_keep_their_type(client: httpx.AsyncClient) -> None:
    for number, (body, _, _) in enumerate(TYPED):
        put = await client.put(f"{BASE}/key{number}", content=body, headers={"content-type": "application/json"})
        assert put.status_code == 200, put.text

    for number, (body, kind, value) in enumerate(TYPED):
        got = await client.get(f"{BASE}/key{number}")
        assert got.status_code == 200
        assert got.json() == {"type": kind, "value": value}, body


async def test_list_describe_overwrite_and_delete(client: httpx.AsyncClient) -> None:
    await client.put(f"{BASE}/b.key", content="1", headers={"description": "the b key"})
    await client.put(f"{BASE}/a-key", content='"x"', headers={"ttl": "PT1H"})
    await client.put(f"{BASE}/a-key", content='"y"', params={"ttl": "P1D"})  # overwrite, TTL as a parameter

    listed = (await client.get(BASE)).json()

    assert [entry["key"] for entry in listed] == ["a-key", "b.key"]
    assert listed[0]["expirationDate"] is not None and listed[1]["expirationDate"] is None
    assert listed[1]["description"] == "the b key"
    assert (await client.get(f"{BASE}/a-key")).json() == {"type": "STRING", "value": "y"}
    assert (await client.get("/api/v1/main/namespaces/company.team/kv/a-key")).json()["value"] == "y"
    assert (await client.get("/api/v1/namespaces/company.other/kv")).json() == []

    assert (await client.delete(f"{BASE}/a-key")).json() is True
    assert (await client.delete(f"{BASE}/a-key")).json() is False
    assert (await client.get(f"{BASE}/a-key")).status_code == 404

    bulk = await client.request("DELETE", BASE, json={"keys": ["b.key", "missing"]})
    assert bulk.status_code == 200
    assert bulk.json() == {"keys": ["b.key"]}
    assert (await client.get(BASE)).json() == []


async def test_expired_keys_read_as_absent(server: LiveServer, client: httpx.AsyncClient) -> None:
    past = utcnow() - timedelta(seconds=1)
    await server.engine.store.kv_set(KVEntry("company.team", "old", "v", expires_at=past, updated=past))

    assert (await client.get(f"{BASE}/old")).status_code == 404
    assert (await client.get(BASE)).json() == []
    assert (await client.delete(f"{BASE}/old")).json() is False


BAD_PUTS: list[tuple[str, dict[str, object], str]] = [
    (f"{BASE}/bad key", {"content": "1"}, "invalid key"),
    (f"{BASE}/_hidden", {"content": "1"}, "invalid key"),
    (f"{BASE}/k", {"content": ""}, "empty"),
    (f"{BASE}/k", {"content": "1", "headers": {"ttl": "soon"}}, "ISO-8601"),
    (f"{BASE}/k", {"content": "1", "headers": {"ttl": "-PT5M"}}, "positive"),
    (f"{BASE}/k", {"content": b"\xff\xfe"}, "UTF-8"),
    ("/api/v1/namespaces/Bad..NS/kv/k", {"content": "1"}, "namespace"),
]


async def test_bad_input_is_a_clear_422(client: httpx.AsyncClient) -> None:
    for path, kwargs, said in BAD_PUTS:
        response = await client.put(path, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 422, (path, kwargs, response.text)
        assert said in response.text
    assert (await client.get(BASE)).json() == []  # nothing stored


async def test_reading_errors(client: httpx.AsyncClient) -> None:
    missing = await client.get(f"{BASE}/nope")
    assert missing.status_code == 404
    assert "nope" in missing.text
    assert (await client.get("/api/v1/namespaces/UPPER/kv")).status_code == 422
    bad_bulk = await client.request("DELETE", BASE, content="{not json", headers={"content-type": "application/json"})
    assert bad_bulk.status_code == 422


async def test_secret_values_never_leave_the_server(
    monkeypatch: pytest.MonkeyPatch, server: LiveServer, client: httpx.AsyncClient
) -> None:
    secret = 'tok"en-1234'
    monkeypatch.setenv("LANNER_SECRET_API", secret)
    await server.engine.store.kv_set(KVEntry("company.team", "copied", {"note": f"is {secret}", "n": 1}))
    await client.put(f"{BASE}/upper", content=secret.upper())

    got = await client.get(f"{BASE}/copied")

    assert got.json() == {"type": "JSON", "value": {"note": "is ******", "n": 1}}
    assert (await client.get(f"{BASE}/upper")).json() == {"type": "STRING", "value": "******"}
    assert "tok" not in (await client.get(f"{BASE}/copied")).text
