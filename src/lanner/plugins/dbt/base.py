"""The base of the dbt tasks: run dbt commands as a local process, then read dbt's artifacts.

The run follows the script tasks' template (working directory, namespace files, input
files, ``beforeCommands``, ``env``, output files) with what dbt needs on top: ``profiles``
written to ``profiles.yml`` in the working directory (where dbt looks first), the dbt flags
of ``command_line.py``, dbt's JSON logs relayed at their level, and ``run_results.json`` /
``manifest.json`` parsed into outputs and metrics. A failing node fails the task with the
failing nodes named.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanner.errors import TaskFailure
from lanner.plugins.dbt.artifacts import (
    RunSummary,
    manifest_summary,
    node_task_runs,
    parse_run_results,
    record_metrics,
)
from lanner.plugins.dbt.command_line import DbtFlags, add_flags, beside_python
from lanner.plugins.dbt.logs import DbtLogRelay
from lanner.tasks.base import Output
from lanner.tasks.context import RunContext
from lanner.tasks.scripts import ScriptResult, ScriptTask, Workspace, process_env, run_commands
from lanner.tasks.scripts.files import (
    RESERVED_PREFIX,
    collect_output_files,
    localize_storage_uris,
)

__all__ = ["DbtTask", "ManifestKey"]

#: Environment of every dbt process (the task's ``env`` may override it).
DBT_ENV = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false", "PYTHONUNBUFFERED": "1"}
NOT_FOUND_HINT = (
    "dbt was not found: install it on the worker (pip install 'lanner[dbt]', or `make install` in a Lanner checkout) "
    "or in `beforeCommands`"
)


class ManifestKey(BaseModel):
    """A KV store entry holding a dbt ``manifest.json``."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="KV key.", examples=["manifest.json"])
    namespace: str = Field(description="Namespace of the KV entry.", examples=["{{ flow.namespace }}"])


