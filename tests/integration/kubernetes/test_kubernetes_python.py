"""Python script tasks in a Kubernetes pod, through real flow executions against the stand-in API server.

The scripted pod does not run Python: the tests assert what it was asked to run (image, command,
environment), what was copied in (the script file, input files) and what came back (outputs
sent with the ``::{...}::`` protocol, output files).
"""

from __future__ import annotations

from typing import Any

from lanner.models.state import State

from ..harness import Harness
from .kube_api import WORKING_DIR, KubeApi, Script

SCRIPT_FILE = f"{WORKING_DIR}/.lanner-script.py"


def runner(api: KubeApi) -> str:
    return f"""    taskRunner:
      type: io.kestra.plugin.ee.kubernetes.runner.Kubernetes
      namespace: jobs
      config:
        masterUrl: {api.url}
        oauthToken: test-token
      waitForLogInterval: PT5S"""


def task_container(api: KubeApi) -> dict[str, Any]:
    [task, _sidecar] = api.calls[0].body["spec"]["containers"]
    assert task["name"] == "task"
    return dict(task)


async def test_python_script_runs_the_script_file_in_the_default_image(harness: Harness, api: KubeApi, script: Script) -> None:
    script.logs = ["read 2 rows", '::{"outputs": {"rows": 2, "status": "ok"}}::']
    script.writes = {"result.json": b'{"rows": 2}', ".lanner-output/summary.txt": b"2 rows\n"}
    source = f"""
id: k8s_python
namespace: company.team
tasks:
  - id: py
    type: io.kestra.plugin.scripts.python.Script
    dependencies: [kestra, "pandas>=2"]
    beforeCommands: [echo before]
    inputFiles:
      data.csv: "a,b\\n1,2\\n3,4\\n"
    outputFiles: [result.json]
{runner(api)}
    script: |
      from kestra import Kestra
      rows = open("{{{{ workingDir }}}}/data.csv").read().splitlines()[1:]
      Kestra.outputs({{"rows": len(rows)}})
"""

    result = await harness.run(source)

    assert result.state == State.SUCCESS, await result.logs()
    task = task_container(api)
    assert task["image"] == "python:3.13-slim"
    assert task["command"][:2] == ["/bin/sh", "-c"]
    commands = task["command"][2]
    install = commands.index("python -m pip install --quiet kestra 'pandas>=2'")
    before = commands.index("echo before")
    run = commands.index(f"python {SCRIPT_FILE}")
    assert install < before < run
    assert {"name": "PYTHONUNBUFFERED", "value": "1"} in task["env"]
    assert {"name": "WORKING_DIR", "value": WORKING_DIR} in task["env"]

    files = api.pod().files
    assert files[SCRIPT_FILE].decode() == (
        "from kestra import Kestra\n"
        f'rows = open("{WORKING_DIR}/data.csv").read().splitlines()[1:]\n'
        'Kestra.outputs({"rows": len(rows)})\n'
    )
    assert files[f"{WORKING_DIR}/data.csv"] == b"a,b\n1,2\n3,4\n"
    # The local environment (python/pip wrappers, packages) was not prepared for a pod run.
    assert not any(path.startswith((f"{WORKING_DIR}/.lanner-bin", f"{WORKING_DIR}/.lanner-packages")) for path in files)

    outputs = result.outputs("py")
    assert outputs["exitCode"] == 0
    assert outputs["vars"] == {"rows": 2, "status": "ok"}
    assert set(outputs["outputFiles"]) == {"result.json", "summary.txt"}
    stored = harness.engine.files
    assert stored.path_of(outputs["outputFiles"]["result.json"]).read_bytes() == b'{"rows": 2}'
    assert stored.path_of(outputs["outputFiles"]["summary.txt"]).read_bytes() == b"2 rows\n"
    assert "INFO read 2 rows" in await result.logs("py")


async def test_python_commands_use_the_images_python_without_local_setup(harness: Harness, api: KubeApi, script: Script) -> None:
    script.logs = ['::{"outputs": {"done": true}}::']
    # No Python 3.7 on the worker: a local run would fail to resolve it; a pod run never looks.
    source = f"""
id: k8s_python_commands
namespace: company.team
tasks:
  - id: py
    type: io.kestra.plugin.scripts.python.Commands
    pythonVersion: "3.7"
    inputFiles:
      main.py: print("hello")
{runner(api)}
    commands:
      - python main.py --day {{{{ execution.id }}}}
"""

    result = await harness.run(source)

    assert result.state == State.SUCCESS, await result.logs()
    task = task_container(api)
    assert task["image"] == "python:3.7-slim"
    commands = task["command"][2]
    assert f"python main.py --day {result.execution.id}" in commands
    assert "pip install" not in commands
    assert api.pod().files[f"{WORKING_DIR}/main.py"] == b'print("hello")'
    assert result.outputs("py")["vars"] == {"done": True}


async def test_python_script_runs_in_the_given_image_and_fails_with_its_exit_code(
    harness: Harness, api: KubeApi, script: Script
) -> None:
    script.logs = ["Traceback (most recent call last):", "ZeroDivisionError: division by zero"]
    script.exit_code = 1
    source = f"""
id: k8s_python_image
namespace: company.team
tasks:
  - id: py
    type: io.kestra.plugin.scripts.python.Script
    containerImage: ghcr.io/kestra-io/pydata:latest
{runner(api)}
    script: print(1 / 0)
"""

    result = await harness.run(source)

    assert result.state == State.FAILED
    assert task_container(api)["image"] == "ghcr.io/kestra-io/pydata:latest"
    assert api.pod().files[SCRIPT_FILE] == b"print(1 / 0)"
    logs = await result.logs("py")
    assert any("Command failed with exit code 1" in line for line in logs), logs
    assert "INFO ZeroDivisionError: division by zero" in logs
