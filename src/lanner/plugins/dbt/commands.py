"""One task per dbt command (Kestra's older ``io.kestra.plugin.dbt.cli.Build``, ``Run``, ``Test``…).

Each builds one dbt command line from its properties and runs it like DbtCLI. New flows
should prefer DbtCLI; these keep older Kestra flows running unchanged. ``profiles`` is
written to ``.profile/profiles.yml`` (as Kestra does) and passed with ``--profiles-dir``.
"""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from lanner.plugins.dbt.base import DbtTask
from lanner.tasks.context import RunContext
from lanner.tasks.scripts import Workspace

__all__ = ["Build", "Compile", "Deps", "Freshness", "List", "Run", "Seed", "Snapshot", "Test"]


class _DbtCommand(DbtTask):
    """A single dbt command with Kestra's per-command properties."""

    subcommand: ClassVar[str] = ""

    failFast: bool = Field(default=False, description="Stop at the first failure (dbt's `--fail-fast`).")
    warnError: bool = Field(default=False, description="Turn dbt warnings into errors (`--warn-error`).")
    debug: bool = Field(default=False, description="dbt debug logging (`--debug`).")
    dbtPath: str | None = Field(
        default=None,
        description="The dbt program. Unset, or a path that does not exist on the worker (such as Kestra's "
        "`./bin/dbt`): `dbt` found on PATH or next to Lanner's Python.",
    )
    dockerOptions: dict[str, Any] | None = Field(
        default=None,
        description="Deprecated Kestra Docker options (`image`, `pullPolicy`…); accepted and ignored with a "
        "warning in the task's logs: dbt runs as a local process of the worker.",
    )

    def shell_fail_fast(self) -> bool:
        return True

    def arguments(self) -> list[str]:
        return []

    async def _write_profiles(self, ctx: RunContext, workspace: Workspace) -> None:
        if not self.profiles:
            return
        folder = workspace.working_dir / ".profile"
        await asyncio.to_thread(folder.mkdir, exist_ok=True)
        await asyncio.to_thread((folder / "profiles.yml").write_text, str(await self.render(ctx, self.profiles, workspace)))

    async def dbt_commands(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        if self.dockerOptions:
            image = self.dockerOptions.get("image")
            ctx.logger.warning(
                f"dockerOptions{f' (image {image})' if image else ''} is ignored: dbt runs as a local process of the worker"
            )
        program = "dbt"
        if self.dbtPath:
            path = str(await self.render(ctx, self.dbtPath, workspace))
            if Path(workspace.working_dir, path).is_file():
                program = shlex.quote(path)
            elif path != "dbt":
                ctx.logger.warning(f"dbtPath {path} does not exist on this worker; running `dbt` from PATH")
        words = [program]
        words += [
            flag for flag, on in (("--debug", self.debug), ("--fail-fast", self.failFast), ("--warn-error", self.warnError)) if on
        ]
        words.append(self.subcommand)
        if self.profiles:
            words += ["--profiles-dir", shlex.quote(str(workspace.working_dir / ".profile"))]
        rendered = await self.render(ctx, self.arguments(), workspace)
        return [" ".join(words + [str(arg) for arg in rendered])]


class _DbtRunCommand(_DbtCommand):
    """A dbt command that builds nodes: threads, full refresh, target and node selection."""

    thread: int | None = Field(default=None, ge=1, description="Number of threads (`--threads`).")
    fullRefresh: bool = Field(default=False, description="Rebuild incremental models from scratch (`--full-refresh`).")
    target: str | None = Field(default=None, description="Target of the profile (`--target`).")
    selector: str | None = Field(default=None, description="A selector of selectors.yml (`--selector`).")
    select: list[str] | None = Field(default=None, description="Nodes to include (`--select`).")
    exclude: list[str] | None = Field(default=None, description="Nodes to leave out (`--exclude`).")

    def dbt_flags(self) -> dict[str, Any]:
        return {"target": self.target, "select": self.select, "exclude": self.exclude}

    def arguments(self) -> list[str]:
        args: list[str] = []
        if self.thread:
            args += ["--threads", str(self.thread)]
        if self.fullRefresh:
            args.append("--full-refresh")
        if self.selector:
            args += ["--selector", shlex.quote(self.selector)]
        return args


class Build(_DbtRunCommand):
    """Run `dbt build`: seeds, models, snapshots and tests in DAG order."""

    subcommand = "build"
    type: Literal["lanner.dbt.Build", "io.kestra.plugin.dbt.cli.Build"]


class Run(_DbtRunCommand):
    """Run `dbt run`: build the models."""

    subcommand = "run"
    type: Literal["lanner.dbt.Run", "io.kestra.plugin.dbt.cli.Run"]


class Test(_DbtRunCommand):
    """Run `dbt test`: run the data tests."""

    subcommand = "test"
    type: Literal["lanner.dbt.Test", "io.kestra.plugin.dbt.cli.Test"]


class Seed(_DbtRunCommand):
    """Run `dbt seed`: load the CSV seeds."""

    subcommand = "seed"
    type: Literal["lanner.dbt.Seed", "io.kestra.plugin.dbt.cli.Seed"]


class Snapshot(_DbtRunCommand):
    """Run `dbt snapshot`: record changes of mutable tables."""

    subcommand = "snapshot"
    type: Literal["lanner.dbt.Snapshot", "io.kestra.plugin.dbt.cli.Snapshot"]


class Compile(_DbtCommand):
    """Run `dbt compile`: render the SQL of every node without running it."""

    subcommand = "compile"
    type: Literal["lanner.dbt.Compile", "io.kestra.plugin.dbt.cli.Compile"]


class Deps(_DbtCommand):
    """Run `dbt deps`: install the project's packages (needs network access to the package hub or Git)."""

    subcommand = "deps"
    type: Literal["lanner.dbt.Deps", "io.kestra.plugin.dbt.cli.Deps"]


class Freshness(_DbtCommand):
    """Run `dbt source freshness`: check how recent the sources are."""

    subcommand = "source freshness"
    type: Literal["lanner.dbt.Freshness", "io.kestra.plugin.dbt.cli.Freshness"]


class List(_DbtCommand):
    """Run `dbt ls`: list the project's resources."""

    subcommand = "ls"
    type: Literal["lanner.dbt.List", "io.kestra.plugin.dbt.cli.List"]
