"""BigQuery Query and Load in flows run by the real engine (both backends), against a local BigQuery REST API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from lanner.models.state import State

from ...harness import Harness
from .bigquery_mock import Answer, BigQueryMock

ORDERS = "SELECT id, customer, amount FROM shop.orders"


@pytest.fixture
def bigquery() -> Iterator[BigQueryMock]:
    columns = [("id", "INTEGER"), ("customer", "STRING"), ("amount", "NUMERIC")]
    rows = [["1", "ada", "12.5"], ["2", "bob", "7"], ["3", "cyd", None]]
    mock = BigQueryMock(answers={ORDERS: Answer(columns, rows, bytes_processed=4096)})
    with mock.server.serve():
        yield mock


def flow(url: str, *tasks: str) -> str:
    body = "".join(tasks).replace("URL", url)
    return f"id: warehouse\nnamespace: company.team\ntasks:{body}"


def query_task(task_id: str, sql: str, extra: str = "") -> str:
    return f"""
  - id: {task_id}
    type: io.kestra.plugin.gcp.bigquery.Query
    endpoint: URL
    projectId: acme
    sql: "{sql}"{extra}"""


async def test_fetch_store_and_load_round_trip(bigquery: BigQueryMock, harness: Harness) -> None:
    result = await harness.run(
        flow(
            bigquery.server.url,
            query_task("fetch", ORDERS, "\n    fetchType: FETCH\n    labels: {team: data}"),
            query_task("one", ORDERS, "\n    fetchType: FETCH_ONE"),
            query_task(
                "store",
                ORDERS,
                "\n    fetchType: STORE\n    storeFormat: JSONL\n    destinationTable: acme.mart.orders_copy"
                "\n    writeDisposition: WRITE_TRUNCATE\n    createDisposition: CREATE_IF_NEEDED",
            ),
            """
  - id: load
    type: io.kestra.plugin.gcp.bigquery.Load
    endpoint: URL
    projectId: acme
    from: "{{ outputs.store.uri }}"
    destinationTable: raw.orders
    format: JSON
    autodetect: true
    writeDisposition: WRITE_APPEND""",
        )
    )
    assert result.state == State.SUCCESS, result.states()
    fetched = result.outputs("fetch")
    assert fetched["rows"] == [
        {"id": 1, "customer": "ada", "amount": 12.5},
        {"id": 2, "customer": "bob", "amount": 7},
        {"id": 3, "customer": "cyd", "amount": None},
    ]
    assert fetched["size"] == 3 and fetched["totalBytesProcessed"] == 4096
    assert result.outputs("one")["row"] == {"id": 1, "customer": "ada", "amount": 12.5}
    stored = result.outputs("store")
    assert stored["size"] == 3 and stored["destinationTable"] == {"project": "acme", "dataset": "mart", "table": "orders_copy"}
    loaded = result.outputs("load")
    assert loaded["rows"] == 3 and loaded["destinationTable"] == {"project": "acme", "dataset": "raw", "table": "orders"}

    inserts = [c.json for c in bigquery.server.calls if c.method == "POST" and c.path.startswith("/bigquery/")]
    fetch_config = inserts[0]["configuration"]
    assert fetch_config["labels"] == {"team": "data"} and fetch_config["query"]["useLegacySql"] is False
    store_query = inserts[2]["configuration"]["query"]
    assert store_query["destinationTable"] == {"projectId": "acme", "datasetId": "mart", "tableId": "orders_copy"}
    assert store_query["writeDisposition"] == "WRITE_TRUNCATE" and store_query["createDisposition"] == "CREATE_IF_NEEDED"
    metadata, data = bigquery.loads[0]
    load = metadata["configuration"]["load"]
    assert load["sourceFormat"] == "NEWLINE_DELIMITED_JSON" and load["autodetect"] is True
    assert load["writeDisposition"] == "WRITE_APPEND"
    assert load["destinationTable"] == {"projectId": "acme", "datasetId": "raw", "tableId": "orders"}
    assert [json.loads(line) for line in data.splitlines()][1] == {"id": 2, "customer": "bob", "amount": 7}
    # FETCH read every page of getQueryResults (two rows a page)
    assert any(c.query.get("pageToken") == "2" for c in bigquery.server.calls)


async def test_dry_run_outputs_the_bytes_the_query_would_process(bigquery: BigQueryMock, harness: Harness) -> None:
    result = await harness.run(
        flow(bigquery.server.url, query_task("estimate", ORDERS, "\n    dryRun: true\n    fetchType: FETCH"))
    )
    assert result.state == State.SUCCESS, result.states()
    outputs = result.outputs("estimate")
    assert outputs["totalBytesProcessed"] == 4096 and "rows" not in outputs
    inserts = [c.json for c in bigquery.server.calls if c.method == "POST"]
    assert len(inserts) == 1 and inserts[0]["configuration"]["dryRun"] is True
    assert not [c for c in bigquery.server.calls if "/queries/" in c.path]
    assert "INFO dry run: the query would process 4096 bytes" in await result.logs("estimate")


async def test_a_failed_job_fails_the_task_with_bigquerys_message(bigquery: BigQueryMock, harness: Harness) -> None:
    result = await harness.run(flow(bigquery.server.url, query_task("broken", "SELEC oops", "\n    fetchType: FETCH")))
    assert result.state == State.FAILED
    logs = "\n".join(await result.logs("broken"))
    assert "Syntax error: Unexpected identifier at [1:1]" in logs


async def test_a_server_error_is_retried(bigquery: BigQueryMock, harness: Harness) -> None:
    bigquery.insert_errors.append(503)
    result = await harness.run(flow(bigquery.server.url, query_task("flaky", ORDERS, "\n    fetchType: FETCH_ONE")))
    assert result.state == State.SUCCESS, result.states()
    assert result.outputs("flaky")["row"]["customer"] == "ada"
    inserts = [c for c in bigquery.server.calls if c.method == "POST"]
    assert len(inserts) == 2 and inserts[0].json["jobReference"]["jobId"] == inserts[1].json["jobReference"]["jobId"]
