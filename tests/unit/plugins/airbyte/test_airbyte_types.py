"""Airbyte task types as flows see them: Kestra names, validation errors located, JSON Schema."""

from __future__ import annotations

import pytest

from lanner.errors import FlowValidationError
from lanner.flows.loader import parse_flow
from lanner.flows.schema import flow_json_schema
from lanner.models.registry import default_registry


def flow(task: str) -> str:
    body = "\n".join("    " + line for line in task.strip().splitlines())
    return f"id: f\nnamespace: company.team\ntasks:\n  - id: t\n{body}\n"


def test_kestra_names_and_a_kestra_flow_validate() -> None:
    registry = default_registry()
    for kestra, ours in {
        "io.kestra.plugin.airbyte.connections.Sync": "lanner.airbyte.Sync",
        "io.kestra.plugin.airbyte.connections.CheckStatus": "lanner.airbyte.CheckStatus",
        "io.kestra.plugin.airbyte.connections.Reset": "lanner.airbyte.Reset",
        "io.kestra.plugin.airbyte.cloud.jobs.Sync": "lanner.airbyte.cloud.Sync",
        "io.kestra.plugin.airbyte.cloud.jobs.Reset": "lanner.airbyte.cloud.Reset",
    }.items():
        assert registry.canonical(kestra) == ours
        assert registry.origin[ours] == "airbyte"
    parse_flow(
        flow("""
type: io.kestra.plugin.airbyte.connections.Sync
url: http://host.docker.internal:8000/
connectionId: e3b1ce92-547c-436f-b1e8-23b6936c12ab
username: "{{ secret('AIRBYTE_USERNAME') }}"
password: "{{ secret('AIRBYTE_PASSWORD') }}"
httpTimeout: PT30S
maxDuration: PT2H
pollFrequency: PT10S
failOnActiveSync: false
options: {timeout: {readIdleTimeout: PT1M}}
""")
    )


def test_a_missing_connection_and_an_unknown_property_are_located() -> None:
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(flow("type: io.kestra.plugin.airbyte.connections.Sync\nurl: http://x\nconectionId: abc"))
    summary = caught.value.summary()
    assert "<flow>:7:5: tasks[0].conectionId: unknown property" in summary and "did you mean 'connectionId'" in summary


def test_the_json_schema_documents_the_properties() -> None:
    schema = str(flow_json_schema())
    assert "Wait for the job to end, relaying its logs" in schema
    assert "io.kestra.plugin.airbyte.cloud.jobs.Sync" in schema
