"""Shell tasks: run shell commands or an inline shell script as a local process."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from lanner.tasks.context import RunContext
from lanner.tasks.scripts import ScriptTask, Workspace
from lanner.tasks.scripts.legacy import LEGACY_BASH, from_legacy_bash

__all__ = ["ShellCommands", "ShellScript"]


class ShellCommands(ScriptTask):
    """Run shell commands, one after another, in a fresh working directory.

    Print `::{"outputs": {"key": "value"}}::` to set `{{ outputs.<task>.vars.key }}`; list
    the files to keep in `outputFiles`. Standard output is logged at INFO, standard error at
    WARN; a non-zero exit code fails the task.

    Kestra's deprecated `io.kestra.core.tasks.scripts.Bash` runs as this task: its
    `interpreter` + `interpreterArgs` and `exitOnFailed` are read as `interpreter` and
    `failFast`, and `warningOnStdErr` defaults to true for it, as it did in Kestra.
    """

    type: Literal["lanner.scripts.shell.Commands", "io.kestra.plugin.scripts.shell.Commands", "io.kestra.core.tasks.scripts.Bash"]

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("type") == LEGACY_BASH:
            return from_legacy_bash(data)
        return data

    commands: list[str] = Field(
        min_length=1,
        description="Shell commands, run in order by the interpreter (`/bin/sh -c`). "
        "`{{ workingDir }}` is the working directory.",
        examples=[['echo "execution {{ execution.id }}"', "ls -la {{ workingDir }}"]],
    )

    async def script_commands(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        return [str(c) for c in await self.render(ctx, list(self.commands), workspace)]


class ShellScript(ScriptTask):
    """Run an inline shell script in a fresh working directory.

    The script runs after `beforeCommands`, with `set -e` unless `failFast` is false. To run a
    script file (`bash deploy.sh`), use Shell Commands with `inputFiles`.
    """

    type: Literal["lanner.scripts.shell.Script", "io.kestra.plugin.scripts.shell.Script"]
    script: str = Field(
        min_length=1,
        description="The script's content (multi-line text), not a path to a script file.",
        examples=['for f in *.csv; do\n  wc -l "$f"\ndone\n'],
    )

    async def script_commands(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        return [str(await self.render(ctx, self.script, workspace))]
