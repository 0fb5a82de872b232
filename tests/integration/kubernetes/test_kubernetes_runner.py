"""The Kubernetes task runner through real flow executions, against a recorded stand-in API server.

No cluster can run here: ``kube_api.KubeApi`` answers the endpoints the official client calls and
plays a scripted pod. Each test asserts the requests the runner made (method, path, key fields).
"""

from __future__ import annotations

import asyncio

import pytest

from lanner.errors import LannerError
from lanner.models.state import State

from ..harness import Harness
from .kube_api import WORKING_DIR, KubeApi, Script

POD_PATH = "/api/v1/namespaces/jobs/pods"


#: larger than one websocket frame of the upload (64 KiB)
BIG_INPUT = "0123456789abcdef" * 10_000


def flow(api: KubeApi, *, runner: str = "", task: str = "") -> str:
    return f"""
id: k8s
namespace: company.team
tasks:
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    containerImage: ubuntu:24.04
    inputFiles:
      data.txt: {BIG_INPUT}
    outputFiles: [out.txt]
    env:
      GREETING: hi
{task}
    taskRunner:
      type: io.kestra.plugin.ee.kubernetes.runner.Kubernetes
      namespace: jobs
      config:
        masterUrl: {api.url}
        oauthToken: test-token
      pullPolicy: IF_NOT_PRESENT
      serviceAccountName: runner
      nodeSelector: {{pool: batch}}
      resources: {{request: {{cpu: 500m, memory: 256Mi}}, limit: {{memory: 1Gi}}}}
      waitForLogInterval: PT5S
{runner}
    commands:
      - cp {{{{ workingDir }}}}/data.txt {{{{ workingDir }}}}/out.txt
"""


