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

from pydantic import Field, field_validator, model_validator

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
from lanner.tasks.scripts.k8s.options import KubernetesRunner
from lanner.tasks.scripts.k8s.pod import WORKING_DIR as POD_WORKING_DIR
from lanner.tasks.scripts.k8s.run import POD_OUTPUT_DIR, PodScript, pod_variables, run_in_pod
from lanner.tasks.scripts.options import DOCKER_UNAVAILABLE, AnyTaskRunner, NamespaceFiles
from lanner.tasks.scripts.protocol import LineProtocol
from lanner.tasks.scripts.runner import (
    DEFAULT_INTERPRETER,
    INLINE_LIMIT,
    ScriptResult,
    compose_script,
    env_value,
    failure_message,
    process_env,
    run_commands,
)

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
    #: True when the commands run in a Kubernetes pod: paths must be the pod's, not the worker's
    pod: bool = False

    def pod_path(self, text: str) -> str:
        """``text`` with the local working directory replaced by the pod's, in a pod run."""
        return text.replace(str(self.working_dir), POD_WORKING_DIR) if self.pod else text


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
    taskRunner: AnyTaskRunner | None = Field(
        default=None,
        description="Where the commands run: `io.kestra.plugin.core.runner.Process` (a local process, "
        "the default) or `io.kestra.plugin.ee.kubernetes.runner.Kubernetes` (a pod per attempt, in "
        "`containerImage`).",
        examples=[{"type": "io.kestra.plugin.core.runner.Process"}, {"type": "lanner.runner.Kubernetes", "namespace": "jobs"}],
    )
    containerImage: str | None = Field(
        default=None,
        description="Container image the commands run in with the Kubernetes task runner (required "
        "there). Ignored by the process runner.",
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

    @model_validator(mode="after")
    def _pod_ready(self) -> ScriptTask:
        if not isinstance(self.taskRunner, KubernetesRunner):
            return self
        prepares_locally = type(self).setup is not ScriptTask.setup and type(self).pod_setup is ScriptTask.pod_setup
        if type(self).run is not ScriptTask.run or prepares_locally:
            raise ValueError(
                "the Kubernetes task runner is not available for this task type (it prepares a local "
                "environment); use io.kestra.plugin.core.runner.Process, or a Shell or Python task with a containerImage"
            )
        if not self.containerImage and not self.default_container_image():
            raise ValueError("containerImage is required with the Kubernetes task runner, for example `ubuntu:24.04`")
        return self

    async def script_commands(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        """The rendered commands to run, after ``beforeCommands``."""
        raise NotImplementedError

    async def setup(self, ctx: RunContext, workspace: Workspace) -> None:
        """Prepare the environment (``workspace.env``, ``workspace.path_prepend``) before the run."""

    async def pod_setup(self, ctx: RunContext, workspace: Workspace) -> list[str]:
        """Prepare a run in a Kubernetes pod instead of ``setup`` (which never runs then): add to
        ``workspace.env`` and return commands the container runs before ``beforeCommands``.

        A task whose ``setup`` prepares a local environment runs in a pod only if it overrides this.
        """
        return []

    def default_container_image(self) -> str | None:
        """The image a pod runs when ``containerImage`` is unset (None: the property is required)."""
        return None

    async def render(self, ctx: RunContext, value: Any, workspace: Workspace) -> Any:
        """Render a property with the script variables (``workingDir``, ``outputDir``, ``outputFiles``)."""
        return await ctx.render(value, workspace.variables)

    async def run(self, ctx: RunContext) -> Output:
        pod_runner = self.taskRunner if isinstance(self.taskRunner, KubernetesRunner) else None
        if pod_runner is None and (self.containerImage or self.docker):
            ctx.logger.debug("containerImage and docker are ignored: commands run as local processes")
        workspace, patterns = await self.prepare(ctx)
        pod_before: list[str] = []
        if pod_runner is not None:
            pod_variables(workspace.variables, workspace.working_dir)
            workspace.pod = True
            pod_before = await self.pod_setup(ctx, workspace)
        interpreter = [str(part) for part in await self.render(ctx, list(self.interpreter), workspace)]
        before = [*pod_before, *(str(c) for c in await self.render(ctx, list(self.beforeCommands or []), workspace))]
        commands = await self.script_commands(ctx, workspace)
        localized = await localize_storage_uris(ctx, workspace.working_dir, [*before, *commands])
        before, commands = localized[: len(before)], localized[len(before) :]
        if pod_runner is not None:
            result = await self._run_in_pod(ctx, pod_runner, workspace, interpreter, before, commands)
            output_files = await collect_output_files(ctx, workspace.working_dir, patterns, output_dir=workspace.output_dir)
            return {"vars": result.vars, "exitCode": result.exit_code, "outputFiles": output_files}
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

    async def _run_in_pod(
        self,
        ctx: RunContext,
        runner: KubernetesRunner,
        workspace: Workspace,
        interpreter: list[str],
        before: list[str],
        commands: list[str],
    ) -> ScriptResult:
        """Run the commands in a Kubernetes pod; the working directory goes in and comes back."""
        local = str(workspace.working_dir)
        # Storage files were copied under the local working directory: the pod sees them under its own.
        before = [text.replace(local, POD_WORKING_DIR) for text in before]
        commands = [text.replace(local, POD_WORKING_DIR) for text in commands]
        text = compose_script(commands, before_commands=before, fail_fast=self.failFast and self.targetOS != "WINDOWS")
        if len(text.encode()) > INLINE_LIMIT:
            await asyncio.to_thread((workspace.working_dir / f"{RESERVED_PREFIX}commands.sh").write_text, text)
            text = f". {POD_WORKING_DIR}/{RESERVED_PREFIX}commands.sh"
        env = {
            "WORKING_DIR": POD_WORKING_DIR,
            "OUTPUT_DIR": POD_OUTPUT_DIR,
            **workspace.env,
            **{str(k): env_value(v) for k, v in (await self.render(ctx, dict(self.env or {}), workspace)).items()},
        }
        if self.executionContext:
            context_file = await write_execution_context(ctx, workspace.working_dir)
            env["KESTRA_EXECUTION_CONTEXT_FILE"] = f"{POD_WORKING_DIR}/{context_file.name}"
        image = str(await self.render(ctx, self.containerImage or self.default_container_image(), workspace))
        protocol = LineProtocol(ctx)
        script = PodScript(image=image, command=[*interpreter, text], env=env)
        code = await run_in_pod(ctx, runner, script, workspace.working_dir, protocol)
        result = ScriptResult(exit_code=code, vars=protocol.vars, stdout_lines=protocol.stdout_lines)
        if code != 0:
            raise TaskFailure(f"{failure_message(result)} (pod of task run {ctx.task_run_id}, attempt {ctx.attempt})")
        return result

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
