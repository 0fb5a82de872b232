"""Execution actions over real HTTP: kill, resume, restart, replay, change a task run's state, bulk."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import LiveServer
from .sse_reader import poll_execution, state_is

API = "/api/v1/executions"

SLEEP_FLOW = """
id: sleeps
namespace: company.team
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
"""

PAUSE_FLOW = """
id: waits
namespace: company.team
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "resumed"
"""

FAIL_FLOW = """
id: fails
namespace: company.team
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: one
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: broken
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: done
"""


async def _start(server: LiveServer, client: httpx.AsyncClient, source: str, until: str) -> dict[str, Any]:
    stored = await server.engine.deploy(source)
    created = await client.post(f"{API}/{stored.namespace}/{stored.id}")
    assert created.status_code == 200, created.text
    return await poll_execution(client, created.json()["id"], state_is(until))


def _run(body: dict[str, Any], task_id: str) -> dict[str, Any]:
    return next(run for run in body["taskRunList"] if run["taskId"] == task_id)


async def test_kill_a_running_execution(server: LiveServer, client: httpx.AsyncClient) -> None:
    running = await _start(server, client, SLEEP_FLOW, "RUNNING")
    await poll_execution(client, running["id"], lambda body: bool(body["taskRunList"]))

    killed = await client.delete(f"{API}/{running['id']}/kill")
    assert killed.status_code == 202
    done = await poll_execution(client, running["id"], state_is("KILLED"))
    assert _run(done, "nap")["state"]["current"] == "KILLED"
    assert (await client.delete(f"{API}/{running['id']}/kill")).status_code == 409
    assert (await client.delete(f"{API}/missing/kill")).status_code == 404


async def test_resume_with_inputs(server: LiveServer, client: httpx.AsyncClient) -> None:
    paused = await _start(server, client, PAUSE_FLOW, "PAUSED")

    resumed = await client.post(f"{API}/{paused['id']}/resume", data={"approved": "yes"})
    assert resumed.status_code == 204
    done = await poll_execution(client, paused["id"], state_is("SUCCESS", "FAILED"))
    assert done["state"]["current"] == "SUCCESS"
    assert _run(done, "hold")["outputs"] == {"onResume": {"approved": "yes"}}
    assert (await client.post(f"{API}/{paused['id']}/resume")).status_code == 409
    assert (await client.post(f"{API}/missing/resume")).status_code == 404


async def test_restart_runs_the_failed_task_again(server: LiveServer, client: httpx.AsyncClient) -> None:
    failed = await _start(server, client, FAIL_FLOW, "FAILED")
    assert len(_run(failed, "boom")["attempts"]) == 1

    restarted = await client.post(f"{API}/{failed['id']}/restart")
    assert restarted.status_code == 200 and restarted.json()["id"] == failed["id"]
    again = await poll_execution(
        client, failed["id"], lambda body: state_is("FAILED")(body) and len(_run(body, "boom")["attempts"]) == 2
    )
    assert len(_run(again, "first")["attempts"]) == 1  # the successful task did not run again
    assert (await client.post(f"{API}/missing/restart")).status_code == 404


async def test_restart_of_a_successful_execution_conflicts(server: LiveServer, client: httpx.AsyncClient) -> None:
    fine = FAIL_FLOW.replace("execution.Fail\n    errorMessage: broken", "log.Log\n    message: fine")
    done = await _start(server, client, fine, "SUCCESS")
    response = await client.post(f"{API}/{done['id']}/restart")
    assert response.status_code == 409
    assert "SUCCESS" in response.json()["message"]


async def test_replay_from_a_task_run(server: LiveServer, client: httpx.AsyncClient) -> None:
    failed = await _start(server, client, FAIL_FLOW, "FAILED")
    boom = _run(failed, "boom")

    replay = await client.post(f"{API}/{failed['id']}/replay", params={"taskRunId": boom["id"]})
    assert replay.status_code == 200, replay.text
    new = replay.json()
    assert new["id"] != failed["id"] and new["originalId"] == failed["id"]
    done = await poll_execution(client, new["id"], state_is("FAILED"))
    assert _run(done, "first")["id"] != _run(failed, "first")["id"]
    assert len(_run(done, "first")["attempts"]) == 1  # copied, not run again

    whole = await client.post(f"{API}/{failed['id']}/replay")
    assert whole.status_code == 200
    assert (await client.post(f"{API}/{failed['id']}/replay", params={"taskRunId": "nope"})).status_code == 404
    assert (await client.post(f"{API}/{failed['id']}/replay", params={"revision": 7})).status_code == 404
    assert (await client.post(f"{API}/missing/replay")).status_code == 404


async def test_change_a_task_run_state(server: LiveServer, client: httpx.AsyncClient) -> None:
    failed = await _start(server, client, FAIL_FLOW, "FAILED")
    boom = _run(failed, "boom")
    url = f"{API}/{failed['id']}/state"

    assert (await client.post(url, json={"taskRunId": boom["id"], "state": "BOGUS"})).status_code == 422
    assert (await client.post(url, json={"taskRunId": boom["id"], "state": "RUNNING"})).status_code == 422
    assert (await client.post(url, json={"state": "SUCCESS"})).status_code == 422
    assert (await client.post(url, json={"taskRunId": "nope", "state": "SUCCESS"})).status_code == 404
    assert (await client.post(f"{API}/missing/state", json={"taskRunId": "x", "state": "SUCCESS"})).status_code == 404

    changed = await client.post(url, json={"taskRunId": boom["id"], "state": "SUCCESS"})
    assert changed.status_code == 200, changed.text
    done = await poll_execution(client, failed["id"], state_is("SUCCESS"))
    assert _run(done, "boom")["state"]["current"] == "SUCCESS"


async def test_change_state_while_running_conflicts(server: LiveServer, client: httpx.AsyncClient) -> None:
    running = await _start(server, client, SLEEP_FLOW, "RUNNING")
    body = await poll_execution(client, running["id"], lambda b: bool(b["taskRunList"]))
    response = await client.post(f"{API}/{running['id']}/state", json={"taskRunId": _run(body, "nap")["id"], "state": "SUCCESS"})
    assert response.status_code == 409
    await client.delete(f"{API}/{running['id']}/kill")
    await poll_execution(client, running["id"], state_is("KILLED"))


async def test_bulk_actions_check_every_id_first(server: LiveServer, client: httpx.AsyncClient) -> None:
    first = await _start(server, client, PAUSE_FLOW, "PAUSED")
    second = await _start(server, client, PAUSE_FLOW, "PAUSED")
    failed = await _start(server, client, FAIL_FLOW, "FAILED")

    refused = await client.request("DELETE", f"{API}/kill/by-ids", json=[first["id"], failed["id"], "missing"])
    assert refused.status_code == 422
    assert sorted(item["invalidValue"] for item in refused.json()["invalids"]) == sorted([failed["id"], "missing"])
    assert (await client.get(f"{API}/{first['id']}")).json()["state"]["current"] == "PAUSED"

    resumed = await client.post(f"{API}/resume/by-ids", json=[first["id"]])
    assert resumed.json() == {"count": 1}
    killed = await client.request("DELETE", f"{API}/kill/by-ids", json=[second["id"]])
    assert killed.status_code == 200 and killed.json() == {"count": 1}
    await poll_execution(client, first["id"], state_is("SUCCESS"))
    await poll_execution(client, second["id"], state_is("KILLED"))

    restarted = await client.post(f"{API}/restart/by-ids", json=[failed["id"]])
    assert restarted.json() == {"count": 1}
    await poll_execution(client, failed["id"], lambda b: state_is("FAILED")(b) and len(_run(b, "boom")["attempts"]) == 2)
    replayed = await client.post(f"{API}/replay/by-ids", json=[failed["id"]])
    assert replayed.json() == {"count": 1}

    deleted = await client.request("DELETE", f"{API}/by-ids", json=[first["id"], second["id"]])
    assert deleted.json() == {"count": 2}
    assert (await client.get(f"{API}/{first['id']}")).status_code == 404
    assert (await client.request("DELETE", f"{API}/by-ids", json=[])).status_code == 422
    assert (await client.request("DELETE", f"{API}/by-ids", content=b"nope")).status_code == 422
