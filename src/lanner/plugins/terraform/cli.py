"""TerraformCLI: run Terraform or OpenTofu commands (Kestra's ``io.kestra.plugin.terraform.cli.TerraformCLI``)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from lanner.errors import TaskFailure
from lanner.plugins.terraform.binary import NOT_FOUND_HINT, find_terraform
from lanner.plugins.terraform.summary import ChangeSummary
from lanner.tasks.base import Output
from lanner.tasks.context import RunContext
from lanner.tasks.scripts import ScriptResult, ScriptTask, Stream, Workspace, failure_message, process_env, run_commands
from lanner.tasks.scripts.files import (
    RESERVED_PREFIX,
    collect_output_files,
    localize_storage_uris,
)
from lanner.tasks.scripts.runner import run_process

__all__ = ["TerraformCLI"]

#: Environment of every Terraform process (the task's ``env`` may override it).
TERRAFORM_ENV = {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1", "TF_CLI_ARGS": "-no-color"}
#: commands after which the state may hold outputs worth reading
_STATE_COMMANDS = re.compile(r"\b(apply|destroy|refresh|import|output)\b")


class TerraformCLI(ScriptTask):
    """Run Terraform (or OpenTofu) commands — `terraform init`, `plan`, `apply`, `output`… — in the task's
    working directory.

    The configuration (`*.tf` files) comes from namespace files, `inputFiles` or a previous
    task's files. Terraform's output streams into the task log. `variables` become `TF_VAR_*`
    variables and `backendConfig` is given to `terraform init`; pass credentials through `env`
    with `{{ secret('…') }}` (masked in logs and outputs). After the run, outputs hold the plan
    summary (`plan.add`, `plan.change`, `plan.destroy`, `plan.hasChanges`), the apply summary
    and the root module's outputs (`terraformOutputs`; sensitive ones are left out). Keep the
    state in a remote backend, or in `outputFiles` (`terraform.tfstate`): the working
    directory is removed after each attempt. Runs as a local process: only the Process task
    runner is available.
    """

    type: Literal["lanner.terraform.TerraformCLI", "io.kestra.plugin.terraform.cli.TerraformCLI"]
    commands: list[str] = Field(
        min_length=1,
        description="Commands run in order in one shell (`set -e`), for example `terraform init` then "
        "`terraform apply -auto-approve`.",
        examples=[["terraform init", "terraform plan -out=tfplan", "terraform apply -auto-approve tfplan"]],
    )
    terraformPath: str | None = Field(
        default=None,
        description="The Terraform or OpenTofu program (a path, or a name on PATH) run for `terraform` in the "
        "commands. Unset: `terraform` on the worker's PATH, else `tofu`.",
        examples=["/usr/local/bin/tofu"],
    )
    variables: dict[str, Any] | None = Field(
        default=None,
        description="Input variables of the configuration, passed as `TF_VAR_<name>` (rendered first; lists and maps as JSON).",
        examples=[{"environment": "prod", "replicas": 3}],
    )
    backendConfig: dict[str, Any] | None = Field(
        default=None,
        description="Backend settings given to `terraform init` as `-backend-config=key=value` (through "
        "`TF_CLI_ARGS_init`); rendered first, so `{{ secret('…') }}` works.",
        examples=[{"bucket": "my-state", "key": "prod/terraform.tfstate"}],
    )
    parseOutputs: bool = Field(
        default=True,
        description="After a successful run that applied (or read) the state, read the root module's outputs "
        "(`terraform output -json`) into `terraformOutputs`.",
    )

    async def run(self, ctx: RunContext) -> Output:
        if self.containerImage or self.docker:
            ctx.logger.warning("containerImage is ignored: terraform runs as a local process of the worker")
        workspace, patterns = await self.prepare(ctx)
        work_dir = workspace.working_dir
        before = [str(c) for c in await self.render(ctx, list(self.beforeCommands or []), workspace)]
        commands = [str(c) for c in await self.render(ctx, list(self.commands), workspace)]
        localized = await localize_storage_uris(ctx, work_dir, [*before, *commands])
        before, commands = localized[: len(before)], localized[len(before) :]
        env, program = await self._env(ctx, workspace)
        summary = ChangeSummary()

        def watch(stream: Stream, line: str) -> bool:
            summary.feed(line)
            return False

        interpreter = [str(part) for part in await self.render(ctx, list(self.interpreter), workspace)]
        result = await run_commands(
            ctx,
            commands,
            cwd=work_dir,
            env=env,
            interpreter=interpreter,
            before_commands=before,
            fail_fast=self.failFast and self.targetOS != "WINDOWS",
            on_line=watch,
            check=False,
        )
        if result.exit_code != 0:
            raise TaskFailure(_failure(result, program))
        outputs: dict[str, Any] = {"exitCode": result.exit_code, "vars": result.vars, **summary.outputs()}
        if self.parseOutputs and program is not None and any(_STATE_COMMANDS.search(c) for c in commands):
            found = await _read_outputs(ctx, program, work_dir, env)
            if found is not None:
                outputs["terraformOutputs"] = found
        outputs["outputFiles"] = await collect_output_files(ctx, work_dir, patterns, output_dir=workspace.output_dir)
        if self.warningOnStdErr and result.stderr_lines:
            ctx.warn(f"terraform wrote {result.stderr_lines} line(s) to standard error")
        return outputs

    async def _env(self, ctx: RunContext, workspace: Workspace) -> tuple[dict[str, str], str | None]:
        """The process environment, and the program ``terraform`` runs (None: not found yet)."""
        base: dict[str, Any] = {
            "WORKING_DIR": str(workspace.working_dir),
            "OUTPUT_DIR": str(workspace.output_dir),
            **TERRAFORM_ENV,
        }
        for name, value in (await self.render(ctx, dict(self.variables or {}), workspace)).items():
            base[f"TF_VAR_{name}"] = value if isinstance(value, str) else json.dumps(value)
        if self.backendConfig:
            settings = await self.render(ctx, dict(self.backendConfig), workspace)
            base["TF_CLI_ARGS_init"] = " ".join(f"-backend-config={_shell_word(f'{k}={v}')}" for k, v in settings.items())
        base.update(await self.render(ctx, dict(self.env or {}), workspace))
        env = process_env(base)
        configured = str(await self.render(ctx, self.terraformPath, workspace)).strip() if self.terraformPath else None
        program = find_terraform(env["PATH"], configured)
        if configured and program is None:
            raise TaskFailure(f"terraformPath {configured!r} is not an executable program on the worker", retryable=False)
        if program is not None and (configured or Path(program).name != "terraform"):
            # commands say `terraform`: a link in a folder first on PATH runs the chosen program
            bin_dir = workspace.working_dir / f"{RESERVED_PREFIX}bin"
            await asyncio.to_thread(bin_dir.mkdir, exist_ok=True)
            link = bin_dir / "terraform"
            await asyncio.to_thread(link.unlink, missing_ok=True)
            await asyncio.to_thread(link.symlink_to, program)
            env = process_env(base, path_prepend=[str(bin_dir)])
        return env, program


async def _read_outputs(ctx: RunContext, program: str, cwd: Path, env: dict[str, str]) -> dict[str, Any] | None:
    """The root module's outputs; sensitive values are masked and left out. None when unreadable."""
    lines: list[str] = []

    def keep(stream: Stream, line: str) -> bool:
        if stream == "stdout":
            lines.append(line)
        return True  # outputs may be sensitive: never logged

    result = await run_process(ctx, [program, "output", "-json"], cwd=cwd, env=env, on_line=keep, check=False)
    if result.exit_code != 0:
        ctx.logger.warning("could not read the Terraform outputs (`terraform output -json` failed)")
        return None
    try:
        raw = json.loads("\n".join(lines) or "{}")
    except ValueError:
        ctx.logger.warning("could not read the Terraform outputs (not JSON)")
        return None
    found: dict[str, Any] = {}
    for name, entry in (raw or {}).items():
        if not isinstance(entry, dict):
            continue
        if entry.get("sensitive"):
            _mask(ctx, entry.get("value"))
            continue
        found[name] = entry.get("value")
    return found


def _mask(ctx: RunContext, value: Any) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _mask(ctx, item)
    elif isinstance(value, list):
        for item in value:
            _mask(ctx, item)
    elif value not in (None, "") and not isinstance(value, bool):
        ctx.mask(str(value))


def _shell_word(text: str) -> str:
    """Quote for Terraform's own splitting of ``TF_CLI_ARGS_*`` (shell-like, double quotes)."""
    return text if re.fullmatch(r"[\w@%+=:,./-]+", text) else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _failure(result: ScriptResult, program: str | None) -> str:
    if result.exit_code == 127 or (program is None and result.exit_code != 0 and not result.stderr_tail):
        return NOT_FOUND_HINT
    return failure_message(result).replace("Command failed", "terraform failed", 1)
