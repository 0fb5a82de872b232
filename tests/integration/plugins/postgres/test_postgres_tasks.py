"""PostgreSQL tasks against the real server, run by the real engine (on both engine backends)."""

from __future__ import annotations

import json
from pathlib import Path

from lanner.models.state import State

from ...harness import Harness
from ..conftest import PgSchema


def connection(schema: PgSchema) -> str:
    return f"url: {schema.jdbc_url}\n    username: postgres\n    password: not-needed-with-trust"


async def test_queries_query_and_copy_round_trip(harness: Harness, pg_schema: PgSchema) -> None:
    conn = connection(pg_schema)
    source = f"""
id: pg_round_trip
namespace: company.team
tasks:
  - id: setup
    type: io.kestra.plugin.jdbc.postgresql.Queries
    {conn}
    sql: |
      CREATE TABLE orders (id int PRIMARY KEY, customer text, amount numeric(10, 2), day date, meta jsonb);
      INSERT INTO orders VALUES
        (1, 'ada', 10.50, '2024-01-01', '{{"vip": true}}'),
        (2, 'bob', 20, '2024-01-02', null),
        (3, 'ada', 5, '2024-01-02', null);
      SELECT count(*) AS n FROM orders;
    fetchType: FETCH_ONE
  - id: by_customer
    type: io.kestra.plugin.jdbc.postgresql.Query
    {conn}
    sql: SELECT id, amount, day, meta FROM orders WHERE customer = :who AND note_check(':who') ORDER BY id
    parameters:
      who: "{{{{ 'a' ~ 'da' }}}}"
    fetchType: FETCH
  - id: stored
    type: io.kestra.plugin.jdbc.postgresql.Query
    {conn}
    sql: SELECT id, customer FROM orders ORDER BY id
    fetchType: STORE
    storeFormat: JSONL
  - id: export
    type: io.kestra.plugin.jdbc.postgresql.CopyOut
    {conn}
    sql: SELECT id, customer, amount FROM orders WHERE amount > 6 ORDER BY id
    format: CSV
    header: true
  - id: reload
    type: io.kestra.plugin.jdbc.postgresql.CopyIn
    {conn}
    from: "{{{{ outputs.export.uri }}}}"
    table: copies
    columns: [id, customer, amount]
    format: CSV
    header: true
"""
    await pg_schema.conn.execute(
        f"CREATE FUNCTION {pg_schema.name}.note_check(text) RETURNS boolean LANGUAGE sql AS 'SELECT true';"
        f"CREATE TABLE {pg_schema.name}.copies (id int, customer text, amount numeric(10, 2))"
    )

    result = await harness.run(source)

    assert result.state == State.SUCCESS, (result.states(), [a.error for r in result.task_runs for a in r.attempts])
    assert result.outputs("setup") == {"outputs": [{"row": {"n": 3}, "size": 1}], "size": 1}
    assert result.outputs("by_customer") == {
        "rows": [
            {"id": 1, "amount": 10.5, "day": "2024-01-01", "meta": {"vip": True}},
            {"id": 3, "amount": 5, "day": "2024-01-02", "meta": None},
        ],
        "size": 2,
    }
    stored = result.outputs("stored")
    assert stored["size"] == 3
    content = await harness.engine.files.get_bytes(stored["uri"])  # type: ignore[attr-defined]
    assert [json.loads(line) for line in content.decode().splitlines()] == [
        {"id": 1, "customer": "ada"},
        {"id": 2, "customer": "bob"},
        {"id": 3, "customer": "ada"},
    ]
    assert result.outputs("export")["rowCount"] == 2
    exported = await harness.engine.files.get_bytes(result.outputs("export")["uri"])  # type: ignore[attr-defined]
    assert exported.decode().splitlines() == ["id,customer,amount", "1,ada,10.50", "2,bob,20.00"]
    assert result.outputs("reload") == {"rowCount": 2}
    assert await pg_schema.rows("SELECT id, customer FROM {schema}.copies ORDER BY id") == [
        {"id": 1, "customer": "ada"},
        {"id": 2, "customer": "bob"},
    ]
    assert "INFO loaded 2 row(s) into copies" in await result.logs("reload")


async def test_a_failing_statement_rolls_back_and_fails_with_the_server_message(harness: Harness, pg_schema: PgSchema) -> None:
    source = f"""
id: pg_failure
namespace: company.team
tasks:
  - id: load
    type: io.kestra.plugin.jdbc.postgresql.Queries
    {connection(pg_schema)}
    sql: |
      CREATE TABLE kept_out (id int);
      INSERT INTO kept_out VALUES (1);
      SELECT no_such_column FROM kept_out;
"""
    result = await harness.run(source)

    assert result.state == State.FAILED
    error = result.run("load").attempts[-1].error or ""
    assert 'statement 3 of 3: column "no_such_column" does not exist' in error and "SQLSTATE 42703" in error
    assert await pg_schema.rows("SELECT to_regclass('{schema}.kept_out') AS t") == [{"t": None}]  # rolled back
    assert any('column "no_such_column" does not exist' in line for line in await result.logs("load"))


async def test_a_transient_error_is_retried(harness: Harness, pg_schema: PgSchema) -> None:
    # Each attempt records itself first (transaction: false commits each statement); the
    # division fails while only one attempt is recorded: an upstream not ready the first time.
    await pg_schema.conn.execute(f"CREATE TABLE {pg_schema.name}.attempts (at timestamptz DEFAULT now())")
    source = f"""
id: pg_retry
namespace: company.team
tasks:
  - id: flaky
    type: io.kestra.plugin.jdbc.postgresql.Queries
    {connection(pg_schema)}
    transaction: false
    sql: |
      INSERT INTO attempts DEFAULT VALUES;
      SELECT 10 / (count(*) - 1) AS answer FROM attempts;
    fetchType: FETCH_ONE
    retry:
      type: constant
      interval: PT0.05S
      maxAttempts: 2
"""
    result = await harness.run(source)

    run = result.run("flaky")
    assert result.state == State.SUCCESS, [a.error for a in run.attempts]
    assert [a.state for a in run.attempts] == [State.FAILED, State.SUCCESS]
    assert (run.attempts[0].error or "") == "statement 2 of 2: division by zero (SQLSTATE 22012)"
    assert run.outputs == {"outputs": [{"row": {"answer": 10}, "size": 1}], "size": 1}


async def test_a_timeout_cancels_the_query_on_the_server(harness: Harness, pg_schema: PgSchema) -> None:
    source = f"""
id: pg_timeout
namespace: company.team
tasks:
  - id: slow
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: {pg_schema.jdbc_url}&ApplicationName={pg_schema.name}
    username: postgres
    sql: SELECT pg_sleep(60)
    timeout: PT1S
"""
    result = await harness.run(source)

    assert result.state == State.FAILED
    assert "timed out" in (result.run("slow").attempts[-1].error or "")
    sessions = f"SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = '{pg_schema.name}'"
    assert await pg_schema.rows(sessions) == [{"n": 0}]


async def test_the_postgres_example_flow(harness: Harness, pg_schema: PgSchema) -> None:
    example = Path(__file__).parents[4] / "examples" / "postgres_orders.yml"

    result = await harness.run(example.read_text(), {"url": pg_schema.jdbc_url})

    assert result.state == State.SUCCESS, [a.error for r in result.task_runs for a in r.attempts]
    assert result.outputs("big_orders")["size"] == 2
    assert result.outputs("load_copy") == {"rowCount": 3}
    assert await pg_schema.rows("SELECT count(*) AS n FROM {schema}.lanner_example_copies") == [{"n": 3}]
