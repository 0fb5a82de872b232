"""TerraformCLI retries and secrets with the real `terraform` (built-in `terraform_data` and the
`local-exec` provisioner only: no provider is downloaded). Skipped without a Terraform program."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lanner.models.state import State
from lanner.plugins.terraform.binary import find_terraform

from ...harness import Harness

PROGRAM = find_terraform(os.environ.get("PATH", "") + ":/usr/local/bin")
pytestmark = pytest.mark.skipif(PROGRAM is None, reason="no terraform or tofu program on this machine (PATH, /usr/local/bin)")

DB_PASSWORD = "pw-7Hq2-terraform-secret"
API_KEY = "key-Zx81-cloud-credential"


@pytest.fixture
def cli_config(tmp_path: Path) -> Path:
    path = tmp_path / "terraform.tfrc"
    path.write_text("disable_checkpoint = true\n")
    return path


def _flow(cli_config: Path, main_tf: str, *, extra: str = "", env: str = "") -> str:
    indented = "\n".join("        " + line for line in main_tf.strip().splitlines())
    return f"""
id: tf
namespace: company.infra
tasks:
  - id: terraform
    type: io.kestra.plugin.terraform.cli.TerraformCLI
    terraformPath: {PROGRAM}
    inputFiles:
      main.tf: |
{indented}
    env:
      TF_CLI_CONFIG_FILE: {cli_config}
{env}
{extra}
    commands:
      - terraform init
      - terraform apply -auto-approve
"""


async def test_a_failed_apply_is_retried_and_the_next_attempt_succeeds(
    harness: Harness, cli_config: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "first-attempt-done"
    # the resource's creation fails once (as a cloud API hiccup would), then works
    main_tf = f"""
resource "terraform_data" "flaky" {{
  input = "v1"
  provisioner "local-exec" {{
    command = "test -f {marker} || {{ touch {marker}; echo 'upstream API unavailable' >&2; exit 1; }}"
  }}
}}
output "created" {{ value = terraform_data.flaky.output }}
"""
    extra = "    retry:\n      type: constant\n      interval: PT0.1S\n      maxAttempts: 3"
    result = await harness.run(_flow(cli_config, main_tf, extra=extra), timeout=180)

    assert result.state == State.SUCCESS, await result.logs()
    run = result.run("terraform")
    assert [a.state for a in run.attempts] == [State.FAILED, State.SUCCESS]
    assert result.outputs("terraform")["terraformOutputs"] == {"created": "v1"}
    assert result.outputs("terraform")["apply"] == {"add": 1, "change": 0, "destroy": 0}
    logs = await result.logs("terraform")
    assert any("upstream API unavailable" in line for line in logs)
    assert any("Apply complete! Resources: 1 added" in line for line in logs)


async def test_secret_variables_and_credentials_never_reach_the_logs(
    harness: Harness, cli_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANNER_SECRET_TF_DB_PASSWORD", DB_PASSWORD)
    monkeypatch.setenv("LANNER_SECRET_CLOUD_API_KEY", API_KEY)
    # Terraform prints what local-exec prints: a careless configuration echoing both
    main_tf = """
variable "db_password" {}
resource "terraform_data" "db" {
  input = length(var.db_password)
  provisioner "local-exec" {
    command = "echo password=${var.db_password} key=$CLOUD_API_KEY"
  }
}
output "password_length" { value = terraform_data.db.output }
output "password_echo" { value = var.db_password }
"""
    variables = "    variables:\n      db_password: \"{{ secret('TF_DB_PASSWORD') }}\""
    credentials = "      CLOUD_API_KEY: \"{{ secret('CLOUD_API_KEY') }}\""
    result = await harness.run(_flow(cli_config, main_tf, extra=variables, env=credentials), timeout=180)

    assert result.state == State.SUCCESS, await result.logs()
    outputs = result.outputs("terraform")
    assert outputs["terraformOutputs"]["password_length"] == len(DB_PASSWORD)  # the value reached Terraform
    logs = await result.logs()
    assert "INFO terraform_data.db (local-exec): password=****** key=******" in logs, logs
    assert not any(DB_PASSWORD in line or API_KEY in line for line in logs)
    assert DB_PASSWORD not in str(outputs) and API_KEY not in str(outputs)
