"""dbt with dbt-duckdb on a project kept in namespace files (`namespaceFiles.enabled`), run by the real engine."""

from __future__ import annotations

from pathlib import Path

from lanner.engine.engine import Engine
from lanner.models.state import State
from lanner.storage.namespace_files import NamespaceFiles

from ...harness import Harness
from .conftest import FIXTURE, duckdb_profile


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


async def test_a_dbt_project_from_namespace_files_builds(engine: Engine, harness: Harness, tmp_path: Path) -> None:
    files = NamespaceFiles(engine.files, "company.team")
    for path in sorted(p for p in FIXTURE.rglob("*") if p.is_file()):
        await files.put(f"dbt/{path.relative_to(FIXTURE).as_posix()}", path.read_bytes())
    await files.put("dbt/README.md", b"# left out by `exclude`")
    await files.put("scripts/unrelated.py", b"print('not included')\n")
    warehouse = tmp_path / "shop.duckdb"
    source = f"""
id: dbt_from_namespace_files
namespace: company.team
tasks:
  - id: dbt
    type: io.kestra.plugin.dbt.cli.DbtCLI
    namespaceFiles:
      enabled: true
      include: ["dbt/**"]
      exclude: ["**.md"]
    projectDir: dbt
    profiles: |
{_indent(duckdb_profile(warehouse), 6)}
    beforeCommands:
      - test -f dbt/dbt_project.yml && test ! -e dbt/README.md && test ! -e scripts/unrelated.py
    commands:
      - dbt build
"""
    result = await harness.run(source, timeout=180)

    run = result.run("dbt")
    assert result.state == State.SUCCESS, [a.error for a in run.attempts]
    outputs = result.outputs("dbt")
    assert outputs["exitCode"] == 0
    assert outputs["project"]["projectName"] == "shop" and outputs["project"]["adapterType"] == "duckdb"
    statuses = {n["uniqueId"]: n["status"] for n in outputs["runResults"]["nodes"]}
    assert statuses["seed.shop.orders"] == "success"
    assert statuses["model.shop.customer_totals"] == "success" and statuses["model.shop.big_customers"] == "success"
    assert warehouse.exists()  # dbt wrote the tables where the profile said
    # dbt's target/ and logs stay in the attempt's working directory: the namespace files are unchanged
    assert not any(path.startswith("dbt/target") or path.startswith("dbt/logs") for path in await files.all_files())
