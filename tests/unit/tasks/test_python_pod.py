"""Python script tasks with the Kubernetes task runner: image, install command, validation (pure)."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from pydantic import ValidationError

from lanner.tasks.context import RunContext
from lanner.tasks.core.python import PythonCommands, PythonScript
from lanner.tasks.scripts import ScriptTask, Workspace
from lanner.tasks.scripts.python import pip_install_command, pod_image

RUNNER = {"type": "io.kestra.plugin.ee.kubernetes.runner.Kubernetes", "namespace": "jobs"}


def test_pod_image_follows_python_version_and_defaults_to_kestras() -> None:
    assert pod_image(None) == "python:3.13-slim"
    assert pod_image("") == "python:3.13-slim"
    assert pod_image(" 3.11 ") == "python:3.11-slim"


def test_pip_install_command_quotes_each_requirement() -> None:
    assert pip_install_command([]) is None
    assert pip_install_command(["", "  "]) is None
    command = pip_install_command(["pandas>=2", "kestra", "requests[socks]; python_version > '3'"])
    assert command == ("python -m pip install --quiet 'pandas>=2' kestra 'requests[socks]; python_version > '\"'\"'3'\"'\"''")


def test_python_tasks_accept_the_kubernetes_runner_without_container_image() -> None:
    script = PythonScript.model_validate(
        {"id": "py", "type": "io.kestra.plugin.scripts.python.Script", "script": "print(1)", "taskRunner": RUNNER}
    )
    commands = PythonCommands.model_validate(
        {
            "id": "py",
            "type": "io.kestra.plugin.scripts.python.Commands",
            "commands": ["python main.py"],
            "pythonVersion": "3.12",
            "taskRunner": RUNNER,
        }
    )

    assert script.default_container_image() == "python:3.13-slim"
    assert commands.default_container_image() == "python:3.12-slim"


class _LocalSetupTask(ScriptTask):
    """A task that prepares a local environment and has no pod variant (as dbt and Terraform)."""

    type: Literal["test.LocalSetup"]

    async def setup(self, ctx: RunContext, workspace: Workspace) -> None:
        workspace.env["PREPARED"] = "1"


def test_tasks_preparing_a_local_environment_still_refuse_the_kubernetes_runner() -> None:
    data: dict[str, Any] = {"id": "t", "type": "test.LocalSetup", "containerImage": "ubuntu:24.04", "taskRunner": RUNNER}
    with pytest.raises(ValidationError, match="not available for this task type"):
        _LocalSetupTask.model_validate(data)