class DbtTask(ScriptTask):
    """Properties and run template shared by every dbt task."""

    profiles: str | None = Field(
        default=None,
        description="Content of dbt's `profiles.yml`, written to the working directory (replacing one from "
        "namespace files). Read credentials from secrets: `password: \"{{ secret('DB_PASSWORD') }}\"`.",
        examples=["my_project:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: warehouse.duckdb\n"],
    )
    projectDir: str | None = Field(
        default=None,
        description="Folder of `dbt_project.yml`, relative to the working directory (namespace files, a clone) or an "
        "absolute path on the worker; added to dbt commands as `--project-dir`. Unset: the working directory.",
        examples=["dbt"],
    )
    parseRunResults: bool = Field(
        default=True,
        description="Read `target/run_results.json` and `target/manifest.json` after the run into the `runResults` "
        "and `project` outputs, metrics and `outputFiles`.",
    )
    taskRunPerNode: bool = Field(
        default=True,
        description="With `parseRunResults`, add one task run per dbt node of `run_results.json` (model, test, seed, "
        "snapshot…) to the execution, as a child of this task's run: task id the node's unique id "
        "(`model.my_project.orders`), state from its status (error/fail FAILED, warn WARNING, skipped SKIPPED, "
        "otherwise SUCCESS), start and end from dbt's timing. The Gantt then shows every node. They are written even "
        "when dbt fails; a retried attempt's are dropped, and a restart replaces them. Set to false for a project "
        "with thousands of nodes where they would only crowd the execution.",
    )
    logFormat: Literal["JSON", "TEXT", "DEBUG", "NONE"] = Field(
        default="JSON",
        description="dbt's `--log-format`. With JSON (the default) each dbt log line is logged at its own level and a "
        "dbt warning ends the task in WARNING; NONE adds no flag.",
    )
    storeManifest: ManifestKey | None = Field(
        default=None, description="Save `target/manifest.json` in the KV store after the run (for `--defer` / `state:`)."
    )
    loadManifest: ManifestKey | None = Field(
        default=None,
        description="Write the manifest saved in the KV store to `target/manifest.json` before the run (a missing "
        "entry is only a warning).",
    )

    async def dbt_commands(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        """The commands to run (before the flags are added)."""
        raise NotImplementedError

    def dbt_flags(self) -> dict[str, Any]:
        """Extra flag values (target, vars, select, exclude) from the task's properties, unrendered."""
        return {}

    def shell_fail_fast(self) -> bool:
        return self.failFast and self.targetOS != "WINDOWS"

    async def script_commands(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        return await self.dbt_commands(ctx, workspace)

    async def run(self, ctx: RunContext) -> Output:
        if self.containerImage or self.docker:
            ctx.logger.warning("containerImage is ignored: dbt runs as a local process of the worker")
        workspace, patterns = await self.prepare(ctx)
        work_dir = workspace.working_dir
        await self._write_profiles(ctx, workspace)
        project_dir = await self._project_dir(ctx, workspace)
        if self.loadManifest is not None:
            await self._load_manifest(ctx, project_dir)
        flags = await self._flags(ctx, workspace)
        before = [str(c) for c in await self.render(ctx, list(self.beforeCommands or []), workspace)]
        commands = [add_flags(command, flags) for command in await self.dbt_commands(ctx, workspace)]
        localized = await localize_storage_uris(ctx, work_dir, [*before, *commands])
        before, commands = localized[: len(before)], localized[len(before) :]
        env = await self._env(ctx, workspace)
        relay = DbtLogRelay(ctx)
        interpreter = [str(part) for part in await self.render(ctx, list(self.interpreter), workspace)]
        target = project_dir / "target"
        before_run = await asyncio.to_thread(_artifact_stats, target)
        result = await run_commands(
            ctx,
            commands,
            cwd=work_dir,
            env=env,
            interpreter=interpreter,
            before_commands=before,
            fail_fast=self.shell_fail_fast(),
            on_line=relay.feed,
            check=False,
        )
        artifacts = await asyncio.to_thread(_read_artifacts, target, before_run)
        summary = None
        if self.parseRunResults and "run_results" in artifacts:
            summary = parse_run_results(artifacts["run_results"], artifacts.get("manifest"))
        if summary is not None:
            record_metrics(ctx, summary)
            if self.taskRunPerNode:
                ctx.add_task_runs(node_task_runs(summary))
        if result.exit_code != 0:
            raise TaskFailure(_failure_message(result, summary, relay))
        if relay.warnings and self.logFormat == "JSON":
            ctx.warn(f"dbt logged {relay.warnings} warning(s)")
        output_files = await collect_output_files(ctx, work_dir, patterns, output_dir=workspace.output_dir)
        outputs: dict[str, Any] = {"exitCode": result.exit_code, "vars": result.vars, "outputFiles": output_files}
        if summary is not None:
            outputs["runResults"] = summary.outputs()
        if self.parseRunResults and "manifest" in artifacts:
            outputs["project"] = manifest_summary(artifacts["manifest"])
        for key, name in _ARTIFACTS:
            if key in artifacts:
                output_files[name] = await ctx.storage.put(target / name, name)
        if self.storeManifest is not None:
            await self._store_manifest(ctx, project_dir)
        return outputs

    async def _write_profiles(self, ctx: RunContext, workspace: Workspace) -> None:
        if not self.profiles:
            return
        target = workspace.working_dir / "profiles.yml"
        if target.exists():
            ctx.logger.info("profiles.yml in the working directory is replaced by the task's `profiles`")
        await asyncio.to_thread(target.write_text, str(await self.render(ctx, self.profiles, workspace)))

    async def _project_dir(self, ctx: RunContext, workspace: Workspace) -> Path:
        if not self.projectDir:
            return workspace.working_dir
        return workspace.working_dir / str(await self.render(ctx, self.projectDir, workspace))

    async def _flags(self, ctx: RunContext, workspace: Workspace) -> DbtFlags:
        extra = await self.render(ctx, self.dbt_flags(), workspace)
        project = str(await self.render(ctx, self.projectDir, workspace)) if self.projectDir else None
        log_dir = workspace.working_dir / f"{RESERVED_PREFIX}dbt-logs"
        return DbtFlags(
            project_dir=project,
            log_format=None if self.logFormat == "NONE" else self.logFormat.lower(),
            log_path=str(log_dir),
            target=str(extra["target"]) if extra.get("target") else None,
            vars=extra.get("vars") or None,
            select=[str(s) for s in extra.get("select") or []],
            exclude=[str(s) for s in extra.get("exclude") or []],
        )

    async def _env(self, ctx: RunContext, workspace: Workspace) -> dict[str, str]:
        user_env = await self.render(ctx, dict(self.env or {}), workspace)
        base = {"WORKING_DIR": str(workspace.working_dir), "OUTPUT_DIR": str(workspace.output_dir), **DBT_ENV, **user_env}
        env = process_env(base)
        found = beside_python(env["PATH"])
        if found is not None:  # only `dbt` goes on PATH, not the rest of Lanner's environment
            bin_dir = workspace.working_dir / f"{RESERVED_PREFIX}bin"
            await asyncio.to_thread(bin_dir.mkdir, exist_ok=True)
            link = bin_dir / "dbt"
            if not link.exists():
                await asyncio.to_thread(link.symlink_to, found)
            env = process_env(base, path_prepend=[str(bin_dir)])
        return env

    async def _load_manifest(self, ctx: RunContext, project_dir: Path) -> None:
        assert self.loadManifest is not None
        key, namespace = await ctx.render([self.loadManifest.key, self.loadManifest.namespace])
        value = await ctx.kv.get(str(key), str(namespace))
        if value in (None, ""):
            ctx.logger.warning(f"loadManifest: no manifest in the KV store at {namespace}/{key}")
            return
        target = project_dir / "target" / "manifest.json"
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(target.write_text, value if isinstance(value, str) else json.dumps(value))

    async def _store_manifest(self, ctx: RunContext, project_dir: Path) -> None:
        assert self.storeManifest is not None
        path = project_dir / "target" / "manifest.json"
        if not path.exists():
            ctx.logger.warning("storeManifest: dbt wrote no target/manifest.json")
            return
        key, namespace = await ctx.render([self.storeManifest.key, self.storeManifest.namespace])
        await ctx.kv.set(str(key), json.loads(await asyncio.to_thread(path.read_text)), str(namespace))


_ARTIFACTS = (("run_results", "run_results.json"), ("manifest", "manifest.json"))


def _artifact_stats(target: Path) -> dict[str, tuple[int, int, int] | None]:
    """Identity of each artifact file (a folder kept between runs may hold an earlier run's)."""
    stats: dict[str, tuple[int, int, int] | None] = {}
    for key, name in _ARTIFACTS:
        try:
            stat = (target / name).stat()
            stats[key] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            stats[key] = None
    return stats


def _read_artifacts(target: Path, before: dict[str, tuple[int, int, int] | None]) -> dict[str, Any]:
    """run_results.json and manifest.json as this run left them, if it wrote them."""
    found: dict[str, Any] = {}
    after = _artifact_stats(target)
    for key, name in _ARTIFACTS:
        if after[key] is None or after[key] == before[key]:
            continue
        try:
            found[key] = json.loads((target / name).read_text())
        except (OSError, ValueError):
            continue
    return found


def _failure_message(result: ScriptResult, summary: RunSummary | None, relay: DbtLogRelay) -> str:
    if result.exit_code == 127:
        return NOT_FOUND_HINT
    failed = summary.failed if summary is not None else []
    if failed:
        lines = [f"dbt failed: {len(failed)} node(s) did not succeed:"]
        for node in failed:
            detail = [part.strip() for part in (node.get("message") or "").splitlines() if part.strip()][:3]
            lines.append(f"  {node['uniqueId']} ({node['status']})" + (": " + " / ".join(detail) if detail else ""))
        return "\n".join(lines)
    message = (
        f"dbt failed with exit code {result.exit_code}"
        if result.exit_code > 0
        else f"dbt was stopped by signal {-result.exit_code}"
    )
    tail = list(relay.errors) or list(result.stderr_tail)
    return message + (":\n" + "\n".join(f"  {line}" for line in tail[-10:]) if tail else "")
