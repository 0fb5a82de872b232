"""dbt Cloud TriggerRun and CheckStatus in flows run by the real engine, against the local dbt Cloud."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from lanner.models.state import State

from ...harness import Harness
from .dbt_cloud_mock import (
    CANCELLED,
    ERROR,
    RUNNING,
    SUCCESS,
    DbtCloudMock,
    Job,
    Poll,
    RunStep,
    manifest,
    run_results,
    success_script,
)

TOKEN = "dbtc_secret_7Hq2pX"
ACCOUNT = 70403


@pytest.fixture(autouse=True)
def _dbt_installed() -> None:
    """Overrides the dbt tests' check: dbt Cloud runs dbt elsewhere, nothing is needed here."""


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[DbtCloudMock]:
    monkeypatch.setenv("LANNER_SECRET_DBT_CLOUD_TOKEN", TOKEN)
    failing_step = RunStep(
        "Invoke dbt with `dbt build`", ERROR, "12:00:03  1 of 3 ERROR creating sql table model analytics.orders\n"
    )
    mock = DbtCloudMock(
        token=TOKEN,
        account_id=ACCOUNT,
        jobs={
            7: Job(success_script(), run_results(), manifest()),
            8: Job(
                [Poll(RUNNING), Poll(ERROR, [failing_step], "Database Error in model orders (models/orders.sql)")],
                run_results(failed=True),
                manifest(),
            ),
            9: Job([Poll(RUNNING), Poll(CANCELLED, [], "Cancelled by user from the dbt Cloud UI")]),
            10: Job([Poll(RUNNING)]),  # never ends
            11: Job([Poll(SUCCESS)]),  # no artifacts
        },
    )
    with mock.server.serve():
        yield mock


def flow(url: str, job: int, extra: str = "", token: str = "{{ secret('DBT_CLOUD_TOKEN') }}") -> str:
    lines = "".join(f"\n    {line}" for line in extra.strip().splitlines())
    return f"""
id: transform
namespace: company.team
tasks:
  - id: dbt
    type: io.kestra.plugin.dbt.cloud.TriggerRun
    baseUrl: {url}
    accountId: "{ACCOUNT}"
    token: "{token}"
    jobId: "{job}"
    pollFrequency: PT0.05S{lines}
"""


