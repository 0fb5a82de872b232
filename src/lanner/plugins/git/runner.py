"""Runs the ``git`` command for the Git tasks: credentials through ``GIT_ASKPASS`` (never in a URL,
an argument or ``.git/config``), no user or system configuration, no prompt, output in the task log.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from lanner.errors import TaskFailure
from lanner.tasks.context import RunContext

__all__ = ["Git", "display_url"]

_ASKPASS = """#!/bin/sh
case "$1" in
  [Uu]sername*) printf '%s\\n' "$LANNER_GIT_USERNAME" ;;
  *) printf '%s\\n' "$LANNER_GIT_PASSWORD" ;;
esac
"""


def display_url(url: str) -> str:
    """``url`` without the credentials it may embed, for logs and outputs."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


class Git:
    """``git`` in one attempt's private folder, with the task's credentials."""

    def __init__(
        self,
        ctx: RunContext,
        home: Path,
        *,
        username: str = "",
        password: str = "",
        private_key: str = "",
        passphrase: str = "",
        config: dict[str, str] | None = None,
    ) -> None:
        if shutil.which("git") is None:
            raise TaskFailure("the `git` command is not installed on this worker", retryable=False)
        self.ctx = ctx
        home.mkdir(parents=True, exist_ok=True)
        home.chmod(0o700)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
        }
        if username or password:
            askpass = home / "askpass.sh"
            askpass.write_text(_ASKPASS)
            askpass.chmod(stat.S_IRWXU)
            self.env.update({"GIT_ASKPASS": str(askpass), "LANNER_GIT_USERNAME": username, "LANNER_GIT_PASSWORD": password})
        if private_key:
            if passphrase:
                raise TaskFailure(
                    "`passphrase`: keys protected by a passphrase are not supported; use a key without one", retryable=False
                )
            key = home / "id_key"
            key.write_text(private_key.strip() + "\n")
            key.chmod(stat.S_IRUSR | stat.S_IWUSR)
            self.env["GIT_SSH_COMMAND"] = (
                f"ssh -i {key} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={home}/known_hosts"
            )
        self.config = {"init.defaultBranch": "main", "advice.detachedHead": "false", **(config or {})}

    async def __call__(self, *args: str, cwd: Path | None = None, quiet: bool = False, check: bool = True) -> tuple[int, str]:
        """Run ``git args…``; its output is logged line by line (DEBUG when ``quiet``) and returned."""
        options = [part for key, value in self.config.items() for part in ("-c", f"{key}={value}")]
        shown = " ".join(display_url(a) if "://" in a else a for a in args)
        self.ctx.logger.log("DEBUG" if quiet else "INFO", f"git {shown}")
        process = await asyncio.create_subprocess_exec(
            "git",
            *options,
            *args,
            cwd=cwd,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert process.stdout is not None
        lines: list[str] = []
        async for raw in process.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip()
            lines.append(line)
            if line:
                self.ctx.logger.log("DEBUG" if quiet else "INFO", line)
        code = await process.wait()
        output = "\n".join(lines)
        if check and code != 0:
            tail = "\n".join(lines[-15:])
            raise TaskFailure(f"git {args[0]} failed (exit {code}): {tail}", retryable=_transient(output))
        return code, output


def _transient(output: str) -> bool:
    """Network trouble may pass; a wrong URL, branch or credential will not."""
    lowered = output.lower()
    permanent = (
        "authentication failed",
        "not found",
        "does not exist",
        "could not read username",
        "permission denied",
        "invalid",
        "remote branch",
        "not a git repository",
    )
    return not any(word in lowered for word in permanent)
