"""The namespace files API over real HTTP, on both backends: upload, read, list, stats, move, delete."""

from __future__ import annotations

import httpx

from .conftest import LiveServer

FILES = "/api/v1/namespaces/company.team/files"


async def upload(client: httpx.AsyncClient, path: str, content: bytes, namespace: str = "company.team") -> httpx.Response:
    return await client.post(
        f"/api/v1/namespaces/{namespace}/files", params={"path": path}, files={"fileContent": ("upload.bin", content)}
    )


async def test_upload_read_list_and_stats(client: httpx.AsyncClient) -> None:
    assert (await upload(client, "/scripts/etl.py", b"print('etl')\n")).status_code == 200
    assert (await upload(client, "readme.md", b"# hi")).status_code == 200
    assert (await upload(client, "readme.md", b"# hello")).status_code == 200  # replaced

    content = await client.get(FILES, params={"path": "/scripts/etl.py"})
    assert content.status_code == 200
    assert content.content == b"print('etl')\n"
    assert content.headers["content-type"] == "application/octet-stream"
    assert (await client.get(FILES, params={"path": "readme.md"})).content == b"# hello"

    root = (await client.get(f"{FILES}/directory")).json()
    assert [(e["fileName"], e["type"]) for e in root] == [("scripts", "Directory"), ("readme.md", "File")]
    inner = (await client.get(f"{FILES}/directory", params={"path": "/scripts"})).json()
    assert [(e["fileName"], e["type"], e["size"]) for e in inner] == [("etl.py", "File", 13)]

    stats = (await client.get(f"{FILES}/stats", params={"path": "/scripts/etl.py"})).json()
    assert stats["type"] == "File" and stats["size"] == 13 and stats["lastModifiedTime"] > 0
    assert (await client.get(f"{FILES}/stats")).json()["type"] == "Directory"
    assert (await client.get(f"{FILES}/search", params={"q": "etl"})).json() == ["/scripts/etl.py"]
    # the tenant segment and other namespaces
    assert (await client.get("/api/v1/main/namespaces/company.team/files", params={"path": "readme.md"})).content == b"# hello"
    assert (await client.get("/api/v1/namespaces/company.other/files/directory")).json() == []


async def test_folders_move_and_delete(client: httpx.AsyncClient) -> None:
    assert (await client.post(f"{FILES}/directory", params={"path": "empty/inner"})).status_code == 200
    await upload(client, "a/one.txt", b"1")
    await upload(client, "a/two.txt", b"2")

    moved = await client.put(FILES, params={"from": "/a/one.txt", "to": "/b/renamed.txt"})
    assert moved.status_code == 200
    assert (await client.get(FILES, params={"path": "b/renamed.txt"})).content == b"1"
    assert (await client.get(FILES, params={"path": "a/one.txt"})).status_code == 404
    assert (await client.put(FILES, params={"from": "a", "to": "c/a"})).status_code == 200  # a folder
    assert (await client.get(FILES, params={"path": "c/a/two.txt"})).content == b"2"

    assert (await client.put(FILES, params={"from": "c", "to": "b/renamed.txt"})).status_code == 409
    assert (await client.put(FILES, params={"from": "c", "to": "c/inside"})).status_code == 422
    assert (await client.put(FILES, params={"from": "nope", "to": "x"})).status_code == 404

    assert (await client.delete(FILES, params={"path": "/c"})).status_code == 200
    assert (await client.get(f"{FILES}/directory", params={"path": "c"})).status_code == 404
    assert (await client.delete(FILES, params={"path": "/c"})).status_code == 404
    names = [e["fileName"] for e in (await client.get(f"{FILES}/directory")).json()]
    assert names == ["b", "empty"]


async def test_conflicts_and_missing_files(client: httpx.AsyncClient) -> None:
    await upload(client, "data/file.csv", b"x")
    assert (await upload(client, "data", b"y")).status_code == 409  # a folder
    assert (await upload(client, "data/file.csv/under", b"y")).status_code == 409  # under a file
    assert (await client.post(f"{FILES}/directory", params={"path": "data/file.csv"})).status_code == 409
    assert (await client.get(FILES, params={"path": "data"})).status_code == 422  # a folder is listed, not read
    assert (await client.get(f"{FILES}/directory", params={"path": "data/file.csv"})).status_code == 422
    missing = await client.get(FILES, params={"path": "data/none.csv"})
    assert missing.status_code == 404
    assert "none.csv" in missing.text
    assert (await client.get(f"{FILES}/stats", params={"path": "none"})).status_code == 404
    assert (await client.get(FILES, params={"path": "data/file.csv"})).content == b"x"  # nothing lost


async def test_paths_escaping_the_namespace_are_refused(server: LiveServer, client: httpx.AsyncClient) -> None:
    secret = server.engine.files.path_of("lanner:///outside.txt")
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("do not read")
    bad_paths = ["../outside.txt", "/../../outside.txt", "a/../../x", "./a", "a//b", "//etc/passwd", "a\\b", "C:/x", "a/./b", ""]
    for path in bad_paths:
        for response in (
            await client.get(FILES, params={"path": path}),
            await upload(client, path, b"x"),
            await client.delete(FILES, params={"path": path}),
            await client.put(FILES, params={"from": path, "to": "ok"}),
            await client.put(FILES, params={"from": "ok", "to": path}),
            await client.post(f"{FILES}/directory", params={"path": path}),
        ):
            assert response.status_code == 422, (path, response.request.method, response.text)
    for path in bad_paths[:-1]:
        assert (await client.get(f"{FILES}/directory", params={"path": path})).status_code == 422, path
        assert (await client.get(f"{FILES}/stats", params={"path": path})).status_code == 422, path
    assert (await client.get("/api/v1/namespaces/..%2F..%2Fx/files/directory")).status_code in (404, 422)
    assert (await client.get("/api/v1/namespaces/Bad/files/directory")).status_code == 422
    assert secret.read_text() == "do not read"
    assert (await client.get(f"{FILES}/directory")).json() == []  # nothing created


async def test_upload_needs_a_file_part(client: httpx.AsyncClient) -> None:
    response = await client.post(FILES, params={"path": "x.txt"}, data={"other": "1"})
    assert response.status_code == 422
    assert (await client.post(FILES, files={"fileContent": ("a", b"x")})).status_code == 422  # no path
