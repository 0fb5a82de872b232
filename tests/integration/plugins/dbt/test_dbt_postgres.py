"""dbt with dbt-postgres against the real PostgreSQL, through Kestra's per-command Build task."""

from __future__ import annotations

from pathlib import Path

from lanner.models.state import State

from ...harness import Harness
from ..conftest import PgSchema


async def test_build_on_postgres_in_a_schema_of_its_own(harness: Harness, shop_project: Path, pg_schema: PgSchema) -> None:
    source = f"""
id: dbt_postgres
namespace: company.team
tasks:
  - id: build
    type: io.kestra.plugin.dbt.cli.Build
    projectDir: {shop_project}
    dbtPath: ./bin/dbt
    containerImage: ghcr.io/kestra-io/dbt-postgres:latest
    thread: 2
    profiles: |
      shop:
        target: ci
        outputs:
          ci:
            type: postgres
            host: 127.0.0.1
            port: 5432
            user: postgres
            password: "{{{{ 'unused-with-trust-auth' }}}}"
            dbname: test
            schema: {pg_schema.name}
            threads: 2
"""
    result = await harness.run(source, timeout=120)

    run = result.run("build")
    assert result.state == State.SUCCESS, [a.error for a in run.attempts]
    outputs = run.outputs or {}
    assert outputs["runResults"]["counts"] == {"success": 3, "pass": 2}
    assert outputs["project"]["adapterType"] == "postgres"
    seed = next(n for n in outputs["runResults"]["nodes"] if n["uniqueId"] == "seed.shop.orders")
    assert seed["rowsAffected"] == 3
    assert await pg_schema.rows("SELECT customer, total FROM {schema}.big_customers ORDER BY customer") == [
        {"customer": "ada", "total": 15},
        {"customer": "bob", "total": 20},
    ]
    logs = await result.logs("build")
    assert "WARN dbtPath ./bin/dbt does not exist on this worker; running `dbt` from PATH" in logs
    assert "INFO Registered adapter: postgres=1.11.0" in logs
    assert "WARN containerImage is ignored: dbt runs as a local process of the worker" in logs
