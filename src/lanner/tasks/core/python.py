"""Python tasks: an inline Python script, or commands run with Lanner's Python first on PATH.

With the Kubernetes task runner they run in ``containerImage`` (``python:3.13-slim`` by default)
with the image's own ``python``; ``dependencies`` are pip-installed in the container first.
"""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from lanner.tasks.context import RunContext
from lanner.tasks.scripts import ScriptTask, Workspace
from lanner.tasks.scripts.files import RESERVED_PREFIX, localize_storage_uris
from lanner.tasks.scripts.legacy import LEGACY_PYTHON, from_legacy_python
from lanner.tasks.scripts.python import PYTHON_ENV, install_missing, pip_install_command, pod_image, resolve_python

__all__ = ["PythonCommands", "PythonScript"]


class _PythonTask(ScriptTask):
    """Properties shared by the Python tasks, and the Python environment they set up."""

    dependencies: list[str] | None = Field(
        default=None,
        description="pip requirements the code needs. Those already installed with Lanner (such "
        "as `kestra`) are used as is; the others are installed for this attempt only. With the "
        "Kubernetes task runner, all of them are installed in the container with "
        "`python -m pip install --quiet` before `beforeCommands`: list `kestra` there to use "
        "`from kestra import Kestra` in a pod.",
        examples=[["kestra", "pandas>=2"]],
    )
    pythonVersion: str | None = Field(
        default=None,
        description="Python version to run, such as `3.12`. Unset, the Python running Lanner is "
        "used (the `kestra` package is installed there); another version must be installed on "
        "the worker as `python<version>`. With the Kubernetes task runner it picks the default "
        "`containerImage`, `python:<version>-slim`.",
        examples=["3.12"],
    )
    dependencyCacheEnabled: bool = Field(
        default=True, description="Kestra's dependency cache; accepted and ignored (nothing is cached)."
    )
    packageManager: Literal["UV", "PIP"] = Field(
        default="UV", description="Kestra's package manager choice; accepted, Lanner installs with pip."
    )
    containerImage: str | None = Field(
        default=None,
        description="Container image the code runs in with the Kubernetes task runner; it must "
        "provide `python` (and pip when `dependencies` are set). Defaults to "
        "`python:<pythonVersion>-slim`, `python:3.13-slim` without `pythonVersion` (Kestra's "
        "default). Ignored by the process runner.",
        examples=["python:3.12-slim", "ghcr.io/kestra-io/pydata:latest"],
    )

    def python(self) -> str:
        return resolve_python(self.pythonVersion)

    def default_container_image(self) -> str:
        return pod_image(self.pythonVersion)

    def command_python(self, workspace: Workspace) -> str:
        """The interpreter a command names: the image's `python` in a pod, else the resolved one."""
        return "python" if workspace.pod else shlex.quote(self.python())

    async def pod_setup(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        # No wrappers nor local installs: the container has its own python and pip.
        workspace.env.update(PYTHON_ENV)
        requirements = [str(r) for r in await self.render(ctx, list(self.dependencies or []), workspace)]
        install = pip_install_command(requirements)
        return [install] if install else []

    async def setup(self, ctx: RunContext, workspace: Workspace) -> None:
        python = self.python()
        workspace.env.update(PYTHON_ENV)
        bin_dir = workspace.working_dir / f"{RESERVED_PREFIX}bin"
        await asyncio.to_thread(_write_wrappers, bin_dir, python)
        workspace.path_prepend.extend([str(bin_dir), str(Path(python).parent)])
        requirements = [str(r) for r in await self.render(ctx, list(self.dependencies or []), workspace)]
        target = workspace.working_dir / f"{RESERVED_PREFIX}packages"
        packages = await install_missing(ctx, python, requirements, target)
        if packages is not None:
            workspace.env["PYTHONPATH"] = str(packages)


def _write_wrappers(bin_dir: Path, python: str) -> None:
    """`python`, `python3`, `pip` and `pip3` commands that run the chosen interpreter."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    quoted = shlex.quote(python)
    commands = {"python": quoted, "python3": quoted, "pip": f"{quoted} -m pip", "pip3": f"{quoted} -m pip"}
    for name, command in commands.items():
        wrapper = bin_dir / name
        wrapper.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
        wrapper.chmod(0o755)


class PythonScript(_PythonTask):
    """Run an inline Python script in a fresh working directory.

    The `kestra` package is available: `Kestra.outputs({"rows": 42})` sets
    `{{ outputs.<task>.vars.rows }}`, `Kestra.counter(...)` records a metric and
    `Kestra.logger()` logs at any level. Files listed in `outputFiles` are kept.
    In a Kubernetes pod, `python` is the image's and `kestra` must be in `dependencies`
    (or in the image).
    """

    type: Literal["lanner.scripts.python.Script", "io.kestra.plugin.scripts.python.Script"]
    script: str = Field(
        min_length=1,
        description="The Python code (multi-line text), not a path to a file; use Python Commands to run files.",
        examples=['from kestra import Kestra\n\nKestra.outputs({"answer": 42})\n'],
    )

    async def script_commands(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        code = str(await self.render(ctx, self.script, workspace))
        # `open("{{ outputs.download.uri }}")` reads a local copy of the stored file.
        [code] = await localize_storage_uris(ctx, workspace.working_dir, [code])
        path = workspace.working_dir / f"{RESERVED_PREFIX}script.py"
        await asyncio.to_thread(path.write_text, workspace.pod_path(code))
        return [f"{self.command_python(workspace)} {shlex.quote(workspace.pod_path(str(path)))}"]


class PythonCommands(_PythonTask):
    """Run shell commands with Python ready: `python` and `pip` are the Python running Lanner.

    Typical use: run Python files passed with `inputFiles`, such as `python main.py`. In a
    Kubernetes pod, `python` and `pip` are the container image's.

    Kestra's deprecated `io.kestra.core.tasks.scripts.Python` runs as this task: its
    `requirements` are `dependencies`, its default command is `python main.py` followed by
    `args` (`main.py` given in `inputFiles`), `./bin/python` in its commands is `python`, and
    `warningOnStdErr` defaults to true for it, as it did in Kestra.
    """

    type: Literal[
        "lanner.scripts.python.Commands", "io.kestra.plugin.scripts.python.Commands", "io.kestra.core.tasks.scripts.Python"
    ]

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("type") == LEGACY_PYTHON:
            return from_legacy_python(data)
        return data

    commands: list[str] = Field(
        min_length=1,
        description="Shell commands run in order, for example `python main.py`.",
        examples=[["python etl.py --date {{ execution.startDate }}"]],
    )

    async def script_commands(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        return [str(c) for c in await self.render(ctx, list(self.commands), workspace)]
