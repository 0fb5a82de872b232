"""Every shipped blueprint, run end to end by the real engine exactly as a user would save it.

Blueprints take their URLs, ids and credentials as flow inputs (with realistic defaults) or
secrets, so each test only supplies inputs and secrets: SaaS APIs are the local mock servers of
the plugin tests, PostgreSQL is the real test server, dbt (dbt-duckdb), `git` and `terraform` are
the real programs. Schedule-, webhook- and flow-triggered blueprints are started directly (their
triggers are tested with the triggers); the trigger variables they read are given to `submit`.

One backend (SQLite) is enough here: the engine suites cover both; these tests are about the
blueprints and the plugins they use. The scheduler is off, so deploying a blueprint never fires
its schedule.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from lanner.api.routes.blueprints import blueprints_dir, read_blueprint
from lanner.engine.engine import Engine, EngineOptions
from lanner.engine.secrets import EnvSecrets
from lanner.models.state import State
from lanner.plugins.dbt.command_line import beside_python
from lanner.storage.files import LocalFileStorage
from lanner.storage.namespace_files import NamespaceFiles
from lanner.storage.sql import create_store

from .harness import Harness, Result
from .plugins.airbyte.airbyte_mock import AirbyteMock, Attempt, Step
from .plugins.conftest import PgSchema
from .plugins.conftest import pg_schema as pg_schema  # the fixture
from .plugins.gcp.bigquery_mock import Answer, BigQueryMock
from .plugins.git.repos import commit, flow, remote
from .plugins.hightouch.hightouch_mock import HightouchMock, RunStep
from .plugins.mock_http import Call, MockServer
from .plugins.notifications.chat_mock import ChatMock

SHOP = Path(__file__).parents[1] / "fixtures" / "dbt" / "shop"
EXAMPLES = Path(__file__).parents[2] / "examples"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TERRAFORM = shutil.which("terraform") or shutil.which("tofu")

#: blueprint file stem → the test(s) below that run it; a new blueprint must be added here
COVERED = {
    "after-upstream-success": "test_after_upstream_success",
    "airbyte-dbt-hightouch": "test_airbyte_dbt_hightouch",
    "bigquery-load-query": "test_bigquery_load_query",
    "dbt-retries-slack": "test_dbt_retries_slack_alerts_after_the_last_attempt",
    "duckdb-csv-report": "test_duckdb_csv_report",
    "git-sync": "test_git_sync",
    "lanner-cicd": "tests/integration/cli/test_cicd_flow.py (see test_lanner_cicd_is_the_tested_example)",
    "python-etl-postgres": "test_python_etl_postgres",
    "scheduled-backfill": "test_scheduled_backfill",
    "terraform-git": "test_terraform_git",
    "webhook-triggered": "test_webhook_triggered",
}


def source(stem: str) -> str:
    return read_blueprint(blueprints_dir() / f"{stem}.yaml").source


def failure_details(result: Result) -> list[Any]:
    return [(r.task_id, r.state.value, [a.error for a in r.attempts if a.error]) for r in result.task_runs]


@pytest.fixture
def secrets() -> dict[str, str]:
    """The secrets the blueprints read (``LANNER_SECRET_<NAME>``); tests add theirs."""
    return {}


@pytest.fixture
async def engine(tmp_path: Path, secrets: dict[str, str]) -> AsyncIterator[Engine]:
    store = create_store(f"sqlite:///{tmp_path / 'lanner.db'}")
    await store.migrate()
    options = EngineOptions(
        work_root=tmp_path / "work", worker_threads=8, idle_poll=0.2, heartbeat_interval=0.2, run_scheduler=False
    )
    engine = Engine(store, LocalFileStorage(tmp_path / "storage"), options, secrets=EnvSecrets(secrets))
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()
        await store.close()


@pytest.fixture
def harness(engine: Engine) -> Harness:
    return Harness(engine)


@pytest.fixture
def web() -> Iterator[MockServer]:
    """A plain HTTP server for the files the blueprints download (the `GET` routes are added by tests)."""
    server = MockServer()
    with server.serve():
        yield server


@pytest.fixture
def chat() -> Iterator[ChatMock]:
    mock = ChatMock()
    with mock.server.serve():
        yield mock


def needs_dbt() -> None:
    path = os.environ.get("PATH", os.defpath)
    if shutil.which("dbt", path=path) is None and beside_python(path) is None:
        if IN_CI:
            pytest.fail("dbt is not installed; CI is set: the blueprint runs must run")
        pytest.skip("dbt is not installed (run `make install`)")


async def upload_shop_project(engine: Engine, namespace: str, warehouse: Path, *, broken: bool = False) -> None:
    """The dbt fixture project (dbt-duckdb) as namespace files under ``dbt/``, as the dbt blueprints expect."""
    files = NamespaceFiles(engine.files, namespace)
    for path in sorted(SHOP.rglob("*")):
        if path.is_file():
            await files.put(f"dbt/{path.relative_to(SHOP).as_posix()}", path.read_bytes())
    profile = f"shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: {warehouse}\n      threads: 1\n"
    await files.put("dbt/profiles.yml", profile.encode())
    if broken:
        await files.put("dbt/models/big_customers.sql", b"select no_such_column from {{ ref('customer_totals') }}\n")


def test_every_blueprint_has_a_run_test() -> None:
    assert sorted(COVERED) == sorted(path.stem for path in blueprints_dir().glob("*.yaml"))


def test_lanner_cicd_is_the_tested_example() -> None:
    """`lanner-cicd` needs a live server and the `lanner` program: tests/integration/cli/test_cicd_flow.py runs
    examples/lanner_cicd.yml end to end (server, Git, `lanner test/plan/apply`, Terraform, approval); the
    blueprint is that same flow."""
    assert source("lanner-cicd") == (EXAMPLES / "lanner_cicd.yml").read_text(encoding="utf-8")


async def test_airbyte_dbt_hightouch(harness: Harness, secrets: dict[str, str], tmp_path: Path) -> None:
    needs_dbt()
    secrets.update(
        LANNER_SECRET_AIRBYTE_USERNAME="airbyte",
        LANNER_SECRET_AIRBYTE_PASSWORD="ab-pw-1",
        LANNER_SECRET_HIGHTOUCH_API_TOKEN="ht-token-9",
    )
    await upload_shop_project(harness.engine, "company.data", tmp_path / "warehouse.duckdb")
    done = Step("succeeded", [Attempt("succeeded", ["read 120 records"], 120, 4096)])
    airbyte = AirbyteMock(auth=("basic", "airbyte", "ab-pw-1"), scripts={"conn-1": [done]})
    hightouch = HightouchMock(token="ht-token-9", syncs={"77": ("crm", [RunStep("success", 1.0, 20)])})
    with airbyte.server.serve(), hightouch.server.serve():
        inputs = {
            "airbyteUrl": airbyte.server.url,
            "connectionId": "conn-1",
            "hightouchUrl": hightouch.server.url,
            "hightouchSyncId": 77,
        }
        result = await harness.run(source("airbyte-dbt-hightouch"), inputs, timeout=120)

    assert result.state == State.SUCCESS, failure_details(result)
    assert [c.json for c in airbyte.server.calls if c.path == "/api/v1/connections/sync"] == [{"connectionId": "conn-1"}]
    assert result.outputs("ingest")["recordsSynced"] == 120
    assert result.outputs("transform")["runResults"]["success"] is True
    assert hightouch.server.paths("POST") == ["/api/v1/syncs/77/trigger"]
    assert result.outputs("activate")["status"] == "SUCCESS"


async def test_dbt_retries_slack_alerts_after_the_last_attempt(
    harness: Harness, secrets: dict[str, str], chat: ChatMock, tmp_path: Path
) -> None:
    needs_dbt()
    secrets["LANNER_SECRET_SLACK_WEBHOOK_URL"] = chat.url("alerts")
    await upload_shop_project(harness.engine, "company.data", tmp_path / "warehouse.duckdb", broken=True)
    # The only change to the blueprint: its retry delays (30 s, then 60 s) shortened, so the three attempts
    # fit in a test. Everything else runs as shipped: dbt really fails three times, then the errors branch.
    shipped = source("dbt-retries-slack")
    assert "interval: PT30S\n      maxInterval: PT5M\n" in shipped
    quick = shipped.replace("interval: PT30S\n      maxInterval: PT5M\n", "interval: PT0.05S\n      maxInterval: PT0.1S\n")

    result = await harness.run(quick, {"slackChannel": "#dbt"}, timeout=120)

    assert result.state == State.FAILED, failure_details(result)
    build = result.run("dbt_build")
    assert build.state == State.FAILED and len(build.attempts) == 3
    assert "big_customers" in (build.attempts[-1].error or "")
    assert result.run("slack_alert").state == State.SUCCESS
    [message] = chat.messages("alerts")
    assert message["channel"] == "#dbt"
    assert result.execution.id in json.dumps(message) and "dbt_build_with_alerts" in json.dumps(message)


async def test_python_etl_postgres(harness: Harness, secrets: dict[str, str], web: MockServer, pg_schema: PgSchema) -> None:
    orders = [{"id": 1, "customer": "ada", "amount": 12.5}, {"id": 2, "customer": "bob", "amount": 7}]
    web.route("GET", "/api/orders")(lambda call: (200, orders if call.query.get("day") == "2026-03-02" else []))
    secrets["LANNER_SECRET_POSTGRES_PASSWORD"] = "unused-with-trust-auth"
    inputs = {
        "day": "2026-03-02",
        "ordersApi": f"{web.url}/api/orders",
        "jdbcUrl": "jdbc:" + pg_schema.url.split("?")[0],
        "dbUser": "postgres",
        "table": f"{pg_schema.name}.orders",
    }

    for _ in range(2):  # a second run replaces the day's rows
        result = await harness.run(source("python-etl-postgres"), inputs)
        assert result.state == State.SUCCESS, failure_details(result)

    assert result.outputs("check")["row"] == {"loaded": 2, "total": 19.5}
    rows = await pg_schema.rows("SELECT id, customer, amount::float AS amount FROM {schema}.orders ORDER BY id")
    assert rows == [{"id": 1, "customer": "ada", "amount": 12.5}, {"id": 2, "customer": "bob", "amount": 7.0}]


async def test_duckdb_csv_report(harness: Harness, secrets: dict[str, str], web: MockServer, chat: ChatMock) -> None:
    csv = "customer,amount\nada,10\nbob,5\nada,2.5\ncyd,30\nbob,1\n"
    web.route("GET", "/exports/orders.csv")(lambda call: (200, csv))
    secrets["LANNER_SECRET_CHAT_WEBHOOK_URL"] = chat.url("reports")

    result = await harness.run(source("duckdb-csv-report"), {"csvUrl": f"{web.url}/exports/orders.csv", "top": 2})

    assert result.state == State.SUCCESS, failure_details(result)
    assert result.outputs("top_customers")["rows"] == [
        {"customer": "cyd", "total": 30.0, "orders": 1},
        {"customer": "ada", "total": 12.5, "orders": 2},
    ]
    assert chat.messages("reports") == [{"text": "Top 2 customers: cyd (30.0), ada (12.5)"}]


def service_account_key(token_uri: str) -> str:
    """A service account key (a fresh RSA key) whose tokens come from ``token_uri``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "acme-analytics",
            "private_key_id": "k1",
            "private_key": pem.decode(),
            "client_email": "lanner@acme-analytics.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": token_uri,
        }
    )


