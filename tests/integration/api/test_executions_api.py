"""Executions API over real HTTP: create (multipart, form, JSON), read, search, follow, delete, files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import kestra
import pytest

from lanner.storage.ports import ExecutionQuery

from .conftest import LiveServer
from .sse_reader import Frame, poll_execution, read_sse, sse_frames, state_is

API = "/api/v1/executions"

INPUTS_FLOW = """
id: inputs
namespace: company.team
labels:
  owner: data
inputs:
  - id: name
    type: STRING
  - id: count
    type: INT
    defaults: 1
  - id: data
    type: FILE
    required: false
  - id: token
    type: SECRET
    required: false
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "hello {{ inputs.name }} x{{ inputs.count }}"
  - id: result
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.name }}-{{ inputs.count }}"
"""

HELLO_FLOW = """
id: hello
namespace: company.team.sub
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hi
"""

PAUSE_FLOW = """
id: waits
namespace: company.team
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
"""


async def _create(client: httpx.AsyncClient, namespace: str, flow_id: str, **kwargs: Any) -> dict[str, Any]:
    response = await client.post(f"{API}/{namespace}/{flow_id}", **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --------------------------------------------------------------------------- create


async def test_multipart_inputs_with_a_file_labels_and_wait(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(INPUTS_FLOW)
    body = await _create(
        client,
        "company.team",
        "inputs",
        params={"labels": ["team:data", "env:test"], "wait": "true"},
        data={"name": "Ada", "count": "3"},
        files={"data": ("numbers.csv", b"a,b\n1,2\n", "text/csv")},
    )

    assert body["state"]["current"] == "SUCCESS"
    assert body["inputs"]["name"] == "Ada" and body["inputs"]["count"] == 3
    labels = {item["key"]: item["value"] for item in body["labels"]}
    assert labels == {"owner": "data", "team": "data", "env": "test"}
    assert [run["taskId"] for run in body["taskRunList"]] == ["hello", "result"]
    assert body["taskRunList"][1]["outputs"] == {"value": "Ada-3"}
    assert body["url"].endswith(f"/company.team/inputs/{body['id']}")
    uri = body["inputs"]["data"]
    assert uri == f"lanner:///company/team/inputs/executions/{body['id']}/inputs/data/numbers.csv"

    download = await client.get(f"{API}/{body['id']}/file", params={"path": uri})
    assert download.status_code == 200
    assert download.content == b"a,b\n1,2\n"
    assert "numbers.csv" in download.headers["content-disposition"]
    metas = await client.get(f"{API}/{body['id']}/file/metas", params={"path": uri})
    assert metas.json() == {"size": 8}


async def test_json_and_urlencoded_bodies_and_the_tenant_path(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(INPUTS_FLOW)
    from_json = await _create(client, "company.team", "inputs", json={"name": "Bo", "count": 5})
    from_form = await client.post("/api/v1/main/executions/company.team/inputs", data={"name": "Cy"})

    assert from_json["state"]["current"] == "CREATED"
    assert from_json["inputs"]["count"] == 5
    assert from_form.status_code == 200
    assert from_form.json()["inputs"] == {"name": "Cy", "count": 1, "data": None, "token": None}
    done = await poll_execution(client, from_json["id"], state_is("SUCCESS"))
    assert done["taskRunList"][1]["outputs"] == {"value": "Bo-5"}


async def test_invalid_inputs_list_every_problem(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(INPUTS_FLOW)
    response = await client.post(f"{API}/company.team/inputs", data={"count": "many"})

    assert response.status_code == 422
    paths = sorted(error["path"] for error in response.json()["errors"])
    assert paths == ["inputs.count", "inputs.name"]
    assert (await server.engine.store.search_executions(ExecutionQuery())).total == 0


async def test_a_file_input_given_as_text_must_be_an_upload_of_the_namespace(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await server.engine.deploy(INPUTS_FLOW)
    for value in ("/etc/passwd", "lanner:///other/ns/secret.txt", "lanner:///company/team/../../x"):
        response = await client.post(f"{API}/company.team/inputs", data={"name": "a", "data": value})
        assert response.status_code == 422, value
        assert response.json()["errors"][0]["path"] == "inputs.data"


async def test_unknown_disabled_and_malformed_requests(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(INPUTS_FLOW)
    await server.engine.deploy(HELLO_FLOW.replace("tasks:", "disabled: true\ntasks:"))

    unknown = await client.post(f"{API}/company.team/nope")
    disabled = await client.post(f"{API}/company.team.sub/hello")
    bad_revision = await client.post(f"{API}/company.team/inputs", params={"revision": 9}, data={"name": "a"})
    bad_label = await client.post(f"{API}/company.team/inputs", params={"labels": "nocolon"}, data={"name": "a"})
    system_label = await client.post(f"{API}/company.team/inputs", params={"labels": "system.x:1"}, data={"name": "a"})
    bad_multipart = await client.post(
        f"{API}/company.team/inputs",
        content=b"--xyz\r\nContent-Disposition: form-data\r\n\r\nbroken",
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    bad_json = await client.post(f"{API}/company.team/inputs", content=b'{"name": ', headers={"content-type": "application/json"})
    not_an_object = await client.post(f"{API}/company.team/inputs", json=["a"])
    wrong_type = await client.post(f"{API}/company.team/inputs", content=b"name=a", headers={"content-type": "text/csv"})

    assert unknown.status_code == 404
    assert disabled.status_code == 409 and "disabled" in disabled.json()["message"]
    assert bad_revision.status_code == 404
    assert bad_label.status_code == 422 and bad_label.json()["errors"][0]["path"] == "query.labels"
    assert system_label.status_code == 422
    assert bad_multipart.status_code == 422, bad_multipart.text
    assert bad_json.status_code == 422 and bad_json.json()["errors"][0]["path"] == "body"
    assert not_an_object.status_code == 422
    assert wrong_type.status_code == 415
    assert (await server.engine.store.search_executions(ExecutionQuery())).total == 0


async def test_a_given_revision_is_used(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(HELLO_FLOW)
    await server.engine.deploy(HELLO_FLOW.replace("message: hi", "message: hello"))
    body = await _create(client, "company.team.sub", "hello", params={"revision": 1, "wait": True})
    assert body["flowRevision"] == 1
    assert body["state"]["current"] == "SUCCESS"


# --------------------------------------------------------------------------- read, search


async def test_get_hides_secret_inputs(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(INPUTS_FLOW)
    created = await _create(client, "company.team", "inputs", data={"name": "a", "token": "s3cr3t-value"})
    got = await client.get(f"{API}/{created['id']}")

    assert got.status_code == 200
    assert got.json()["inputs"]["token"] == "******"
    assert "s3cr3t-value" not in got.text and "s3cr3t-value" not in str(created)
    assert (await client.get(f"{API}/missing")).status_code == 404


async def test_search_filters_sorts_and_pages(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(INPUTS_FLOW)
    await server.engine.deploy(HELLO_FLOW)
    ids = [
        (await _create(client, "company.team", "inputs", params={"labels": f"n:{n}", "wait": True}, data={"name": "a"}))["id"]
        for n in range(3)
    ]
    sub = await _create(client, "company.team.sub", "hello", params={"wait": True})

    async def search(**params: Any) -> dict[str, Any]:
        response = await client.get(f"{API}/search", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    everything = await search(namespace="company.team")
    assert everything["total"] == 4
    assert [e["id"] for e in everything["results"]] == [sub["id"], *reversed(ids)]
    assert (await search(namespace="company.team.sub"))["total"] == 1
    assert (await search(**{"filters[namespace][EQUALS]": "company.team"}))["total"] == 3
    assert (await search(flowId="inputs", size=2, page=2))["results"][0]["id"] == ids[0]
    assert [e["id"] for e in (await search(labels="n:1"))["results"]] == [ids[1]]
    assert [e["id"] for e in (await search(**{"filters[labels][EQUALS][n]": "2"}))["results"]] == [ids[2]]
    assert (await search(state=["FAILED", "KILLED"]))["total"] == 0
    assert (await search(**{"filters[state][IN]": "SUCCESS,FAILED"}))["total"] == 4
    ascending = await search(sort="state.startDate:asc", flowId="inputs")
    assert [e["id"] for e in ascending["results"]] == ids
    assert (await search(timeRange="PT1H"))["total"] == 4
    assert (await search(startDate="2999-01-01T00:00:00Z"))["total"] == 0
    assert (await search(childFilter="CHILD"))["total"] == 0
    assert (await search(q=sub["id"][:8]))["results"][0]["id"] == sub["id"]
    by_flow = await client.get(API, params={"namespace": "company.team.sub", "flowId": "hello"})
    assert by_flow.json()["total"] == 1

    for bad in ({"sort": "color:asc"}, {"state": "BOGUS"}, {"page": 0}, {"filters[color][EQUALS]": "x"}, {"timeRange": "soon"}):
        response = await client.get(f"{API}/search", params=bad)
        assert response.status_code == 422, bad


# --------------------------------------------------------------------------- follow, delete


async def test_follow_streams_until_the_end(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(PAUSE_FLOW)
    created = await _create(client, "company.team", "waits")
    await poll_execution(client, created["id"], state_is("PAUSED"))

    async def follow() -> list[Frame]:
        async with client.stream("GET", f"{API}/{created['id']}/follow") as response:
            frames = sse_frames(response)
            seen = [await anext(frames), await anext(frames)]
            await server.engine.resume(created["id"])
            return seen + [frame async for frame in frames]

    frames = await asyncio.wait_for(follow(), 30)

    assert frames[0].id == "start" and frames[0].data == {"id": created["id"]}
    assert frames[1].id == "progress" and frames[1].data["state"]["current"] == "PAUSED"
    assert frames[-1].id == "end" and frames[-1].data["state"]["current"] == "SUCCESS"
    assert all(frame.id == "progress" for frame in frames[1:-1])
    again = await read_sse(client, f"{API}/{created['id']}/follow")
    assert [frame.id for frame in again] == ["start", "end"]
    assert (await client.get(f"{API}/missing/follow")).status_code == 404


async def test_delete_only_ended_executions(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(INPUTS_FLOW)
    await server.engine.deploy(PAUSE_FLOW)
    done = await _create(
        client, "company.team", "inputs", params={"wait": True}, data={"name": "a"}, files={"data": ("f.txt", b"x")}
    )
    paused = await _create(client, "company.team", "waits")
    await poll_execution(client, paused["id"], state_is("PAUSED"))

    assert (await client.delete(f"{API}/{paused['id']}")).status_code == 409
    assert (await client.delete(f"{API}/{done['id']}")).status_code == 204
    assert (await client.get(f"{API}/{done['id']}")).status_code == 404
    assert await server.engine.store.get_logs(done["id"]) == []
    assert not server.engine.files.path_of(done["inputs"]["data"]).exists()
    assert (await client.delete(f"{API}/{done['id']}")).status_code == 404


async def test_files_of_other_executions_and_paths_outside_are_refused(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(INPUTS_FLOW)
    first = await _create(client, "company.team", "inputs", data={"name": "a"}, files={"data": ("f.txt", b"one")})
    second = await _create(client, "company.team", "inputs", data={"name": "b"})
    own = first["inputs"]["data"]
    prefix = f"lanner:///company/team/inputs/executions/{second['id']}"

    for path in (
        own,  # first's file, asked through the second execution
        f"{prefix}/../{first['id']}/inputs/data/f.txt",
        f"{prefix}/%2e%2e/%2e%2e/x",
        "file:///etc/passwd",
        "/etc/passwd",
    ):
        response = await client.get(f"{API}/{second['id']}/file", params={"path": path})
        assert response.status_code == 422, path
    missing = await client.get(f"{API}/{second['id']}/file", params={"path": f"{prefix}/nothing.txt"})
    assert missing.status_code == 404
    assert (await client.get(f"{API}/unknown/file", params={"path": own})).status_code == 404
    assert (await client.get(f"{API}/{first['id']}/file")).status_code == 422


async def test_kestra_python_client_runs_a_flow_with_a_file(
    server: LiveServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``kestra.Flow`` (Kestra's own Python client, sync ``requests``) works unchanged."""
    await server.engine.deploy(INPUTS_FLOW)
    for name in ("KESTRA_USER", "KESTRA_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KESTRA_HOSTNAME", server.url)
    data = tmp_path / "rows.csv"
    data.write_bytes(b"x\n1\n")

    def run() -> Any:
        flow = kestra.Flow(poll_interval=0.02, labels_from_inputs=False)  # type: ignore[arg-type]
        with data.open("rb") as handle:
            return flow.execute("company.team", "inputs", {"name": "Kay", "count": 2, "data": ("rows.csv", handle, "text/csv")})

    result = await asyncio.to_thread(run)

    assert result.status == "SUCCESS"
    assert "hello Kay x2" in result.log
    listed = (await client.get(f"{API}/search", params={"flowId": "inputs"})).json()["results"]
    assert listed[0]["inputs"]["data"].endswith("/inputs/data/rows.csv")
