"""Run commands for a task: the entry points script tasks and plugins (dbt, Terraform…) build on.

``run_commands`` joins commands into one script for an interpreter (``/bin/sh -c`` by
default), the way Kestra's script tasks do; ``run_process`` runs an argument list as is.
Both stream output lines live through Kestra's line protocol and fail the task on a
non-zero exit code unless ``check=False``.
"""

from __future__ import annotations

import asyncio
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lanner.errors import TaskFailure
from lanner.tasks.context import RunContext
from lanner.tasks.scripts.process import spawn_and_stream
from lanner.tasks.scripts.protocol import LineHook, LineProtocol

__all__ = [
    "DEFAULT_INTERPRETER",
    "INHERITED_ENV",
    "INLINE_LIMIT",
    "ScriptResult",
    "compose_script",
    "env_value",
    "failure_message",
    "process_env",
    "run_commands",
    "run_process",
]

DEFAULT_INTERPRETER: tuple[str, ...] = ("/bin/sh", "-c")

#: The only variables of the worker's environment a script sees (plus its own ``env``).
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "LOGNAME", "SYSTEMROOT")

#: A script longer than this is written to a file and sourced: one argument is capped at 128 KiB.
INLINE_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class ScriptResult:
    """What a finished process left: exit code, outputs sent with ``::{"outputs": …}::``, line counts."""

    exit_code: int
    vars: dict[str, Any] = field(default_factory=dict)
    stdout_lines: int = 0
    stderr_lines: int = 0
    stderr_tail: tuple[str, ...] = ()


def process_env(extra: Mapping[str, Any] | None = None, *, path_prepend: Sequence[str] = ()) -> dict[str, str]:
    """A minimal environment: a few variables of the worker (``INHERITED_ENV``) and ``extra``.

    The worker's own configuration and credentials never leak into scripts this way.
    ``path_prepend`` directories go first in ``PATH``.
    """
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env.setdefault("PATH", os.defpath)
    for name, value in (extra or {}).items():
        env[str(name)] = env_value(value)
    if path_prepend:
        env["PATH"] = os.pathsep.join([*path_prepend, env["PATH"]])
    return env


def env_value(value: Any) -> str:
    """An environment variable's text for a rendered value (booleans as true/false, None empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def compose_script(commands: Sequence[str], *, before_commands: Sequence[str] = (), fail_fast: bool = True) -> str:
    """One script text: ``set -e`` when failing fast, then ``before_commands``, then ``commands``.

    The output of ``before_commands`` is logged at DEBUG (Kestra's ``##kestra:log:…##`` markers).
    """
    lines: list[str] = []
    if fail_fast:
        lines.append("set -e")
    if before_commands:
        lines.append("echo '##kestra:log:debug##'")
        lines.extend(before_commands)
        lines.append("echo '##kestra:log:info##'")
    lines.extend(commands)
    return "\n".join(lines)


async def run_commands(
    ctx: RunContext,
    commands: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    interpreter: Sequence[str] = DEFAULT_INTERPRETER,
    before_commands: Sequence[str] = (),
    fail_fast: bool = True,
    on_line: LineHook | None = None,
    check: bool = True,
) -> ScriptResult:
    """Run ``commands`` (then ``before_commands`` first) as one script given to ``interpreter``.

    ``env`` is the complete environment (build it with ``process_env``); ``on_line`` sees each
    output line first and returns True to keep it from the default handling. With ``check``,
    a non-zero exit code raises ``TaskFailure`` with the last lines of standard error.
    """
    if not commands:
        raise TaskFailure("there are no commands to run", retryable=False)
    text = compose_script(commands, before_commands=before_commands, fail_fast=fail_fast)
    if len(text.encode()) > INLINE_LIMIT:
        script_file = cwd / ".lanner-commands.sh"
        await asyncio.to_thread(script_file.write_text, text)
        text = f". {shlex.quote(str(script_file))}"
    return await run_process(ctx, [*interpreter, text], cwd=cwd, env=env, on_line=on_line, check=check)


async def run_process(
    ctx: RunContext,
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    on_line: LineHook | None = None,
    check: bool = True,
) -> ScriptResult:
    """Run ``argv`` as is (no shell) in ``cwd``; same output handling as ``run_commands``."""
    protocol = LineProtocol(ctx, hook=on_line)
    code = await spawn_and_stream(ctx, argv, cwd=cwd, env=env if env is not None else process_env(), on_line=protocol.feed)
    result = ScriptResult(
        exit_code=code,
        vars=protocol.vars,
        stdout_lines=protocol.stdout_lines,
        stderr_lines=protocol.stderr_lines,
        stderr_tail=tuple(protocol.stderr_tail),
    )
    if check and code != 0:
        raise TaskFailure(failure_message(result))
    return result


def failure_message(result: ScriptResult) -> str:
    """``Command failed with exit code N``, with the last lines of standard error when there are some."""
    if result.exit_code < 0:
        message = f"Command was stopped by signal {-result.exit_code}"
    else:
        message = f"Command failed with exit code {result.exit_code}"
    if result.stderr_tail:
        message += "; last lines of standard error:\n" + "\n".join(f"  {line}" for line in result.stderr_tail)
    return message
