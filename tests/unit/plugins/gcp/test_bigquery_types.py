"""The BigQuery task types as flows see them: Kestra names, validation, schema, and bad credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lanner.errors import FlowValidationError, TaskFailure
from lanner.flows.loader import parse_flow
from lanner.models.registry import default_registry
from lanner.plugins.gcp.bigquery.connection import BigQueryConnection
from lanner.plugins.gcp.bigquery.load import Load
from lanner.plugins.gcp.bigquery.query import Query

EXAMPLE = Path(__file__).parents[4] / "examples" / "bigquery_query.yml"


def test_kestra_names_resolve_and_the_example_validates() -> None:
    registry = default_registry()
    assert registry.canonical("io.kestra.plugin.gcp.bigquery.Query") == "lanner.gcp.bigquery.Query"
    assert registry.canonical("io.kestra.plugin.gcp.bigquery.Load") == "lanner.gcp.bigquery.Load"
    parse_flow(EXAMPLE.read_text())


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ("type: io.kestra.plugin.gcp.bigquery.Query\n    sql: SELECT 1\n    fetchType: ALL", "fetchType"),
        ("type: io.kestra.plugin.gcp.bigquery.Query\n    sql: SELECT 1\n    writeDisposition: OVERWRITE", "writeDisposition"),
        ("type: io.kestra.plugin.gcp.bigquery.Query\n    fetchType: FETCH", "sql"),
        (
            "type: io.kestra.plugin.gcp.bigquery.Load\n    from: kestra:///x.csv\n    destinationTable: a.b\n    format: XML",
            "format",
        ),
        ("type: io.kestra.plugin.gcp.bigquery.Load\n    from: kestra:///x.csv", "destinationTable"),
    ],
)
def test_bad_properties_are_rejected_where_they_are(task: str, message: str) -> None:
    with pytest.raises(FlowValidationError, match=message):
        parse_flow(f"id: f\nnamespace: n\ntasks:\n  - id: t\n    {task}\n")


def test_the_json_schema_documents_kestra_properties() -> None:
    query = Query.model_json_schema()["properties"]
    assert {"sql", "destinationTable", "writeDisposition", "createDisposition", "fetchType", "labels", "dryRun"} <= set(query)
    assert {"legacySql", "location", "projectId", "serviceAccount"} <= set(query)
    assert query["legacySql"]["default"] is False
    load = Load.model_json_schema(by_alias=True)["properties"]
    assert {"from", "destinationTable", "format", "autodetect", "schema", "writeDisposition"} <= set(load)


def test_deprecated_fetch_flags_win_like_in_kestra() -> None:
    query = Query.model_validate({"id": "q", "type": "io.kestra.plugin.gcp.bigquery.Query", "sql": "SELECT 1", "store": True})
    assert query.resolved_fetch_type() == "STORE"


class _Ctx:
    def __init__(self) -> None:
        self.masked: list[str] = []

    async def render(self, value: Any) -> Any:
        return value

    def mask(self, secret: str) -> None:
        self.masked.append(secret)


async def test_a_service_account_that_is_not_json_fails_clearly_without_echoing_it() -> None:
    connection = BigQueryConnection(serviceAccount='{"private_key": oops', projectId="p")
    with pytest.raises(TaskFailure, match=r"`serviceAccount` is not JSON \(line 1, column 17\)") as caught:
        await connection.client(_Ctx())  # type: ignore[arg-type]
    assert "oops" not in str(caught.value) and not caught.value.retryable


async def test_a_service_account_key_is_masked_and_checked() -> None:
    ctx = _Ctx()
    connection = BigQueryConnection(serviceAccount='{"type": "service_account", "private_key": "not-a-key"}')
    with pytest.raises(TaskFailure, match="not a usable service account key"):
        await connection.client(ctx)  # type: ignore[arg-type]
    assert "not-a-key" in ctx.masked
