"""The dbt plugin's pieces without running dbt: command flags, JSON log relay, artifacts."""

from __future__ import annotations

import json
from pathlib import Path

from lanner.plugins.dbt.artifacts import manifest_summary, parse_run_results, record_metrics
from lanner.plugins.dbt.command_line import DbtFlags, add_flags, dbt_subcommand
from lanner.plugins.dbt.logs import DbtLogRelay

from ..tasks.fake_context import FakeRunContext

FLAGS = DbtFlags(
    project_dir="my project",
    log_format="json",
    log_path="/w/.lanner-dbt-logs",
    target="prod",
    vars={"day": "2024-01-01"},
    select=["tag:daily", "+orders"],
    exclude=["tag:slow"],
)


def test_flags_go_after_the_subcommand_of_dbt_lines_only() -> None:
    command = "dbt build --select x && echo done\necho dbt build\n/opt/dbt/bin/dbt --debug source freshness"

    lines = add_flags(command, FLAGS).split("\n")

    common = (
        "--project-dir 'my project' --log-format json --log-path /w/.lanner-dbt-logs --target prod "
        '--vars \'{"day": "2024-01-01"}\''
    )
    assert lines[0] == f"dbt build {common} --exclude tag:slow --select x && echo done"  # its own --select wins
    assert lines[1] == "echo dbt build"
    assert lines[2] == f"/opt/dbt/bin/dbt --debug source freshness {common} --select tag:daily +orders --exclude tag:slow"


def test_flags_already_given_are_kept_and_commands_that_select_nothing_get_no_selection() -> None:
    command = "dbt deps --project-dir elsewhere --log-format text"

    assert add_flags(command, FLAGS) == (
        'dbt deps --log-path /w/.lanner-dbt-logs --target prod --vars \'{"day": "2024-01-01"}\' '
        "--project-dir elsewhere --log-format text"
    )
    assert add_flags("dbt --version", FLAGS) == "dbt --version"
    assert dbt_subcommand("dbt   docs generate --static") == "docs generate"
    assert dbt_subcommand("dbtx build") is None


def test_json_log_lines_are_logged_at_their_level(tmp_path: Path) -> None:
    ctx = FakeRunContext(tmp_path)
    relay = DbtLogRelay(ctx)

    def event(level: str, msg: str) -> str:
        return json.dumps({"info": {"level": level, "msg": msg, "name": "X"}, "data": {}})

    assert relay.feed("stdout", event("info", "1 of 2 OK created model \x1b[32mOK\x1b[0m"))
    assert relay.feed("stdout", event("info", ""))  # blank separator lines are dropped
    assert relay.feed("stdout", event("warn", "deprecated config"))
    assert relay.feed("stdout", event("error", "Database Error in model x"))
    assert relay.feed("stdout", event("debug", "SQL: select 1"))
    assert not relay.feed("stdout", "plain text line")
    assert not relay.feed("stderr", "{not json")

    assert ctx.logger.records == [
        ("INFO", "1 of 2 OK created model OK"),
        ("WARN", "deprecated config"),
        ("ERROR", "Database Error in model x"),
        ("DEBUG", "SQL: select 1"),
    ]
    assert relay.warnings == 1 and list(relay.errors) == ["Database Error in model x"]


RUN_RESULTS = {
    "args": {"which": "build"},
    "elapsed_time": 1.5,
    "results": [
        {
            "unique_id": "seed.shop.orders",
            "status": "success",
            "execution_time": 0.2,
            "timing": [
                {"name": "compile", "started_at": "2024-01-01T00:00:00Z", "completed_at": "2024-01-01T00:00:01Z"},
                {"name": "execute", "started_at": "2024-01-01T00:00:01Z", "completed_at": "2024-01-01T00:00:02Z"},
            ],
            "adapter_response": {"rows_affected": 3, "_message": "INSERT 3"},
            "message": "INSERT 3",
            "failures": None,
        },
        {
            "unique_id": "model.shop.broken",
            "status": "error",
            "execution_time": 0.1,
            "timing": [],
            "adapter_response": {},
            "message": "Runtime Error in model broken\n  Binder Error: no column x",
            "failures": None,
        },
        {
            "unique_id": "test.shop.unique_orders_id.abc123",
            "status": "fail",
            "timing": [],
            "adapter_response": {},
            "message": "Got 1 result",
            "failures": 1,
        },
    ],
}
MANIFEST = {
    "metadata": {"dbt_version": "1.11.16", "adapter_type": "duckdb", "project_name": "shop"},
    "nodes": {
        "seed.shop.orders": {
            "name": "orders",
            "resource_type": "seed",
            "config": {"materialized": "seed"},
            "original_file_path": "seeds/orders.csv",
            "depends_on": {"nodes": []},
        },
        "model.shop.broken": {"name": "broken", "resource_type": "model", "depends_on": {"nodes": ["seed.shop.orders"]}},
    },
    "sources": {"source.shop.raw.events": {"name": "events", "resource_type": "source"}},
}


def test_run_results_become_node_outputs_completed_from_the_manifest(tmp_path: Path) -> None:
    summary = parse_run_results(RUN_RESULTS, MANIFEST)

    outputs = summary.outputs()
    assert outputs["command"] == "build" and outputs["success"] is False and outputs["elapsedTime"] == 1.5
    assert outputs["counts"] == {"success": 1, "error": 1, "fail": 1}
    seed, broken, test = outputs["nodes"]
    assert seed == {
        "uniqueId": "seed.shop.orders",
        "name": "orders",
        "resourceType": "seed",
        "status": "success",
        "executionTime": 0.2,
        "startedAt": "2024-01-01T00:00:00Z",
        "completedAt": "2024-01-01T00:00:02Z",
        "rowsAffected": 3,
        "failures": None,
        "message": "INSERT 3",
        "materialized": "seed",
        "path": "seeds/orders.csv",
        "dependsOn": [],
    }
    assert broken["dependsOn"] == ["seed.shop.orders"]
    assert test["name"] == "unique_orders_id" and test["resourceType"] == "test" and test["failures"] == 1
    assert [n["uniqueId"] for n in summary.failed] == ["model.shop.broken", "test.shop.unique_orders_id.abc123"]
    assert manifest_summary(MANIFEST) == {
        "dbtVersion": "1.11.16",
        "adapterType": "duckdb",
        "projectName": "shop",
        "nodes": {"model": 1, "seed": 1, "source": 1},
    }

    ctx = FakeRunContext(tmp_path)
    record_metrics(ctx, summary)
    assert ("rows.affected", 3.0, "counter", {}) in ctx.metrics
    assert ("dbt.nodes", 1.0, "counter", {"status": "error"}) in ctx.metrics
    assert ("dbt.elapsed", 1.5, "timer", {}) in ctx.metrics
