"""Python for script tasks: which interpreter runs, and which packages it needs.

By default scripts run with the interpreter running Lanner, where the ``kestra`` package is
installed, so ``from kestra import Kestra`` works unchanged. A requirement already installed
there is used as is; missing ones are installed with pip into the attempt's working
directory, never into Lanner's own environment.

In a Kubernetes pod none of that applies: ``python`` is the container image's own, and the
requirements are installed in the container with pip before the commands run
(``pip_install_command``); the image defaults to the official one for ``pythonVersion``
(``pod_image``).
"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from lanner.errors import TaskFailure
from lanner.tasks.context import RunContext
from lanner.tasks.scripts.runner import process_env, run_process

__all__ = [
    "POD_PYTHON_VERSION",
    "PYTHON_ENV",
    "install_missing",
    "missing_requirements",
    "pip_install_command",
    "pod_image",
    "resolve_python",
]

#: Environment of every Python script: live output, quiet pip.
PYTHON_ENV = {"PYTHONUNBUFFERED": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_ROOT_USER_ACTION": "ignore"}

#: The Python of a pod when neither ``containerImage`` nor ``pythonVersion`` is set, as in Kestra.
POD_PYTHON_VERSION = "3.13"

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def resolve_python(version: str | None) -> str:
    """The interpreter for ``pythonVersion`` (``3.12``…): Lanner's own when unset or matching."""
    if not version:
        return sys.executable
    version = version.strip()
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if version in (running, f"{running}.{sys.version_info.micro}", str(sys.version_info.major)):
        return sys.executable
    found = shutil.which(f"python{version}")
    if found is None:
        raise TaskFailure(
            f"Python {version} is not installed on this worker (no `python{version}` on PATH); "
            f"remove `pythonVersion` to use Python {running}",
            retryable=False,
        )
    return found


def missing_requirements(requirements: Sequence[str], python: str) -> list[str]:
    """The requirements that ``python`` cannot satisfy from what is installed.

    Only Lanner's own interpreter is inspected; for another one every requirement counts as missing.
    """
    if python != sys.executable:
        return [r for r in requirements if r.strip()]
    return [r for r in requirements if r.strip() and not _installed(r)]


def _installed(requirement: str) -> bool:
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # without packaging, an installed distribution of that name is enough
        match = _NAME.match(requirement)
        return match is not None and _version(match.group(1)) is not None
    try:
        parsed = Requirement(requirement)
    except InvalidRequirement:
        return False
    if parsed.marker is not None and not parsed.marker.evaluate():
        return True  # the requirement does not apply to this interpreter
    version = _version(parsed.name)
    return version is not None and parsed.specifier.contains(version, prereleases=True)


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


async def install_missing(ctx: RunContext, python: str, requirements: Sequence[str], target: Path) -> Path | None:
    """Install the requirements ``python`` lacks into ``target``; return it (for PYTHONPATH) or None."""
    missing = missing_requirements(requirements, python)
    if not missing:
        return None
    ctx.logger.info(f"installing Python packages: {', '.join(missing)}")
    argv = [python, "-m", "pip", "install", "--quiet", "--target", str(target), *missing]
    result = await run_process(ctx, argv, cwd=target.parent, env=process_env(PYTHON_ENV), check=False)
    if result.exit_code != 0:
        tail = "\n".join(f"  {line}" for line in result.stderr_tail)
        message = f"could not install Python packages {', '.join(missing)} (pip exit code {result.exit_code})"
        raise TaskFailure(message + (f":\n{tail}" if tail else ""))
    return target


def pod_image(version: str | None) -> str:
    """The official slim image for ``pythonVersion`` (``3.12`` → ``python:3.12-slim``), Kestra's
    ``python:3.13-slim`` when unset."""
    clean = (version or "").strip() or POD_PYTHON_VERSION
    return f"python:{clean}-slim"


def pip_install_command(requirements: Sequence[str]) -> str | None:
    """The shell command installing ``requirements`` in a container, or None if there are none."""
    wanted = [r.strip() for r in requirements if r.strip()]
    if not wanted:
        return None
    return "python -m pip install --quiet " + " ".join(shlex.quote(r) for r in wanted)
