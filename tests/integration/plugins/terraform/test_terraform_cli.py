"""TerraformCLI with the real `terraform` (or `tofu`) and the built-in `terraform_data` resource only.

No provider can be downloaded here: the configurations use `terraform_data`, and each test
points `TF_CLI_CONFIG_FILE` at a CLI configuration of its own. Skipped where the machine has no
Terraform or OpenTofu program.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lanner.models.state import State
from lanner.plugins.terraform.binary import find_terraform

from ...harness import Harness

PROGRAM = find_terraform(os.environ.get("PATH", "") + ":/usr/local/bin")
pytestmark = pytest.mark.skipif(PROGRAM is None, reason="no terraform or tofu program on this machine (PATH, /usr/local/bin)")

MAIN_TF = """
terraform {
  backend "local" {}
}
variable "name" {}
variable "tags" { type = list(string) }
resource "terraform_data" "thing" {
  input = "${var.name}-${length(var.tags)}"
}
output "thing" { value = terraform_data.thing.output }
output "token" {
  value     = "tf-sensitive-value-42"
  sensitive = true
}
"""


@pytest.fixture
def cli_config(tmp_path: Path) -> Path:
    path = tmp_path / "terraform.tfrc"
    path.write_text("disable_checkpoint = true\n")
    return path


def _flow(cli_config: Path, commands: list[str], *, extra: str = "", flow_id: str = "tf") -> str:
    listed = "\n".join(f"      - {c}" for c in commands)
    main_tf = "\n".join("        " + line for line in MAIN_TF.strip().splitlines())
    return f"""
id: {flow_id}
namespace: company.infra
tasks:
  - id: terraform
    type: io.kestra.plugin.terraform.cli.TerraformCLI
    terraformPath: {PROGRAM}
    inputFiles:
      main.tf: |
{main_tf}
    env:
      TF_CLI_CONFIG_FILE: {cli_config}
    variables:
      name: demo
      tags: [a, b]
    backendConfig:
      path: custom.tfstate
    outputFiles: ["custom.tfstate"]
    commands:
{listed}
{extra}"""


async def test_init_plan_apply_with_summaries_outputs_and_streamed_logs(harness: Harness, cli_config: Path) -> None:
    result = await harness.run(
        _flow(cli_config, ["terraform init", "terraform plan", "terraform apply -auto-approve"]), timeout=120
    )

    assert result.state == State.SUCCESS, await result.logs()
    outputs = result.outputs("terraform")
    assert outputs["plan"] == {"add": 1, "change": 0, "destroy": 0, "hasChanges": True}
    assert outputs["apply"] == {"add": 1, "change": 0, "destroy": 0}
    assert outputs["terraformOutputs"] == {"thing": "demo-2"}  # the sensitive output is left out
    assert set(outputs["outputFiles"]) == {"custom.tfstate"}  # backendConfig reached `terraform init`
    logs = await result.logs("terraform")
    assert any("Apply complete! Resources: 1 added" in line for line in logs)
    assert not any("\x1b[" in line for line in logs)  # no colour codes
    assert not any("tf-sensitive-value-42" in line for line in logs)


async def test_a_broken_configuration_fails_with_terraform_error(harness: Harness, cli_config: Path) -> None:
    source = _flow(cli_config, ["terraform init", "terraform validate"]).replace('output "thing"', 'output "thing" = broken')
    result = await harness.run(source, timeout=120)

    assert result.state == State.FAILED
    logs = await result.logs("terraform")
    assert any("terraform failed with exit code" in line for line in logs), logs
    assert any("Error" in line for line in logs)


async def test_plan_only_reads_no_outputs_and_a_missing_program_is_named(
    harness: Harness, cli_config: Path, tmp_path: Path
) -> None:
    plan = await harness.run(_flow(cli_config, ["terraform init", "terraform plan"]), timeout=120)
    assert plan.state == State.SUCCESS
    assert "terraformOutputs" not in plan.outputs("terraform")
    assert plan.outputs("terraform")["plan"]["add"] == 1

    missing = _flow(cli_config, ["terraform version"], flow_id="tf_missing").replace(
        f"terraformPath: {PROGRAM}", f"terraformPath: {tmp_path / 'nowhere' / 'terraform'}"
    )
    failed = await harness.run(missing)
    assert failed.state == State.FAILED
    assert any("is not an executable program on the worker" in line for line in await failed.logs())


async def test_commands_saying_terraform_run_the_configured_program(harness: Harness, cli_config: Path, tmp_path: Path) -> None:
    assert PROGRAM is not None
    tofu = tmp_path / "bin" / "tofu"  # as if OpenTofu were installed under its own name
    tofu.parent.mkdir()
    tofu.symlink_to(PROGRAM)
    source = _flow(cli_config, ["terraform version"], flow_id="tf_tofu").replace(
        f"terraformPath: {PROGRAM}", f"terraformPath: {tofu}"
    )
    result = await harness.run(source)
    assert result.state == State.SUCCESS
    assert any(line.startswith("INFO Terraform v") for line in await result.logs("terraform"))


async def test_the_example_flow_runs(harness: Harness, cli_config: Path) -> None:
    source = (Path(__file__).parents[4] / "examples" / "terraform_apply.yml").read_text()
    source = source.replace('CHECKPOINT_DISABLE: "1"', f'CHECKPOINT_DISABLE: "1"\n      TF_CLI_CONFIG_FILE: {cli_config}')
    result = await harness.run(source, timeout=120)
    assert result.state == State.SUCCESS, await result.logs()
    assert result.outputs("terraform")["terraformOutputs"] == {"release": "release-dev"}
    assert set(result.outputs("terraform")["outputFiles"]) == {"dev.tfstate"}
    assert any(
        "Planned 1 to add, 0 to change, 0 to destroy; release = release-dev" in line for line in await result.logs("report")
    )
