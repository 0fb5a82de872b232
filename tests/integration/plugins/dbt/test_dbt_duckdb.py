"""dbt with dbt-duckdb, run by the real engine: the example pipeline, a failing model and a retry."""

from __future__ import annotations

import json
from pathlib import Path

from lanner.models.state import State

from ...harness import Harness
from .conftest import duckdb_profile

EXAMPLE = Path(__file__).parents[4] / "examples" / "dbt_duckdb_pipeline.yml"


async def test_the_duckdb_and_dbt_example_pipeline(harness: Harness) -> None:
    result = await harness.run(EXAMPLE.read_text(), timeout=120)

    assert result.state == State.SUCCESS, [a.error for r in result.task_runs for a in r.attempts]
    dbt = result.outputs("dbt_build")
    assert dbt["exitCode"] == 0
    run = dbt["runResults"]
    assert run["command"] == "build" and run["success"] is True and run["counts"] == {"success": 1, "pass": 2}
    model = next(n for n in run["nodes"] if n["resourceType"] == "model")
    assert model["uniqueId"] == "model.shop.customer_totals" and model["status"] == "success"
    assert model["materialized"] == "table" and model["dependsOn"] == ["source.shop.raw.orders"]
    assert dbt["project"] == {"dbtVersion": dbt["project"]["dbtVersion"], "adapterType": "duckdb", "projectName": "shop",
                              "nodes": {"model": 1, "source": 1, "test": 2}}  # fmt: skip
    assert set(dbt["outputFiles"]) == {"warehouse.duckdb", "manifest.json", "run_results.json"}
    manifest = json.loads(await harness.engine.files.get_bytes(dbt["outputFiles"]["manifest.json"]))  # type: ignore[attr-defined]
    assert "model.shop.customer_totals" in manifest["nodes"]
    assert result.outputs("top_customers")["rows"] == [{"customer": "cyd", "total": 42.0}, {"customer": "bob", "total": 20.0}]

    logs = await result.logs("dbt_build")
    assert "INFO Running with dbt=1.11.16" in logs
    assert any(line.startswith("INFO 1 of 3 OK created sql table model main.customer_totals") for line in logs)
    assert not any("{" in line and '"info"' in line for line in logs)  # JSON lines were relayed, not logged raw
    metrics = {(m["name"], tuple(sorted(m["tags"].items()))): m["value"] for m in result.run("dbt_build").attempts[-1].metrics}
    assert metrics[("dbt.nodes", (("status", "pass"),))] == 2


async def test_a_model_failing_once_fails_its_attempt_naming_it_then_the_retry_succeeds(
    harness: Harness, shop_project: Path, tmp_path: Path
) -> None:
    # The first attempt finds the upstream "not ready" (SHOP_BROKEN makes big_customers fail).
    attempts = tmp_path / "attempts.txt"
    source = f"""
id: dbt_retry
namespace: company.team
tasks:
  - id: dbt
    type: io.kestra.plugin.dbt.cli.DbtCLI
    projectDir: {shop_project}
    profiles: |
{_indent(duckdb_profile(tmp_path / "shop.duckdb"), 6)}
    beforeCommands:
      - echo attempt >> {attempts}
    commands:
      - if [ "$(wc -l < {attempts})" -lt 2 ]; then export SHOP_BROKEN=true; fi
      - dbt build --select +big_customers
    storeManifest:
      key: shop_manifest
      namespace: "{{{{ flow.namespace }}}}"
    retry:
      type: constant
      interval: PT0.05S
      maxAttempts: 2
"""
    result = await harness.run(source, timeout=120)

    run = result.run("dbt")
    assert result.state == State.SUCCESS, [a.error for a in run.attempts]
    assert [a.state for a in run.attempts] == [State.FAILED, State.SUCCESS]
    error = run.attempts[0].error or ""
    assert error.startswith("dbt failed: 1 node(s) did not succeed:\n  model.shop.big_customers (error): ")
    assert 'Referenced column "no_such_column" not found' in error
    assert (run.outputs or {})["runResults"]["counts"] == {"success": 3, "pass": 2}
    stored = await harness.engine.store.kv_get("company.team", "shop_manifest")
    assert stored is not None and "model.shop.big_customers" in stored.value["nodes"]
    logs = await result.logs("dbt")
    assert any(line.startswith("ERROR 5 of 5 ERROR creating sql table model main.big_customers") for line in logs)
    assert any(line.startswith("INFO 5 of 5 OK created sql table model main.big_customers") for line in logs)


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())
