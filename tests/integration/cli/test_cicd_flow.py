"""``examples/lanner_cicd.yml`` end to end: Lanner deploys itself and the infrastructure.

A real ``lanner server local`` (SQLite, API token required) runs the example flow on a real Git
repository made here: the flow clones it, runs ``lanner test`` and ``lanner plan`` against the
same server and a Terraform plan, pauses; the test approves (resumes) through the API, and
``lanner apply`` creates the repository's flow on the server while Terraform applies its plan.
The Terraform part is switched off (input ``terraform: false``) where no ``terraform`` exists.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ._process import LANNER, REPO, Proc, cli_env, poll_until, start
from .test_server import Server, free_port

EXAMPLE = REPO / "examples" / "lanner_cicd.yml"
TOKEN = "cicd-token-0123456789abcdef"
TERRAFORM = shutil.which("terraform") or ("/usr/local/bin/terraform" if Path("/usr/local/bin/terraform").exists() else None)
ENDED = {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED"}

HELLO = """\
id: hello
namespace: company.cicd
inputs:
  - id: who
    type: STRING
    defaults: world
tasks:
  - id: greet
    type: io.kestra.plugin.core.debug.Return
    format: "hello {{ inputs.who }}"
"""
HELLO_TEST = """\
testCases:
  - id: greets
    fixtures:
      inputs: {who: ci}
    assertions:
      - value: "{{ outputs.greet.value }}"
        equalTo: hello ci
"""
MAIN_TF = """\
terraform {
  backend "local" {}
}
resource "terraform_data" "release" {
  input = "flows-release-1"
}
output "release" {
  value = terraform_data.release.output
}
"""


def launch(root: Path) -> dict[str, Proc]:
    """The server starts with the other modules' commands, loading only the example flow."""
    env = cli_env(LANNER_AUTH_TOKENS=TOKEN, LANNER_SECRET_LANNER_API_TOKEN=TOKEN)
    args: list[str | Path] = ["server", "local", "--port", str(free_port()), "--data-dir", root / "data", "--flows", EXAMPLE]
    return {"server": start(*args, cwd=root, folder=root / "server", env=env)}


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=CI", "-c", "user.email=ci@example.com", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        env=cli_env(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null"),
    )


def flows_repository(root: Path) -> Path:
    """A flows-as-code repository: a flow and its test under ``flows/``, Terraform under ``infra/``."""
    repo = root / "repo"
    for path, text in {
        "flows/company/cicd/hello.yml": HELLO,
        "flows/company/cicd/hello.test.yml": HELLO_TEST,
        "infra/main.tf": MAIN_TF,
    }.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "flows and infrastructure")
    return repo


@dataclass
class Api:
    url: str
    client: httpx.Client

    def execution(self, execution_id: str) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/executions/{execution_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_for(self, execution_id: str, states: set[str], timeout: float = 60) -> dict[str, Any]:
        def reached() -> dict[str, Any]:  # empty (false) until then
            execution = self.execution(execution_id)
            state = execution["state"]["current"]
            if state in states:
                return execution
            assert state not in ENDED, f"the execution ended {state}:\n{self.logs(execution_id)}"
            return {}

        return poll_until(reached, timeout, f"execution {execution_id} in {states}", interval=0.2)

    def logs(self, execution_id: str) -> str:
        response = self.client.get(f"/api/v1/logs/{execution_id}")
        return "\n".join(f"{line.get('taskId')}: {line['message']}" for line in response.json())


def outputs(execution: dict[str, Any], task_id: str) -> dict[str, Any]:
    runs = [run for run in execution["taskRunList"] if run["taskId"] == task_id]
    assert len(runs) == 1, f"{task_id}: {runs}"
    return dict(runs[0].get("outputs") or {})


@pytest.fixture(scope="module")
def api(launched: dict[str, dict[str, Proc]]) -> Iterator[Api]:
    server = Server(launched[__name__]["server"])
    try:
        server.wait_ready()
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as client:
            yield Api(server.url, client)
    finally:
        server.proc.stop()


@dataclass
class Run:
    """One execution of the example: as it paused, then as it ended after the approval."""

    paused: dict[str, Any]
    paused_logs: str
    deployed_before_approval: int
    state_before_approval: bool
    done: dict[str, Any]
    logs: str
    state: Path


@pytest.fixture(scope="module")
def run(api: Api, tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("cicd")
    repo = flows_repository(root)
    state = root / "state" / "cicd.tfstate"
    state.parent.mkdir()
    inputs = {
        "repository": repo.as_uri(),
        "server": api.url,
        "lanner": str(LANNER),
        "terraform": "true" if TERRAFORM else "false",
        "terraformState": str(state),
    }
    created = api.client.post("/api/v1/executions/company.ops/lanner_cicd", files={k: (None, v) for k, v in inputs.items()})
    assert created.status_code == 200, created.text
    execution_id = created.json()["id"]
    paused = api.wait_for(execution_id, {"PAUSED"})
    paused_logs = api.logs(execution_id)
    before = api.client.get("/api/v1/flows/company.cicd/hello").status_code
    state_before = state.exists()
    resumed = api.client.post(f"/api/v1/executions/{execution_id}/resume")
    assert resumed.status_code in (200, 204), resumed.text
    done = api.wait_for(execution_id, ENDED)
    return Run(paused, paused_logs, before, state_before, done, api.logs(execution_id), state)


def test_tests_and_plan_run_then_it_waits_for_approval(run: Run) -> None:
    assert outputs(run.paused, "checkout")["outputFiles"].keys() >= {"flows/company/cicd/hello.yml", "infra/main.tf"}
    assert outputs(run.paused, "check")["vars"] == {"planExitCode": 2}, run.paused_logs  # 2: changes to apply
    assert "1 passed" in run.paused_logs and "+ create company.cicd.hello" in run.paused_logs, run.paused_logs
    assert run.deployed_before_approval == 404, "a flow was deployed before the approval"


def test_after_approval_lanner_apply_deploys_the_flow_on_the_server_itself(run: Run, api: Api) -> None:
    assert run.done["state"]["current"] == "SUCCESS", run.logs
    assert TOKEN not in run.logs
    deployed = api.client.get("/api/v1/flows/company.cicd/hello", params={"source": "true"})
    assert deployed.status_code == 200, deployed.text
    assert deployed.json()["source"] == HELLO
    ran = api.client.post("/api/v1/executions/company.cicd/hello", params={"wait": "true"}, files={"who": (None, "cd")})
    assert ran.status_code == 200, ran.text
    assert outputs(ran.json(), "greet")["value"] == "hello cd"


@pytest.mark.skipif(TERRAFORM is None, reason="no `terraform` program on this machine: the flow ran with terraform=false")
def test_terraform_plans_before_approval_and_applies_the_approved_plan(run: Run) -> None:
    assert outputs(run.paused, "tf_plan")["plan"]["add"] == 1, run.paused_logs
    assert not run.state_before_approval, "Terraform changed the state before the approval"
    applied = outputs(run.done, "tf_apply")
    assert applied["apply"]["add"] == 1, run.logs
    assert applied["terraformOutputs"] == {"release": "flows-release-1"}
    assert run.state.exists()
