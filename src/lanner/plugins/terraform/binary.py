"""Where the Terraform program is: the task's ``terraformPath``, else ``terraform`` or ``tofu`` on PATH."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["NOT_FOUND_HINT", "find_terraform"]

#: programs tried on PATH, in order; OpenTofu's CLI takes the same commands
CANDIDATES = ("terraform", "tofu")

NOT_FOUND_HINT = (
    "terraform was not found: install Terraform or OpenTofu on the worker's PATH, set `terraformPath` to the "
    "program, or install it in `beforeCommands`"
)


def find_terraform(path_variable: str, configured: str | None = None) -> str | None:
    """The program to run as ``terraform``: ``configured`` (a path, or a name looked up on PATH),
    else the first of ``terraform`` and ``tofu`` on ``path_variable``; None when there is none."""
    if configured:
        candidate = Path(configured).expanduser()
        if candidate.is_absolute() or os.sep in configured:
            return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None
        return shutil.which(configured, path=path_variable)
    for name in CANDIDATES:
        found = shutil.which(name, path=path_variable)
        if found is not None:
            return found
    return None
