"""Running commands for tasks: subprocesses, Kestra's line protocol, script files.

Script tasks (Shell, Python) and plugins wrapping command-line tools (dbt, Terraform…) use:

- ``run_commands(ctx, commands, cwd=…, env=…)``: commands joined into one script for an
  interpreter (``/bin/sh -c``), ``set -e`` first when failing fast;
- ``run_process(ctx, argv, cwd=…, env=…)``: one argument list, no shell;
- ``process_env(extra)``: the minimal environment a script gets;
- ``ScriptTask``: the base class with Kestra's script properties, when a plugin is a script task.

Output lines stream live as logs (standard output at INFO, standard error at WARN), and
``::{json}::`` lines become outputs, metrics and logs. Killing or timing out the attempt
stops the whole process group.
"""

from lanner.tasks.scripts.base import ScriptTask, Workspace
from lanner.tasks.scripts.process import KilledError
from lanner.tasks.scripts.protocol import LineHook, LineProtocol, Stream
from lanner.tasks.scripts.runner import (
    DEFAULT_INTERPRETER,
    ScriptResult,
    compose_script,
    failure_message,
    process_env,
    run_commands,
    run_process,
)

__all__ = [
    "DEFAULT_INTERPRETER",
    "KilledError",
    "LineHook",
    "LineProtocol",
    "ScriptResult",
    "ScriptTask",
    "Stream",
    "Workspace",
    "compose_script",
    "failure_message",
    "process_env",
    "run_commands",
    "run_process",
]
