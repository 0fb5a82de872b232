"""Kestra's legacy ``dockerOptions`` on the per-command dbt tasks: accepted, ignored with a warning."""

from __future__ import annotations

from pathlib import Path

from lanner.models.state import State

from ...harness import Harness
from .conftest import duckdb_profile


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


async def test_docker_options_are_ignored_with_a_warning(harness: Harness, shop_project: Path, tmp_path: Path) -> None:
    source = f"""
id: dbt_docker_options
namespace: company.team
tasks:
  - id: ls
    type: io.kestra.plugin.dbt.cli.List
    projectDir: {shop_project}
    dockerOptions:
      image: ghcr.io/kestra-io/dbt-duckdb:latest
      pullPolicy: IF_NOT_PRESENT
    profiles: |
{_indent(duckdb_profile(tmp_path / "shop.duckdb"), 6)}
"""
    result = await harness.run(source, timeout=120)

    run = result.run("ls")
    assert result.state == State.SUCCESS, [a.error for a in run.attempts]
    logs = await result.logs("ls")
    warning = (
        "WARN dockerOptions (image ghcr.io/kestra-io/dbt-duckdb:latest) is ignored: dbt runs as a local process of the worker"
    )
    assert warning in logs


async def test_without_docker_options_there_is_no_warning(harness: Harness, shop_project: Path, tmp_path: Path) -> None:
    source = f"""
id: dbt_plain
namespace: company.team
tasks:
  - id: ls
    type: io.kestra.plugin.dbt.cli.List
    projectDir: {shop_project}
    profiles: |
{_indent(duckdb_profile(tmp_path / "shop.duckdb"), 6)}
"""
    result = await harness.run(source, timeout=120)
    assert result.state == State.SUCCESS
    assert not [line for line in await result.logs("ls") if "dockerOptions" in line]