async def test_a_run_is_followed_to_success_with_logs_and_parsed_run_results(cloud: DbtCloudMock, harness: Harness) -> None:
    extra = """
cause: "nightly {{ flow.id }}"
gitBranch: release
schemaOverride: dbt_ci
threadsOverride: "{{ 2 * 4 }}"
generateDocsOverride: "false"
stepsOverride: ["dbt build --select tag:daily"]
"""
    result = await harness.run(flow(cloud.server.url, 7, extra))

    assert result.state == State.SUCCESS, result.states()
    trigger = next(c for c in cloud.server.calls if c.method == "POST")
    assert trigger.path == f"/api/v2/accounts/{ACCOUNT}/jobs/7/run/"
    assert trigger.json == {
        "cause": "nightly transform",
        "git_branch": "release",
        "schema_override": "dbt_ci",
        "threads_override": 8,
        "generate_docs_override": False,
        "steps_override": ["dbt build --select tag:daily"],
    }
    reads = [c for c in cloud.server.calls if c.path == f"/api/v2/accounts/{ACCOUNT}/runs/900/"]
    assert reads and all(json.loads(c.query["include_related"]) == ["run_steps"] for c in reads)

    outputs = result.outputs("dbt")
    assert outputs["runId"] == 900 and outputs["jobId"] == 7
    assert outputs["status"] == "SUCCESS" and outputs["statusCode"] == 10
    assert outputs["runUrl"] == cloud.run_url(900, 7)
    assert outputs["runResults"]["counts"] == {"success": 2, "pass": 1}
    orders = next(n for n in outputs["runResults"]["nodes"] if n["uniqueId"] == "model.shop.orders")
    assert orders["rowsAffected"] == 42 and orders["materialized"] == "table" and orders["dependsOn"] == ["model.shop.stg_orders"]
    assert outputs["project"] == {
        "dbtVersion": "1.11.2",
        "adapterType": "postgres",
        "projectName": "shop",
        "nodes": {"model": 2, "source": 1, "test": 1},
    }
    assert set(outputs["outputFiles"]) == {"run_results.json", "manifest.json"}
    assert outputs["manifest"] == outputs["outputFiles"]["manifest.json"]
    stored = await harness.engine.files.get_bytes(outputs["outputFiles"]["run_results.json"])
    assert json.loads(stored)["results"][1]["unique_id"] == "model.shop.orders"

    metrics = {(m["name"], tuple(sorted(m["tags"].items()))): m["value"] for m in result.run("dbt").attempts[-1].metrics}
    assert metrics[("rows.affected", ())] == 42
    assert metrics[("dbt.nodes", (("status", "success"),))] == 2
    dbt_run = result.run("dbt")
    nodes = {r.task_id: r.state for r in result.task_runs if r.parent_id == dbt_run.id}
    assert nodes and "model.shop.orders" in nodes and set(nodes.values()) == {State.SUCCESS}

    logs = await result.logs("dbt")
    relayed = [line for line in logs if "12:00:0" in line or "clon" in line.lower()]
    assert relayed == [
        "INFO dbt Cloud step 1 started: Clone git repository",
        "INFO Cloning into '/tmp/jobs/repo'...",
        "INFO Successfully cloned repository.",
        "INFO dbt Cloud step 1 (Clone git repository) ended: success",
        "INFO 12:00:01  Running with dbt=1.11.2",
        "INFO 12:00:02  Found 2 models, 1 test",
        "INFO 12:00:03  1 of 3 OK created sql view model analytics.stg_orders",
        "INFO 12:00:04  2 of 3 OK created sql table model analytics.orders [SELECT 42]",
        "INFO 12:00:05  3 of 3 PASS not_null_orders_id",
        "INFO 12:00:05  Done. PASS=3",
    ]
    assert "INFO dbt Cloud run 900 is queued" in logs and "INFO dbt Cloud run 900 is running" in logs
    assert not any(TOKEN in line for line in await result.logs())
    assert all(c.headers["authorization"] == f"Token {TOKEN}" for c in cloud.server.calls)


async def test_a_run_in_error_fails_with_dbt_cloud_s_message_and_the_failed_node(cloud: DbtCloudMock, harness: Harness) -> None:
    result = await harness.run(flow(cloud.server.url, 8))

    assert result.state == State.FAILED
    logs = await result.logs("dbt")
    failure = next(line for line in logs if "dbt Cloud run 900 of job 8 failed" in line)
    assert "failed: Database Error in model orders (models/orders.sql)" in failure
    assert 'model.shop.orders (error): Database Error in model orders / relation "raw.orders" does not exist' in failure
    assert "ERROR 12:00:03  1 of 3 ERROR creating sql table model analytics.orders" not in logs  # relayed at INFO…
    assert "INFO 12:00:03  1 of 3 ERROR creating sql table model analytics.orders" in logs
    assert "ERROR dbt Cloud step 1 (Invoke dbt with `dbt build`) ended: error" in logs  # …the step's end at ERROR
    metrics = {(m["name"], tuple(sorted(m["tags"].items()))): m["value"] for m in result.run("dbt").attempts[-1].metrics}
    assert metrics[("dbt.nodes", (("status", "error"),))] == 1
    dbt_run = result.run("dbt")
    assert {r.task_id: r.state for r in result.task_runs if r.parent_id == dbt_run.id}["model.shop.orders"] is State.FAILED