async def test_bigquery_load_query(harness: Harness, secrets: dict[str, str], web: MockServer) -> None:
    export = '{"customer": "ada", "amount": 12.5}\n{"customer": "bob", "amount": 7}\n'
    web.route("GET", "/exports/orders.jsonl")(lambda call: (200, export))
    sql = "SELECT customer, SUM(amount) AS total FROM shop.orders GROUP BY customer ORDER BY total DESC"
    bigquery = BigQueryMock(
        answers={sql: Answer([("customer", "STRING"), ("total", "FLOAT")], [["ada", "12.5"], ["bob", "7.0"]])}
    )

    def token(call: Call) -> tuple[int, Any]:
        return 200, {"access_token": "ya29.test-token", "token_type": "Bearer", "expires_in": 3600}

    bigquery.server.route("POST", "/token")(token)
    with bigquery.server.serve():
        secrets["LANNER_SECRET_GCP_SERVICE_ACCOUNT_JSON"] = service_account_key(f"{bigquery.server.url}/token")
        inputs = {
            "exportUrl": f"{web.url}/exports/orders.jsonl",
            "projectId": "acme-analytics",
            "bigqueryApi": bigquery.server.url,
        }
        result = await harness.run(source("bigquery-load-query"), inputs)

    assert result.state == State.SUCCESS, failure_details(result)
    [(load, data)] = bigquery.loads
    assert load["configuration"]["load"]["destinationTable"] == {
        "projectId": "acme-analytics",
        "datasetId": "shop",
        "tableId": "orders",
    }
    assert [json.loads(line) for line in data.splitlines()] == [json.loads(line) for line in export.splitlines()]
    assert result.outputs("customer_totals")["rows"] == [{"customer": "ada", "total": 12.5}, {"customer": "bob", "total": 7.0}]
    jobs = [c for c in bigquery.server.calls if c.path.endswith("/jobs")]
    assert jobs and all(c.headers.get("authorization") == "Bearer ya29.test-token" for c in jobs)


