"""DuckDB Query with the real duckdb, run by the real engine (on both engine backends)."""

from __future__ import annotations

import json
from pathlib import Path

from lanner.models.state import State

from ...harness import Harness


async def test_files_in_rows_and_files_out(harness: Harness) -> None:
    source = """
id: duckdb_files
namespace: company.team
tasks:
  - id: report
    type: io.kestra.plugin.jdbc.duckdb.Query
    inputFiles:
      orders.csv: |
        id,customer,amount,day
        1,ada,10.50,2024-01-01
        2,bob,20,2024-01-02
        3,ada,5,2024-01-02
    sql: |
      CREATE TABLE orders AS SELECT * FROM read_csv('{{ workingDir }}/orders.csv', header = true);
      COPY (SELECT customer, sum(amount) AS total FROM orders GROUP BY customer ORDER BY customer)
        TO '{{ outputFiles.totals }}' (HEADER, DELIMITER ',');
      SELECT customer, sum(amount) AS total, max(day) AS last_day FROM orders WHERE amount > :min
        GROUP BY customer ORDER BY customer;
    parameters:
      min: 6
    outputFiles: [totals]
    fetchType: FETCH
  - id: stored
    type: io.kestra.plugin.jdbc.duckdb.Query
    sql: SELECT * FROM (VALUES (1, 'a', DATE '2024-01-31'), (2, 'b', NULL)) AS t(id, name, day)
    fetchType: STORE
  - id: first
    type: lanner.duckdb.Query
    sql: SELECT 42 AS answer, 1.25::DECIMAL(5, 2) AS price
    fetchType: FETCH_ONE
"""
    result = await harness.run(source)

    assert result.state == State.SUCCESS, [a.error for r in result.task_runs for a in r.attempts]
    report = result.outputs("report")
    assert report["rows"] == [
        {"customer": "ada", "total": 10.5, "last_day": "2024-01-01"},
        {"customer": "bob", "total": 20.0, "last_day": "2024-01-02"},
    ]
    assert report["size"] == 2
    totals = await harness.engine.files.get_bytes(report["outputFiles"]["totals"])  # type: ignore[attr-defined]
    assert totals.decode().splitlines() == ["customer,total", "ada,15.5", "bob,20.0"]
    stored = result.outputs("stored")
    ion = await harness.engine.files.get_bytes(stored["uri"])  # type: ignore[attr-defined]
    assert stored["size"] == 2 and stored["uri"].endswith(".ion")
    assert ion.decode().splitlines() == ['{id:1,name:"a",day:2024-01-31T}', '{id:2,name:"b",day:null}']
    assert result.outputs("first") == {"row": {"answer": 42, "price": 1.25}, "size": 1}


async def test_a_database_file_keeps_tables_between_tasks_and_a_transient_error_is_retried(
    harness: Harness, tmp_path: Path
) -> None:
    # Each attempt records itself in the database file (DuckDB commits each statement); the
    # check fails while one attempt is recorded: an upstream that is not ready the first time.
    database = tmp_path / "warehouse.duckdb"
    source = f"""
id: duckdb_retry
namespace: company.team
tasks:
  - id: setup
    type: io.kestra.plugin.jdbc.duckdb.Query
    url: jdbc:duckdb:{database}
    sql: CREATE TABLE attempts (n INTEGER)
  - id: flaky
    type: io.kestra.plugin.jdbc.duckdb.Query
    databaseFile: {database}
    sql: |
      INSERT INTO attempts VALUES (1);
      SELECT CASE WHEN count(*) < 2 THEN error('upstream not ready') ELSE 'ready' END AS status FROM attempts;
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
    assert "statement 2 of 2: Invalid Input Error: upstream not ready" in (run.attempts[0].error or "")
    assert run.outputs == {"row": {"status": "ready"}, "size": 1}
    assert any("upstream not ready" in line for line in await result.logs("flaky"))


async def test_bad_sql_fails_without_retrying(harness: Harness) -> None:
    source = """
id: duckdb_bad
namespace: company.team
tasks:
  - id: bad
    type: io.kestra.plugin.jdbc.duckdb.Query
    sql: SELEC 1
    retry:
      type: constant
      interval: PT0.05S
      maxAttempts: 3
"""
    result = await harness.run(source)

    run = result.run("bad")
    assert result.state == State.FAILED
    assert len(run.attempts) == 1  # a parser error cannot get better by retrying
    assert 'Parser Error: syntax error at or near "SELEC"' in (run.attempts[0].error or "")


async def test_store_as_json_lines(harness: Harness) -> None:
    source = """
id: duckdb_jsonl
namespace: company.team
tasks:
  - id: q
    type: io.kestra.plugin.jdbc.duckdb.Query
    sql: SELECT range AS i, range * 1.5 AS x FROM range(3)
    fetchType: STORE
    storeFormat: JSONL
"""
    result = await harness.run(source)

    content = await harness.engine.files.get_bytes(result.outputs("q")["uri"])  # type: ignore[attr-defined]
    assert [json.loads(line) for line in content.decode().splitlines()] == [
        {"i": 0, "x": 0},
        {"i": 1, "x": 1.5},
        {"i": 2, "x": 3},
    ]


async def test_a_timeout_interrupts_the_query(harness: Harness) -> None:
    source = """
id: duckdb_timeout
namespace: company.team
tasks:
  - id: slow
    type: io.kestra.plugin.jdbc.duckdb.Query
    sql: SELECT count(*) FROM range(1000000000000)
    fetchType: FETCH_ONE
    timeout: PT1S
"""
    result = await harness.run(source)

    assert result.state == State.FAILED
    assert "timed out" in (result.run("slow").attempts[-1].error or "")