async def test_a_cancelled_run_fails_the_task(cloud: DbtCloudMock, harness: Harness) -> None:
    result = await harness.run(flow(cloud.server.url, 9))

    assert result.state == State.FAILED
    logs = await result.logs("dbt")
    assert any("dbt Cloud run 900 of job 9 was cancelled: Cancelled by user from the dbt Cloud UI" in line for line in logs), logs
    assert any("has no run_results.json artifact" in line for line in logs)


async def test_max_duration_fails_the_task_while_the_run_goes_on(cloud: DbtCloudMock, harness: Harness) -> None:
    result = await harness.run(flow(cloud.server.url, 10, "maxDuration: PT0.3S"))

    assert result.state == State.FAILED
    assert any("dbt Cloud run 900 did not end within PT0.3S (`maxDuration`)" in line for line in await result.logs("dbt"))


async def test_a_wrong_token_fails_at_once_with_a_clear_error(cloud: DbtCloudMock, harness: Harness) -> None:
    retry = "retry: {type: constant, interval: PT0.05S, maxAttempts: 3}"
    result = await harness.run(flow(cloud.server.url, 7, retry, token="not-the-token-4411"))

    assert result.state == State.FAILED
    assert len(result.run("dbt").attempts) == 1  # a 401 is not retried
    logs = await result.logs("dbt")
    expected = (
        f"dbt Cloud: POST /api/v2/accounts/{ACCOUNT}/jobs/7/run/ answered HTTP 401 Unauthorized: Invalid token. "
        "(check the credentials)"
    )
    assert any(expected in line for line in logs), logs
    assert not any("not-the-token-4411" in line for line in logs)
    assert cloud.runs == {}


async def test_a_server_error_is_sent_again_and_an_unknown_job_is_not(cloud: DbtCloudMock, harness: Harness) -> None:
    cloud.trigger_errors.append(503)
    result = await harness.run(flow(cloud.server.url, 11, "initialDelayMs: 10\nparseRunResults: false"))

    assert result.state == State.SUCCESS, result.states()
    assert len(result.run("dbt").attempts) == 1
    logs = await result.logs("dbt")
    assert any(
        "answered HTTP 503 Service Unavailable: Service temporarily unavailable." in line and "retry 1/3" in line for line in logs
    )
    assert "runResults" not in result.outputs("dbt")

    missing = await harness.run(flow(cloud.server.url, 404))
    assert missing.state == State.FAILED
    assert any("answered HTTP 404 Not Found: The requested resource was not found." in line for line in await missing.logs("dbt"))
    assert cloud.server.paths("POST").count(f"/api/v2/accounts/{ACCOUNT}/jobs/404/run/") == 1


async def test_check_status_follows_a_run_triggered_without_waiting(cloud: DbtCloudMock, harness: Harness) -> None:
    source = f"""
id: follow
namespace: company.team
tasks:
  - id: trigger
    type: lanner.dbt.cloud.TriggerRun
    baseUrl: {cloud.server.url}
    accountId: {ACCOUNT}
    token: "{{{{ secret('DBT_CLOUD_TOKEN') }}}}"
    jobId: 7
    wait: false
  - id: check
    type: io.kestra.plugin.dbt.cloud.CheckStatus
    baseUrl: {cloud.server.url}
    accountId: {ACCOUNT}
    token: "{{{{ secret('DBT_CLOUD_TOKEN') }}}}"
    runId: "{{{{ outputs.trigger.runId }}}}"
    pollFrequency: PT0.05S
"""
    result = await harness.run(source)

    assert result.state == State.SUCCESS, result.states()
    assert result.outputs("trigger")["status"] == "QUEUED" and result.outputs("trigger")["runId"] == 900
    checked = result.outputs("check")
    assert checked["status"] == "SUCCESS" and checked["runResults"]["success"] is True
    assert "INFO 12:00:05  Done. PASS=3" in await result.logs("check")
    assert not any(TOKEN in line for line in await result.logs())
