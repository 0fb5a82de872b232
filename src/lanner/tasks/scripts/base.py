"""The base of every script task: Kestra's common script properties and the run template.

A subclass says which commands to run (``script_commands``) and may prepare the
environment first (``setup``); the base renders the properties, writes the input files,
runs the commands in the attempt's working directory and collects the outputs:

- ``vars``: what the script sent with ``::{"outputs": {...}}::`` (``Kestra.outputs``);
- ``exitCode``: the exit code of the commands;
- ``outputFiles``: internal storage URIs of the files matching ``outputFiles`` and of
  every file written to ``{{ outputDir }}``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from lanner.errors import LannerError, TaskFailure
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext
from lanner.tasks.scripts.files import (
    RESERVED_PREFIX,
    collect_output_files,
    glob_regex,
    input_file_map,
    localize_storage_uris,
    write_execution_context,
    write_input_files,
)
from lanner.tasks.scripts.options import DOCKER_UNAVAILABLE, NamespaceFiles, TaskRunner
from lanner.tasks.scripts.runner import DEFAULT_INTERPRETER, process_env, run_commands

__all__ = ["ScriptTask", "Workspace"]

_GLOB_CHARS = ("*", "?", "[", "{")


@dataclass(slots=True)
class Workspace:
    """The attempt's working directory and what ``setup`` adds to the environment."""

    working_dir: Path
    output_dir: Path
    #: extra expression variables: ``workingDir``, ``outputDir``, ``outputFiles``
    variables: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)
    path_prepend: list[str] = field(default_factory=list)