async def test_git_sync(harness: Harness, secrets: dict[str, str], tmp_path: Path) -> None:
    secrets["LANNER_SECRET_GITHUB_ACCESS_TOKEN"] = "ghp-unused-for-file-urls"
    bare = remote(
        tmp_path, {"flows/hello.yml": flow("hello"), "flows/etl/load.yml": flow("load"), "files/sql/orders.sql": "select 1\n"}
    )
    inputs = {"repository": f"file://{bare}", "namespace": "company.team"}

    planned = await harness.run(source("git-sync"), {**inputs, "dryRun": True})
    assert planned.state == State.SUCCESS, failure_details(planned)
    assert planned.outputs("files")["created"] == ["sql/orders.sql"]
    assert await harness.engine.store.list_flows("company.team") == []

    result = await harness.run(source("git-sync"), inputs)
    assert result.state == State.SUCCESS, failure_details(result)
    flows = await harness.engine.store.list_flows("company.team")
    assert sorted((f.namespace, f.id) for f in flows) == [("company.team", "hello"), ("company.team.etl", "load")]
    assert await NamespaceFiles(harness.engine.files, "company.team").all_files() == ["sql/orders.sql"]

    commit(bare, {"files/sql/orders.sql": None, "files/scripts/etl.py": "print(1)\n"})
    again = await harness.run(source("git-sync"), inputs)
    assert (again.outputs("files")["created"], again.outputs("files")["deleted"]) == (["scripts/etl.py"], ["sql/orders.sql"])
    assert await NamespaceFiles(harness.engine.files, "company.team").all_files() == ["scripts/etl.py"]


