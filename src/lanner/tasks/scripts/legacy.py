"""Kestra's deprecated script tasks, ``io.kestra.core.tasks.scripts.Bash`` and ``…Python``,
read as Shell Commands and Python Commands.

Their properties map onto the current ones: ``interpreter`` (a program) and
``interpreterArgs`` become one ``interpreter`` list, ``exitOnFailed`` is ``failFast``, the
Python task's ``requirements`` are ``dependencies`` and its default command runs
``main.py`` (given in ``inputFiles``) with ``args``. As in Kestra, ``warningOnStdErr``
defaults to true for them. ``outputFiles`` keep their old meaning: names of files the
commands write at ``{{ outputFiles.name }}``.
"""

from __future__ import annotations

import shlex
from typing import Any

__all__ = ["LEGACY_BASH", "LEGACY_PYTHON", "from_legacy_bash", "from_legacy_python"]

LEGACY_BASH = "io.kestra.core.tasks.scripts.Bash"
LEGACY_PYTHON = "io.kestra.core.tasks.scripts.Python"

_DEFAULT_PYTHONS = {"python", "python3"}


def from_legacy_bash(data: dict[str, Any]) -> dict[str, Any]:
    """The properties of a legacy Bash task as Shell Commands properties."""
    data = dict(data)
    program = data.pop("interpreter", None)
    arguments = data.pop("interpreterArgs", None)
    if isinstance(program, list):  # already the current form (a definition read again)
        data["interpreter"] = program
    elif program is not None or arguments is not None:
        data["interpreter"] = [program or "/bin/sh", *(arguments if arguments is not None else ["-c"])]
    if "exitOnFailed" in data:
        data["failFast"] = data.pop("exitOnFailed")
    if "dockerOptions" in data:
        data["docker"] = data.pop("dockerOptions")
    data.setdefault("warningOnStdErr", True)
    return data


def from_legacy_python(data: dict[str, Any]) -> dict[str, Any]:
    """The properties of a legacy Python task as Python Commands properties."""
    data = from_legacy_bash(data)
    if "requirements" in data:
        data["dependencies"] = data.pop("requirements")
    data.pop("virtualEnv", None)  # each attempt installs its dependencies apart anyway
    python = data.pop("pythonPath", None)
    if python is not None and python not in _DEFAULT_PYTHONS:
        raise ValueError(
            f"pythonPath {python!r} is not supported: Lanner runs its own Python or `python<version>` "
            "found on the worker; set pythonVersion (such as `3.12`) instead"
        )
    args = data.pop("args", None) or []
    commands = data.get("commands")
    if commands is None:
        data["commands"] = [" ".join(["python main.py", *(shlex.quote(str(arg)) for arg in args)])]
    elif isinstance(commands, list):
        # Kestra ran them in a virtualenv of the working directory; `python` is the task's here
        data["commands"] = [_no_venv(command) for command in commands]
    return data


def _no_venv(command: Any) -> Any:
    if isinstance(command, str) and command.startswith("./bin/python"):
        return "python" + command.removeprefix("./bin/python")
    return command
