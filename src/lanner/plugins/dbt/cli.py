"""DbtCLI: run any dbt command (Kestra's ``io.kestra.plugin.dbt.cli.DbtCLI``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from lanner.plugins.dbt.base import DbtTask
from lanner.tasks.context import RunContext
from lanner.tasks.scripts import Workspace

__all__ = ["DbtCLI"]


class DbtCLI(DbtTask):
    """Run dbt commands (`dbt build`, `dbt run --select …`, `dbt source freshness`, `dbt retry`…) on a dbt project.

    The project comes from namespace files, `inputFiles`, a previous task's working directory
    or `projectDir`; `profiles` holds the connection profiles. dbt's logs stream into the task
    log at their own level. After the run, `outputs.<task>.runResults` describes every node
    (status, timing, rows affected, failures) and `outputFiles` holds `run_results.json` and
    `manifest.json`. A failing model or test fails the task, naming the failed nodes; a
    `retry` policy then runs the commands again (`dbt retry` re-runs only what failed when
    `projectDir` is a folder kept between attempts). Runs as a local process: only the
    Process task runner is available.
    """

    type: Literal["lanner.dbt.DbtCLI", "io.kestra.plugin.dbt.cli.DbtCLI"]
    commands: list[str] = Field(
        min_length=1,
        description="Commands run in order in one shell (`set -e`). Each line running dbt gets `--project-dir`, "
        "`--log-format`, `--log-path` and the `target`/`vars`/`select`/`exclude` properties unless it sets them.",
        examples=[["dbt deps", "dbt build"]],
    )
    target: str | None = Field(default=None, description="dbt target of the profile (`--target`).", examples=["prod"])
    vars: dict[str, Any] | None = Field(
        default=None, description="dbt variables (`--vars`, rendered first).", examples=[{"run_date": "{{ trigger.date }}"}]
    )
    select: list[str] | None = Field(
        default=None,
        description="Nodes to run (`--select`) for the commands that select nodes (build, run, test, seed, snapshot…).",
        examples=[["tag:daily", "+orders"]],
    )
    exclude: list[str] | None = Field(default=None, description="Nodes left out (`--exclude`).", examples=[["tag:slow"]])

    def dbt_flags(self) -> dict[str, Any]:
        return {"target": self.target, "vars": self.vars, "select": self.select, "exclude": self.exclude}

    async def dbt_commands(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        return [str(c) for c in await self.render(ctx, list(self.commands), workspace)]
