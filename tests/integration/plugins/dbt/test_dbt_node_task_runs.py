"""A real dbt build (dbt-duckdb) reports one task run per node: the dbt task's children, with
their states and dbt's timing; ``taskRunPerNode: false`` reports none."""

from __future__ import annotations

from pathlib import Path

from lanner.models.state import State

from ...harness import Harness
from .conftest import duckdb_profile


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


async def test_each_dbt_node_is_a_child_task_run_and_a_failing_model_fails_its_own(
    harness: Harness, shop_project: Path, tmp_path: Path
) -> None:
    profile = _indent(duckdb_profile(tmp_path / "shop.duckdb"), 6)
    source = f"""
id: dbt_nodes
namespace: company.team
tasks:
  - id: build
    type: io.kestra.plugin.dbt.cli.DbtCLI
    allowFailure: true
    projectDir: {shop_project}
    profiles: |
{profile}
    commands:
      - "dbt build --vars '{{broken: true}}'"
  - id: seed_only
    type: io.kestra.plugin.dbt.cli.DbtCLI
    taskRunPerNode: false
    projectDir: {shop_project}
    profiles: |
{profile}
    commands:
      - dbt seed
"""
    result = await harness.run(source, timeout=180)

    build = result.run("build")
    assert build.state is State.WARNING  # FAILED, allowed to fail
    assert (build.attempts[-1].error or "").startswith("dbt failed: 1 node(s) did not succeed")
    kids = sorted((r for r in result.task_runs if r.parent_id == build.id), key=lambda r: r.meta["dynamic"])
    # a test's unique id ends in a hash of its config
    assert {k.task_id.rsplit(".", 1)[0] if k.task_id.startswith("test.") else k.task_id: k.state for k in kids} == {
        "seed.shop.orders": State.SUCCESS,
        "model.shop.customer_totals": State.SUCCESS,
        "test.shop.unique_customer_totals_customer": State.SUCCESS,
        "test.shop.not_null_customer_totals_customer": State.SUCCESS,
        "model.shop.big_customers": State.FAILED,
    }
    attempt = build.attempts[-1]
    started, ended = attempt.history[0].date, attempt.history[-1].date
    for kid in kids:
        assert kid.seq == build.seq and kid.dynamic
        assert started <= kid.history[0].date <= kid.history[-1].date <= ended, kid.task_id
    failed = next(k for k in kids if k.task_id == "model.shop.big_customers")
    assert (failed.outputs or {})["status"] == "error" and "no_such_column" in (failed.outputs or {})["message"]

    seed_only = result.run("seed_only")
    assert seed_only.state is State.SUCCESS
    assert (seed_only.outputs or {})["runResults"]["counts"] == {"success": 1}
    assert not [r for r in result.task_runs if r.parent_id == seed_only.id]
    assert result.state is State.WARNING
