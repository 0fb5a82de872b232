"""PostgreSQL polling trigger: start an execution when a query returns rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, field_validator

from lanner.plugins.jdbc import QueryProperties, split_statements
from lanner.plugins.postgres.connection import PostgresConnection, connect
from lanner.plugins.postgres.statements import run_statements
from lanner.triggers.polling import PollContext, PollingTrigger

__all__ = ["Trigger"]


class Trigger(PostgresConnection, QueryProperties, PollingTrigger):
    """Run a query every `interval`; when it returns rows, start one execution that sees them.

    The execution reads `{{ trigger.rows }}` (FETCH), `{{ trigger.row }}` (FETCH_ONE) and
    `{{ trigger.size }}`. With `fetchType: NONE` only `size` is set. The query runs again at
    every poll: make it select only new rows, or mark them with `afterSQL` (committed with the
    query, before the execution is stored: if Lanner stops in between, those rows are marked but
    start nothing).
    """

    type: Literal["lanner.postgres.Trigger", "io.kestra.plugin.jdbc.postgresql.Trigger"]
    afterSQL: str | None = Field(
        default=None,
        description="SQL run after the query in the same transaction when it returned rows, e.g. to mark them processed.",
        examples=["UPDATE events SET seen = true WHERE NOT seen"],
    )

    @field_validator("fetchType")
    @classmethod
    def _no_store(cls, value: str) -> str:
        if value == "STORE":
            raise ValueError("fetchType STORE is not available for a trigger; use FETCH (rows in `trigger.rows`) or FETCH_ONE")
        return value

    async def poll(self, ctx: PollContext) -> Sequence[dict[str, Any]]:
        async def render(value: Any) -> Any:
            return ctx.render(value)

        fetch_type = self.resolved_fetch_type()
        if fetch_type == "STORE":
            fetch_type = "FETCH"
        statements = split_statements(str(ctx.render(self.sql)))
        parameters = ctx.render(dict(self.parameters)) if self.parameters else None
        conn = await connect(await self.connection_kwargs(None, render, None))
        try:
            if self.timeZoneId:
                await conn.execute("SELECT set_config('TimeZone', %s, false)", [str(ctx.render(self.timeZoneId))])
            results = await run_statements(
                None, conn, statements, parameters, "FETCH" if fetch_type == "NONE" else fetch_type, fetch_size=self.fetchSize
            )
            found = [r.outputs for r in results if r.outputs is not None]
            outputs = dict(found[-1]) if found else {}
            size = int(outputs.get("size") or 0)
            if size and self.afterSQL:
                after = split_statements(str(ctx.render(self.afterSQL)))
                await run_statements(None, conn, after, parameters, "NONE", fetch_size=self.fetchSize)
            await conn.commit()
        finally:
            await conn.close()
        ctx.log.debug("trigger %s.%s.%s: the query returned %d row(s)", ctx.namespace, ctx.flow_id, ctx.trigger_id, size)
        if not size:
            return []
        if fetch_type == "NONE":
            outputs = {"size": size}
        return [outputs]
