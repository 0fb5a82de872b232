"""Namespace file search and bulk KV deletion over real HTTP, on both backends (Kestra's shapes:
``GET …/files/search?q=`` answers the matching paths, ``DELETE …/kv`` with ``{"keys": [...]}``
answers ``{"keys": [the keys deleted]}``)."""

from __future__ import annotations

import httpx

from .test_namespace_files_api import upload

FILES = "/api/v1/namespaces/company.team/files"
KV = "/api/v1/namespaces/company.team/kv"


async def test_search_matches_paths_in_one_namespace(client: httpx.AsyncClient) -> None:
    for path in ("/scripts/etl.py", "/scripts/load.py", "/sql/etl_orders.sql", "README.md"):
        assert (await upload(client, path, b"x")).status_code == 200
    assert (await upload(client, "/scripts/etl.py", b"x", namespace="company.other")).status_code == 200

    async def search(q: str, base: str = FILES) -> list[str]:
        answer = await client.get(f"{base}/search", params={"q": q})
        assert answer.status_code == 200, answer.text
        return sorted(answer.json())

    assert await search("etl") == ["/scripts/etl.py", "/sql/etl_orders.sql"]
    assert await search("scripts/") == ["/scripts/etl.py", "/scripts/load.py"]
    assert await search("/scripts") == ["/scripts/etl.py", "/scripts/load.py"]  # paths start with `/`
    assert await search(".sql") == ["/sql/etl_orders.sql"]
    assert await search("") == ["/README.md", "/scripts/etl.py", "/scripts/load.py", "/sql/etl_orders.sql"]
    assert await search("readme") == []  # case-sensitive, as Kestra
    assert await search("nothing") == []
    assert await search("etl", "/api/v1/main/namespaces/company.team/files") == ["/scripts/etl.py", "/sql/etl_orders.sql"]
    assert await search("etl", "/api/v1/namespaces/company.other/files") == ["/scripts/etl.py"]
    assert await search("etl", "/api/v1/namespaces/company.empty/files") == []


async def test_search_refuses_a_bad_namespace(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/namespaces/Bad..Name/files/search", params={"q": "x"})
    assert answer.status_code == 422, answer.text
    assert "Bad..Name" in answer.text


async def test_bulk_delete_answers_the_keys_deleted(client: httpx.AsyncClient) -> None:
    for key in ("a", "b", "c"):
        assert (await client.put(f"{KV}/{key}", content="1")).status_code == 200
    assert (await client.put("/api/v1/namespaces/company.other/kv/a", content="1")).status_code == 200

    answer = await client.request("DELETE", KV, json={"keys": ["a", "c", "missing"]})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"keys": ["a", "c"]}
    assert [entry["key"] for entry in (await client.get(KV)).json()] == ["b"]
    assert (await client.get("/api/v1/namespaces/company.other/kv/a")).status_code == 200  # another namespace

    again = await client.request("DELETE", "/api/v1/main/namespaces/company.team/kv", json={"keys": ["a", "b"]})
    assert again.json() == {"keys": ["b"]}
    assert (await client.request("DELETE", KV, json={"keys": []})).json() == {"keys": []}
    assert (await client.get(KV)).json() == []


async def test_bulk_delete_errors_are_located(client: httpx.AsyncClient) -> None:
    bad_namespace = await client.request("DELETE", "/api/v1/namespaces/Bad..Name/kv", json={"keys": ["a"]})
    assert bad_namespace.status_code == 422 and "Bad..Name" in bad_namespace.text

    not_a_list = await client.request("DELETE", KV, json={"keys": "a"})
    assert not_a_list.status_code == 422
    assert not_a_list.json()["errors"][0]["path"] == "body.keys"

    not_json = await client.request("DELETE", KV, content=b"{keys", headers={"content-type": "application/json"})
    assert not_json.status_code == 422 and "Traceback" not in not_json.text

    no_body = await client.request("DELETE", KV)
    assert no_body.status_code == 422 and no_body.json()["errors"][0]["path"] == "body"

    # a key no value can have is simply not deleted (as in Kestra: the answer lists what was deleted)
    impossible = await client.request("DELETE", KV, json={"keys": ["bad key/with slash"]})
    assert impossible.status_code == 200 and impossible.json() == {"keys": []}
