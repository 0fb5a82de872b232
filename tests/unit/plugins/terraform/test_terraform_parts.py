"""The Terraform plugin without running Terraform: validation, schema, summaries, finding the program."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lanner.errors import FlowValidationError
from lanner.flows.loader import parse_flow
from lanner.models.registry import default_registry
from lanner.plugins.terraform.binary import find_terraform
from lanner.plugins.terraform.cli import TerraformCLI, _shell_word
from lanner.plugins.terraform.summary import ChangeSummary

FLOW = """
id: tf
namespace: company.team
tasks:
  - id: terraform
    type: io.kestra.plugin.terraform.cli.TerraformCLI
    beforeCommands: ["terraform init"]
    commands: ["terraform plan", "terraform apply -auto-approve"]
    env:
      AWS_ACCESS_KEY_ID: "{{ secret('AWS_ACCESS_KEY_ID') }}"
    namespaceFiles: {enabled: true}
    outputFiles: ["*.tfstate"]
    containerImage: hashicorp/terraform
    taskRunner: {type: io.kestra.plugin.core.runner.Process}
"""


def test_kestra_flow_validates_and_names_resolve() -> None:
    assert default_registry().canonical("io.kestra.plugin.terraform.cli.TerraformCLI") == "lanner.terraform.TerraformCLI"
    flow = parse_flow(FLOW)
    assert flow.tasks[0].type == "io.kestra.plugin.terraform.cli.TerraformCLI"


def test_docker_task_runner_is_refused_with_the_fix() -> None:
    source = FLOW.replace("io.kestra.plugin.core.runner.Process", "io.kestra.plugin.scripts.runner.docker.Docker")
    with pytest.raises(
        FlowValidationError, match=r"Docker task runner is not available here; use io\.kestra\.plugin\.core\.runner\.Process"
    ):
        parse_flow(source)


def test_commands_are_required() -> None:
    with pytest.raises(FlowValidationError, match="commands"):
        parse_flow("id: f\nnamespace: n\ntasks:\n  - id: t\n    type: io.kestra.plugin.terraform.cli.TerraformCLI\n")


def test_schema_documents_the_properties() -> None:
    schema = TerraformCLI.model_json_schema()
    properties = schema["properties"]
    for name in (
        "commands",
        "beforeCommands",
        "env",
        "inputFiles",
        "outputFiles",
        "namespaceFiles",
        "taskRunner",
        "containerImage",
        "terraformPath",
        "variables",
        "backendConfig",
        "parseOutputs",
    ):
        assert properties[name].get("description") or "$ref" in properties[name] or "anyOf" in properties[name], name
    assert "Terraform" in (schema.get("description") or "")


def test_text_summaries() -> None:
    summary = ChangeSummary()
    summary.feed("\x1b[1mPlan:\x1b[0m 2 to add, 1 to change, 0 to destroy.")
    summary.feed("Apply complete! Resources: 2 added, 1 changed, 0 destroyed.")
    assert summary.outputs() == {
        "plan": {"add": 2, "change": 1, "destroy": 0, "hasChanges": True},
        "apply": {"add": 2, "change": 1, "destroy": 0},
    }
    summary.feed("No changes. Your infrastructure matches the configuration.")
    summary.feed("Destroy complete! Resources: 3 destroyed.")
    assert summary.outputs()["plan"] == {"add": 0, "change": 0, "destroy": 0, "hasChanges": False}
    assert summary.outputs()["apply"] == {"add": 0, "change": 0, "destroy": 3}


def test_json_summaries() -> None:
    summary = ChangeSummary()
    summary.feed(json.dumps({"type": "change_summary", "changes": {"add": 1, "change": 0, "remove": 4, "operation": "plan"}}))
    summary.feed(json.dumps({"type": "change_summary", "changes": {"add": 1, "change": 0, "remove": 4, "operation": "apply"}}))
    summary.feed('{"type": "log", "@message": "Plan: 9 to add"}')  # other JSON lines are not summaries
    summary.feed("{not json")
    assert summary.outputs() == {
        "plan": {"add": 1, "change": 0, "destroy": 4, "hasChanges": True},
        "apply": {"add": 1, "change": 0, "destroy": 4},
    }
    assert ChangeSummary().outputs() == {}


def _program(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_finding_the_program(tmp_path: Path) -> None:
    tofu = _program(tmp_path / "a", "tofu")
    terraform = _program(tmp_path / "b", "terraform")
    assert find_terraform(f"{tmp_path / 'a'}") == str(tofu)  # OpenTofu when there is no terraform
    assert find_terraform(f"{tmp_path / 'a'}:{tmp_path / 'b'}") == str(terraform)  # terraform first
    assert find_terraform(f"{tmp_path / 'b'}", str(tofu)) == str(tofu)  # the configured path wins
    assert find_terraform(f"{tmp_path / 'a'}", "tofu") == str(tofu)  # a name is looked up on PATH
    assert find_terraform(f"{tmp_path / 'a'}", str(tmp_path / "missing")) is None
    assert find_terraform(str(tmp_path / "empty")) is None


def test_backend_config_words_are_quoted_for_terraform() -> None:
    assert _shell_word("bucket=my-state") == "bucket=my-state"
    assert _shell_word('key=a b"c') == '"key=a b\\"c"'