class ScriptTask(RunnableTask):
    """Run commands as a local process in a fresh working directory per attempt."""

    beforeCommands: list[str] | None = Field(
        default=None,
        description="Commands run first, in the same shell (for example to install tools); their output is logged at DEBUG.",
        examples=[["pip install -r requirements.txt"]],
    )
    env: dict[str, Any] | None = Field(
        default=None,
        description="Environment variables of the process, added to a minimal environment "
        "(PATH, HOME, LANG…); the worker's other variables are not passed on.",
        examples=[{"API_URL": "{{ vars.api_url }}"}],
    )
    inputFiles: dict[str, Any] | str | None = Field(
        default=None,
        description="Files created in the working directory before the commands run: file name → "
        "content. A content that is an internal storage URI (`{{ outputs.download.uri }}`) "
        "copies that file. A string must render to a JSON map.",
        examples=[{"data.csv": "{{ outputs.download.uri }}", "query.sql": "SELECT 1"}],
    )
    outputFiles: list[str] | None = Field(
        default=None,
        description="Glob patterns, relative to the working directory, of files to keep in "
        "internal storage after the run; read them as `{{ outputs.<task>.outputFiles['name'] }}`. "
        "`*` stays in a folder, `**` crosses folders.",
        examples=[["*.csv", "reports/**"]],
    )
    interpreter: list[str] = Field(
        default_factory=lambda: list(DEFAULT_INTERPRETER),
        min_length=1,
        description="The program and arguments that receive the commands as one last argument.",
        examples=[["/bin/bash", "-c"]],
    )
    failFast: bool = Field(
        default=True,
        description="Stop at the first command that fails (`set -e`). When false, every command "
        "runs and the last one decides the exit code.",
    )
    warningOnStdErr: bool | None = Field(
        default=None,
        description="When true, any line written to standard error ends the task in WARNING. "
        "Unset, standard error is only logged (at WARN), as in current Kestra.",
    )
    executionContext: bool = Field(
        default=False,
        description="Write the expression variables (inputs, outputs, labels, vars…) to "
        "`.kestra-execution-context.json` in the working directory, for `from kestra import context`. "
        "The file is removed when the commands end and is never an output file.",
    )
    taskRunner: TaskRunner | None = Field(
        default=None,
        description="Where the commands run. Only `io.kestra.plugin.core.runner.Process` (a local "
        "process, the default here) is available.",
        examples=[{"type": "io.kestra.plugin.core.runner.Process"}],
    )
    containerImage: str | None = Field(
        default=None,
        description="Container image for container task runners. Accepted for Kestra flows, but "
        "ignored: commands run as local processes.",
        examples=["python:3.12-slim"],
    )
    namespaceFiles: NamespaceFiles | None = Field(
        default=None,
        description="Namespace files to copy into the working directory before the commands run "
        "(`enabled`, `include`, `exclude` globs); `inputFiles` of the same name win.",
        examples=[{"enabled": True, "include": ["scripts/**"]}],
    )
    targetOS: Literal["LINUX", "WINDOWS", "AUTO"] = Field(
        default="AUTO", description="Operating system the commands target; WINDOWS disables `set -e`."
    )
    runner: Literal["PROCESS", "DOCKER"] | None = Field(
        default=None, description="Deprecated Kestra property: use `taskRunner`. Only PROCESS is available."
    )
    docker: dict[str, Any] | None = Field(
        default=None, description="Deprecated Kestra Docker options; ignored, commands run as local processes."
    )
    outputDirectory: bool | None = Field(
        default=None, description="Deprecated Kestra property; `{{ outputDir }}` is always available."
    )

    @field_validator("runner")
    @classmethod
    def _no_docker_runner(cls, value: str | None) -> str | None:
        if value == "DOCKER":
            raise ValueError(DOCKER_UNAVAILABLE)
        return value

    async def script_commands(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        """The rendered commands to run, after ``beforeCommands``."""
        raise NotImplementedError

    async def setup(self, ctx: RunContext, workspace: Workspace) -> None:
        """Prepare the environment (``workspace.env``, ``workspace.path_prepend``) before the run."""

    async def render(self, ctx: RunContext, value: Any, workspace: Workspace) -> Any:
        """Render a property with the script variables (``workingDir``, ``outputDir``, ``outputFiles``)."""
        return await ctx.render(value, workspace.variables)

    async def run(self, ctx: RunContext) -> Output:
        if self.containerImage or self.docker:
            ctx.logger.debug("containerImage and docker are ignored: commands run as local processes")
        workspace, patterns = await self.prepare(ctx)
        interpreter = [str(part) for part in await self.render(ctx, list(self.interpreter), workspace)]
        before = [str(c) for c in await self.render(ctx, list(self.beforeCommands or []), workspace)]
        commands = await self.script_commands(ctx, workspace)
        localized = await localize_storage_uris(ctx, workspace.working_dir, [*before, *commands])
        before, commands = localized[: len(before)], localized[len(before) :]
        await self.setup(ctx, workspace)
        env = process_env(
            {
                "WORKING_DIR": str(workspace.working_dir),
                "OUTPUT_DIR": str(workspace.output_dir),
                **workspace.env,
                **(await self.render(ctx, dict(self.env or {}), workspace)),
            },
            path_prepend=workspace.path_prepend,
        )
        context_file = None
        if self.executionContext:
            context_file = await write_execution_context(ctx, workspace.working_dir)
            env["KESTRA_EXECUTION_CONTEXT_FILE"] = str(context_file)
        try:
            result = await run_commands(
                ctx,
                commands,
                cwd=workspace.working_dir,
                env=env,
                interpreter=interpreter,
                before_commands=before,
                fail_fast=self.failFast and self.targetOS != "WINDOWS",
            )
        finally:
            if context_file is not None:
                context_file.unlink(missing_ok=True)
        output_files = await collect_output_files(ctx, workspace.working_dir, patterns, output_dir=workspace.output_dir)
        if self.warningOnStdErr and result.stderr_lines:
            ctx.warn(f"the commands wrote {result.stderr_lines} line(s) to standard error")
        return {"vars": result.vars, "exitCode": result.exit_code, "outputFiles": output_files}

    async def prepare(self, ctx: RunContext) -> tuple[Workspace, list[str]]:
        """The attempt's working directory with the namespace and input files in place, and the
        rendered ``outputFiles`` patterns (tasks built on scripts, such as dbt, start here)."""
        workspace = await self._workspace(ctx)
        await self._copy_namespace_files(ctx, workspace.working_dir)
        patterns = [str(p) for p in await ctx.render(list(self.outputFiles or []))]
        workspace.variables["outputFiles"] = {
            name: str(workspace.working_dir / name) for name in patterns if not any(c in name for c in _GLOB_CHARS)
        }
        files = input_file_map(await self.render(ctx, self.inputFiles, workspace))
        await write_input_files(ctx, workspace.working_dir, files)
        return workspace, patterns

    async def _workspace(self, ctx: RunContext) -> Workspace:
        working_dir = await ctx.working_dir()
        output_dir = working_dir / f"{RESERVED_PREFIX}output"
        await asyncio.to_thread(output_dir.mkdir, parents=True, exist_ok=True)
        variables: dict[str, Any] = {"workingDir": str(working_dir), "outputDir": str(output_dir)}
        return Workspace(working_dir=working_dir, output_dir=output_dir, variables=variables)

    async def _copy_namespace_files(self, ctx: RunContext, working_dir: Path) -> None:
        options = self.namespaceFiles
        if options is None or not options.is_enabled(await ctx.render(options.enabled)):
            return
        include = [glob_regex(_pattern(p)) for p in await ctx.render(list(options.include or []))]
        exclude = [glob_regex(_pattern(p)) for p in await ctx.render(list(options.exclude or []))]
        namespaces = [str(ns) for ns in await ctx.render(list(options.namespaces or []))] or [ctx.namespace]
        copied = 0
        for namespace in namespaces:
            try:
                paths = await ctx.namespace_files.list(namespace)
            except LannerError as exc:
                raise TaskFailure(f"namespaceFiles: {exc}", retryable=False) from exc
            for path in paths:
                if include and not any(regex.match(path) for regex in include):
                    continue
                if any(regex.match(path) for regex in exclude):
                    continue
                await ctx.namespace_files.fetch(path, working_dir / path, namespace)
                copied += 1
        ctx.logger.debug(f"copied {copied} namespace file(s) into the working directory")


def _pattern(pattern: object) -> str:
    clean = str(pattern).strip()
    while clean.startswith("./"):
        clean = clean[2:]
    return clean.lstrip("/")
