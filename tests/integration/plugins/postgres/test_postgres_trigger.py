"""The PostgreSQL polling trigger, polled by the engine's real scheduler."""

from __future__ import annotations

import asyncio

from lanner.models.state import State
from lanner.storage.ports import ExecutionQuery

from ...harness import Harness
from ..conftest import PgSchema


async def test_rows_returned_by_the_query_start_an_execution(harness: Harness, pg_schema: PgSchema) -> None:
    await pg_schema.conn.execute(
        f"CREATE TABLE {pg_schema.name}.events (id int, name text, seen boolean DEFAULT false);"
        f"INSERT INTO {pg_schema.name}.events (id, name) VALUES (1, 'signup'), (2, 'order')"
    )
    source = f"""
id: on_new_events
namespace: company.team
tasks:
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ trigger.size }}}} new event(s): {{{{ trigger.rows[0].name }}}}, {{{{ trigger.rows[1].name }}}}"
triggers:
  - id: new_events
    type: io.kestra.plugin.jdbc.postgresql.Trigger
    url: {pg_schema.jdbc_url}
    username: postgres
    sql: SELECT id, name FROM events WHERE NOT seen ORDER BY id
    afterSQL: UPDATE events SET seen = true WHERE NOT seen
    fetchType: FETCH
    interval: PT0.2S
"""
    await harness.engine.deploy(source)

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while True:
        page = await harness.engine.store.search_executions(ExecutionQuery(namespace="company.team", flow_id="on_new_events"))
        if page.results:
            break
        assert loop.time() < deadline, "the trigger started no execution"
        await asyncio.sleep(0.05)

    result = await harness.wait(page.results[0].id)
    assert result.state == State.SUCCESS, await result.logs()
    assert "INFO 2 new event(s): signup, order" in await result.logs("report")
    assert await pg_schema.rows("SELECT count(*) AS unseen FROM {schema}.events WHERE NOT seen") == [{"unseen": 0}]