@pytest.mark.skipif(TERRAFORM is None, reason="no terraform or tofu program on this machine's PATH")
async def test_terraform_git(harness: Harness, tmp_path: Path) -> None:
    state = tmp_path / "terraform.tfstate"
    main_tf = (
        f'terraform {{\n  backend "local" {{\n    path = "{state}"\n  }}\n}}\n'
        'resource "terraform_data" "bucket" {\n  input = "reports-bucket"\n}\n'
    )
    bare = remote(tmp_path, {"main.tf": main_tf}, branch="prod")
    execution = await harness.start(source("terraform-git"), {"repository": f"file://{bare}", "branch": "prod"})

    paused = await harness.wait_until(execution.id, lambda r: r.state == State.PAUSED, timeout=90)
    assert paused.run("plan").state == State.SUCCESS
    assert not state.exists()  # nothing is applied before the approval
    await harness.engine.resume(execution.id)
    result = await harness.wait(execution.id, timeout=90)

    assert result.state == State.SUCCESS, failure_details(result)
    assert "reports-bucket" in state.read_text()
    assert any("Apply complete! Resources: 1 added" in line for line in await result.logs("apply"))


async def test_scheduled_backfill(harness: Harness) -> None:
    manual = await harness.run(source("scheduled-backfill"))
    assert manual.state == State.SUCCESS, failure_details(manual)
    assert any(re.fullmatch(r"INFO loading partition \d{4}-\d{2}-\d{2}", line) for line in await manual.logs("load_partition"))

    stored = await harness.engine.deploy(source("scheduled-backfill"))
    fired = await harness.engine.submit(stored.namespace, stored.id, trigger={"date": "2026-01-05T02:00:00Z"})
    backfilled = await harness.wait(fired.id)
    assert "INFO loading partition 2026-01-05" in await backfilled.logs("load_partition")


async def test_webhook_triggered(harness: Harness) -> None:
    stored = await harness.engine.deploy(source("webhook-triggered"))
    urgent = await harness.engine.submit(stored.namespace, stored.id, trigger={"body": {"urgent": True, "id": 7}})
    routine = await harness.engine.submit(stored.namespace, stored.id, trigger={"body": {"id": 8}})

    urgent_result, routine_result = await harness.wait(urgent.id), await harness.wait(routine.id)
    assert (urgent_result.state, routine_result.state) == (State.SUCCESS, State.SUCCESS)
    assert [r.task_id for r in urgent_result.task_runs if r.task_id in ("urgent", "routine")] == ["urgent"]
    assert [r.task_id for r in routine_result.task_runs if r.task_id in ("urgent", "routine")] == ["routine"]


async def test_after_upstream_success(harness: Harness) -> None:
    stored = await harness.engine.deploy(source("after-upstream-success"))
    upstream = str(uuid.uuid4())
    trigger = {"namespace": "company.data", "flowId": "airbyte_dbt_hightouch", "executionId": upstream, "state": "SUCCESS"}
    execution = await harness.engine.submit(stored.namespace, stored.id, trigger=trigger)

    result = await harness.wait(execution.id)
    assert result.state == State.SUCCESS, failure_details(result)
    assert f"INFO airbyte_dbt_hightouch succeeded ({upstream}): refreshing the reports" in await result.logs("report")
