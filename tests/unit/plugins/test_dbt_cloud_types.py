"""dbt Cloud task types as flows see them: Kestra names, a Kestra flow, located validation errors, JSON Schema."""

from __future__ import annotations

import pytest

from lanner.errors import FlowValidationError
from lanner.flows.loader import parse_flow
from lanner.flows.schema import flow_json_schema
from lanner.models.registry import default_registry


def flow(task: str) -> str:
    body = "\n".join("    " + line for line in task.strip().splitlines())
    return f"id: f\nnamespace: company.team\ntasks:\n  - id: t\n{body}\n"


def issues(task: str) -> str:
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(flow(task))
    return caught.value.summary()


def test_kestra_names_are_aliases_of_the_dbt_plugin_s_types() -> None:
    registry = default_registry()
    for kestra, ours in {
        "io.kestra.plugin.dbt.cloud.TriggerRun": "lanner.dbt.cloud.TriggerRun",
        "io.kestra.plugin.dbt.cloud.CheckStatus": "lanner.dbt.cloud.CheckStatus",
    }.items():
        assert registry.canonical(kestra) == ours
        assert registry.origin[ours] == "dbt"


def test_a_kestra_flow_with_every_property_validates() -> None:
    parse_flow(
        flow("""
type: io.kestra.plugin.dbt.cloud.TriggerRun
accountId: "dbt_account_{{ vars.n }}"
token: "{{ secret('DBT_CLOUD_TOKEN') }}"
jobId: "123"
baseUrl: https://emea.dbt.com
wait: true
pollFrequency: PT10S
maxDuration: PT2H
parseRunResults: "{{ inputs.parse }}"
cause: Triggered by Kestra.
gitBranch: main
gitSha: 9f8e7d6c
schemaOverride: dbt_ci
threadsOverride: 8
dbtVersionOverride: "1.9"
targetNameOverride: ci
generateDocsOverride: false
timeoutSecondsOverride: 3600
stepsOverride: [dbt build]
initialDelayMs: 500
maxRetries: 5
options: {timeout: {readIdleTimeout: PT1M}}
""")
    )
    parse_flow(flow("type: io.kestra.plugin.dbt.cloud.CheckStatus\naccountId: 1\ntoken: t\nrunId: '{{ inputs.run }}'"))


def test_an_unknown_property_and_a_missing_job_id_are_located() -> None:
    summary = issues("type: io.kestra.plugin.dbt.cloud.TriggerRun\naccountId: 1\ntoken: t\njobId: 2\nschemaOveride: x")
    assert "<flow>:9:5: tasks[0].schemaOveride: unknown property" in summary and "did you mean 'schemaOverride'" in summary
    summary = issues("type: io.kestra.plugin.dbt.cloud.TriggerRun\naccountId: 1\ntoken: t")
    assert "tasks[0].jobId" in summary and "required" in summary.lower()
    summary = issues("type: io.kestra.plugin.dbt.cloud.CheckStatus\naccountId: 1\ntoken: t\njobId: 2")
    assert "tasks[0].runId" in summary and "tasks[0].jobId: unknown property" in summary


def test_the_json_schema_documents_the_properties() -> None:
    schema = str(flow_json_schema())
    assert "io.kestra.plugin.dbt.cloud.TriggerRun" in schema and "io.kestra.plugin.dbt.cloud.CheckStatus" in schema
    assert "sent as `Authorization: Token …`" in schema
    assert "Schema to build into instead of the target's schema." in schema
