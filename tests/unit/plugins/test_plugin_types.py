"""The plugin task and trigger types as flows see them: registered names, validation errors, JSON Schema."""

from __future__ import annotations

import pytest

from lanner.errors import FlowValidationError
from lanner.flows.loader import parse_flow
from lanner.flows.schema import flow_json_schema
from lanner.models.registry import default_registry

PG = "url: jdbc:postgresql://127.0.0.1:5432/test"


def flow(task_yaml: str, section: str = "tasks") -> str:
    body = "\n".join("    " + line for line in task_yaml.strip().splitlines())
    tasks = "tasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n" if section == "triggers" else ""
    return f"id: f\nnamespace: company.team\n{tasks}{section}:\n  - id: t\n{body}\n"


def issues(task_yaml: str, section: str = "tasks") -> str:
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(flow(task_yaml, section))
    return caught.value.summary()


def test_every_plugin_type_is_registered_under_kestra_and_lanner_names() -> None:
    registry = default_registry()
    pairs = {
        "io.kestra.plugin.dbt.cli.DbtCLI": "lanner.dbt.DbtCLI",
        "io.kestra.plugin.dbt.cli.Build": "lanner.dbt.Build",
        "io.kestra.plugin.dbt.cli.Freshness": "lanner.dbt.Freshness",
        "io.kestra.plugin.jdbc.postgresql.Query": "lanner.postgres.Query",
        "io.kestra.plugin.jdbc.postgresql.Queries": "lanner.postgres.Queries",
        "io.kestra.plugin.jdbc.postgresql.CopyIn": "lanner.postgres.CopyIn",
        "io.kestra.plugin.jdbc.postgresql.CopyOut": "lanner.postgres.CopyOut",
        "io.kestra.plugin.jdbc.postgresql.Trigger": "lanner.postgres.Trigger",
        "io.kestra.plugin.jdbc.duckdb.Query": "lanner.duckdb.Query",
        "io.kestra.plugin.core.http.Trigger": "lanner.core.http.Trigger",
        "io.kestra.plugin.fs.http.Trigger": "lanner.core.http.Trigger",
    }
    for kestra, lanner in pairs.items():
        assert registry.canonical(kestra) == lanner
    assert registry.origin["lanner.dbt.DbtCLI"] == "dbt"
    assert registry.origin["lanner.postgres.Trigger"] == "postgres"
    assert registry.origin["lanner.core.http.Trigger"] == "http"


def test_a_kestra_dbt_flow_validates_with_container_image_accepted() -> None:
    parsed = parse_flow(
        flow(
            """
type: io.kestra.plugin.dbt.cli.DbtCLI
containerImage: ghcr.io/kestra-io/dbt-duckdb:latest
taskRunner:
  type: io.kestra.plugin.core.runner.Process
namespaceFiles:
  enabled: true
commands: [dbt deps, dbt build]
projectDir: dbt
storeManifest: {key: manifest.json, namespace: "{{ flow.namespace }}"}
profiles: |
  my_project:
    target: dev
    outputs:
      dev: {type: duckdb, path: ":memory:"}
"""
        )
    )
    assert parsed.tasks[0].containerImage == "ghcr.io/kestra-io/dbt-duckdb:latest"  # type: ignore[attr-defined]


def test_a_docker_task_runner_is_rejected_with_the_fix() -> None:
    summary = issues(
        """
type: io.kestra.plugin.dbt.cli.DbtCLI
taskRunner:
  type: io.kestra.plugin.scripts.runner.docker.Docker
commands: [dbt build]
"""
    )
    assert "tasks[0].taskRunner.type" in summary
    assert "Docker task runner is not available here; use io.kestra.plugin.core.runner.Process" in summary


def test_dbt_commands_are_required_and_properties_are_checked() -> None:
    assert "commands" in issues("type: io.kestra.plugin.dbt.cli.DbtCLI\nprofiles: x")
    assert "logFormat" in issues("type: io.kestra.plugin.dbt.cli.DbtCLI\ncommands: [dbt run]\nlogFormat: XML")
    assert "thread" in issues("type: io.kestra.plugin.dbt.cli.Build\nthread: 0")


def test_sql_task_properties_are_validated_where_they_are_written() -> None:
    assert "fetchType" in issues(f"type: io.kestra.plugin.jdbc.postgresql.Query\n{PG}\nsql: SELECT 1\nfetchType: ALL")
    assert "sql" in issues(f"type: io.kestra.plugin.jdbc.postgresql.Query\n{PG}")
    assert "from" in issues(f"type: io.kestra.plugin.jdbc.postgresql.CopyIn\n{PG}\ntable: t")
    assert "one character" in issues(f"type: io.kestra.plugin.jdbc.postgresql.CopyIn\n{PG}\ntable: t\nfrom: x\ndelimiter: ab")
    assert "plain file name" in issues("type: io.kestra.plugin.jdbc.duckdb.Query\nsql: SELECT 1\noutputFiles: [../x]")


def test_the_postgres_trigger_refuses_store() -> None:
    summary = issues(f"type: io.kestra.plugin.jdbc.postgresql.Trigger\n{PG}\nsql: SELECT 1\nfetchType: STORE", "triggers")
    assert "triggers[0].fetchType" in summary and "STORE is not available for a trigger" in summary


def test_field_descriptions_are_the_json_schema_documentation() -> None:
    definitions = flow_json_schema()["$defs"]
    by_title = {name: schema for name, schema in definitions.items() if "properties" in schema}
    dbt = next(s for s in by_title.values() if "io.kestra.plugin.dbt.cli.DbtCLI" in str(s["properties"].get("type")))
    assert "Run dbt commands" in dbt["description"]
    assert "--project-dir" in dbt["properties"]["projectDir"]["description"]
    copy_in = next(s for s in by_title.values() if "io.kestra.plugin.jdbc.postgresql.CopyIn" in str(s["properties"].get("type")))
    assert "from" in copy_in["properties"] and "from" in copy_in.get("required", [])