def compact(requests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The requests with repeated status reads folded into one."""
    out: list[tuple[str, str]] = []
    for request in requests:
        if not out or out[-1] != request:
            out.append(request)
    return out


async def test_success_streams_logs_and_collects_output_files(harness: Harness, api: KubeApi, script: Script) -> None:
    script.logs = ["copying data", '::{"outputs": {"rows": 3}}::']
    big_output = b"result\n" * 50_000
    script.writes = {"out.txt": big_output, ".lanner-output/report.csv": b"a,b\n"}

    result = await harness.run(flow(api))

    assert result.state == State.SUCCESS, await result.logs()
    pod = api.pod()
    name = pod.name
    assert compact(api.requests()) == [
        ("POST", POD_PATH),
        ("GET", f"{POD_PATH}/{name}"),
        ("GET", f"{POD_PATH}/{name}/exec:mkdir"),
        ("GET", f"{POD_PATH}/{name}"),
        ("GET", f"{POD_PATH}/{name}/log"),
        ("GET", f"{POD_PATH}/{name}"),
        ("GET", f"{POD_PATH}/{name}/exec:tar"),
        ("GET", f"{POD_PATH}/{name}/exec:touch"),
        ("GET", f"{POD_PATH}/{name}"),
        ("DELETE", f"{POD_PATH}/{name}"),
    ]
    assert all(call.headers.get("authorization") == "Bearer test-token" for call in api.calls)
    created = api.calls[0].body
    run = result.run("shell")
    assert created["metadata"]["labels"]["lanner.io/execution-id"] == result.execution.id
    assert created["metadata"]["labels"]["lanner.io/task-run-id"] == run.id
    assert created["metadata"]["labels"]["lanner.io/attempt"] == "1"
    spec = created["spec"]
    assert spec["restartPolicy"] == "Never"
    assert spec["serviceAccountName"] == "runner"
    assert spec["nodeSelector"] == {"pool": "batch"}
    [task, sidecar] = spec["containers"]
    assert task["image"] == "ubuntu:24.04"
    assert task["imagePullPolicy"] == "IfNotPresent"
    assert task["command"][:2] == ["/bin/sh", "-c"]
    assert f"cp {WORKING_DIR}/data.txt {WORKING_DIR}/out.txt" in task["command"][2]
    assert {"name": "GREETING", "value": "hi"} in task["env"]
    assert {"name": "WORKING_DIR", "value": WORKING_DIR} in task["env"]
    assert task["resources"] == {"requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}}
    assert sidecar["name"] == "lanner-outputs"
    assert spec["initContainers"][0]["name"] == "lanner-inputs"
    log_call = next(c for c in api.calls if c.path.endswith("/log"))
    # The client writes Python booleans; the API server parses them with Go's strconv.ParseBool.
    assert (log_call.arg("follow"), log_call.arg("container")) == ("True", "task")
    assert pod.files[f"{WORKING_DIR}/data.txt"] == BIG_INPUT.encode()

    outputs = result.outputs("shell")
    assert outputs["exitCode"] == 0
    assert outputs["vars"] == {"rows": 3}
    assert set(outputs["outputFiles"]) == {"out.txt", "report.csv"}
    files = harness.engine.files
    assert files.path_of(outputs["outputFiles"]["out.txt"]).read_bytes() == big_output
    assert files.path_of(outputs["outputFiles"]["report.csv"]).read_bytes() == b"a,b\n"
    logs = await result.logs("shell")
    assert "INFO copying data" in logs
    assert any(line.startswith("INFO pod ") and "deleted" in line for line in logs)


async def test_non_zero_exit_fails_with_the_exit_code(harness: Harness, api: KubeApi, script: Script) -> None:
    script.logs = ["cp: cannot stat 'data.txt'"]
    script.exit_code = 3

    result = await harness.run(flow(api))

    assert result.state == State.FAILED
    logs = await result.logs("shell")
    assert any("Command failed with exit code 3" in line for line in logs), logs
    assert "INFO cp: cannot stat 'data.txt'" in logs
    assert ("GET", f"{POD_PATH}/{api.pod().name}/exec:tar") in api.requests()
    assert api.requests()[-1] == ("DELETE", f"{POD_PATH}/{api.pod().name}")


async def test_delete_false_keeps_the_pod(harness: Harness, api: KubeApi) -> None:
    result = await harness.run(flow(api, runner="      delete: false"))

    assert result.state == State.SUCCESS
    assert "DELETE" not in {method for method, _ in api.requests()}


async def test_timeout_deletes_the_pod(harness: Harness, api: KubeApi, script: Script) -> None:
    script.hang = True
    script.logs = ["working"]

    # long enough for the pod to be created on a loaded machine (a stop before that has no pod to delete)
    result = await harness.run(flow(api, task="    timeout: PT5S"))

    assert result.state == State.FAILED
    assert api.requests()[-1] == ("DELETE", f"{POD_PATH}/{api.pod().name}")
    assert api.pod().deleted.is_set()
    logs = await result.logs("shell")
    assert any("timed out" in line for line in logs), logs
    assert any("deleted: the attempt was stopped" in line for line in logs), logs


async def test_kill_deletes_the_pod(harness: Harness, api: KubeApi, script: Script) -> None:
    script.hang = True
    execution = await harness.start(flow(api))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not api.logs_started.is_set():
        assert loop.time() < deadline, "the commands never started"
        await asyncio.sleep(0.02)

    await harness.engine.kill(execution.id)
    result = await harness.wait(execution.id)

    assert result.state == State.KILLED
    assert api.requests()[-1] == ("DELETE", f"{POD_PATH}/{api.pod().name}")


async def test_pod_never_scheduled_fails_after_wait_until_running(harness: Harness, api: KubeApi, script: Script) -> None:
    script.schedulable = False

    result = await harness.run(flow(api, runner="      waitUntilRunning: PT1S"))

    assert result.state == State.FAILED
    logs = await result.logs("shell")
    message = next(line for line in logs if "waitUntilRunning" in line)
    assert "did not start within waitUntilRunning (1s)" in message
    assert "PodScheduled: Unschedulable 0/3 nodes are available" in message
    methods = {method for method, _ in api.requests()}
    assert not any("exec" in path for _, path in api.requests())
    assert "DELETE" in methods


@pytest.mark.parametrize(
    ("runner", "expected"),
    [
        ("      pullPolicy: SOMETIMES", "tasks[0].taskRunner.pullPolicy: expected one of 'IF_NOT_PRESENT', 'ALWAYS', 'NEVER'"),
        ("      waitUntilRunning: soon", "tasks[0].taskRunner.waitUntilRunning: expected an ISO-8601 duration"),
        ("      podSpecs: {}", "tasks[0].taskRunner.podSpecs: unknown property 'podSpecs'"),
        ("      resources: {request: {cpus: 1}}", "tasks[0].taskRunner.resources.request.cpus: unknown property 'cpus'"),
    ],
)
async def test_invalid_runner_config_is_a_located_validation_error(
    harness: Harness, api: KubeApi, runner: str, expected: str
) -> None:
    keys = ("      pullPolicy:", "      resources:")
    source = "\n".join(line for line in flow(api).splitlines() if not line.startswith(keys))
    source = source.replace("      waitForLogInterval: PT5S\n", f"      waitForLogInterval: PT5S\n{runner}\n")

    with pytest.raises(LannerError) as error:
        await harness.engine.deploy(source)

    assert expected in str(error.value)
    assert api.calls == []


async def test_container_image_is_required(harness: Harness, api: KubeApi) -> None:
    with pytest.raises(LannerError, match="containerImage is required with the Kubernetes task runner"):
        await harness.engine.deploy(flow(api).replace("    containerImage: ubuntu:24.04\n", ""))


async def test_api_refusal_fails_with_the_server_message(harness: Harness, api: KubeApi, script: Script) -> None:
    script.forbidden = True

    result = await harness.run(flow(api))

    assert result.state == State.FAILED
    logs = await result.logs("shell")
    assert any("cannot create pod lanner-shell-" in line and "HTTP 403: pods is forbidden" in line for line in logs), logs
    assert [method for method, _ in api.requests()] == ["POST"]
