"""PostgreSQL Query and Queries: run SQL, keep the rows as outputs or in a file."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from lanner.errors import TaskFailure
from lanner.plugins.jdbc import QueryProperties, split_statements
from lanner.plugins.postgres.connection import PostgresConnection, connect
from lanner.plugins.postgres.statements import StatementResult, run_statements
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext

__all__ = ["Queries", "Query"]


class _PostgresSql(PostgresConnection, QueryProperties, RunnableTask):
    """Shared run template of Query and Queries."""

    async def _execute(self, ctx: RunContext, sql: str, *, transaction: bool) -> list[StatementResult]:
        rendered = str(await ctx.render(self.sql))
        statements = split_statements(rendered)
        if not statements:
            raise TaskFailure("`sql` has no statement to run", retryable=False)
        after = str(await ctx.render(sql)) if sql else ""
        after_statements = split_statements(after)
        parameters = await ctx.render(dict(self.parameters)) if self.parameters else None
        work_dir = await ctx.working_dir()
        kwargs = await self.connection_kwargs(ctx, ctx.render, work_dir)
        fetch_type = self.resolved_fetch_type()
        conn = await connect(kwargs, autocommit=not transaction)
        try:
            if self.timeZoneId:
                await conn.execute("SELECT set_config('TimeZone', %s, false)", [str(await ctx.render(self.timeZoneId))])
            results = await run_statements(
                ctx,
                conn,
                statements,
                parameters,
                fetch_type,
                fetch_size=self.fetchSize,
                store_dir=work_dir,
                store_format=self.storeFormat,
            )
            if after_statements:
                await run_statements(ctx, conn, after_statements, parameters, "NONE", fetch_size=self.fetchSize)
            if transaction:
                await conn.commit()
        finally:
            await conn.close()
        kept = sum(int((r.outputs or {}).get("size") or 0) for r in results)
        ctx.metric(
            "fetch.size",
            kept,
            tags={"fetch": str(fetch_type in ("FETCH", "FETCH_ONE")).lower(), "store": str(fetch_type == "STORE").lower()},
        )
        return results


class Query(_PostgresSql):
    """Run SQL on PostgreSQL and keep its rows as outputs (`row`, `rows`) or in a file (`uri`).

    Several statements separated by `;` run in order in one transaction (committed at the end,
    rolled back on failure); the outputs are those of the last statement that returned rows.
    `afterSQL` runs in the same transaction, for example to mark fetched rows as processed.
    """

    type: Literal["lanner.postgres.Query", "io.kestra.plugin.jdbc.postgresql.Query"]
    afterSQL: str | None = Field(
        default=None,
        description="SQL run after `sql` in the same transaction (committed together), with the same `parameters`.",
        examples=["UPDATE orders SET exported = true WHERE day = :day"],
    )
    autoCommit: bool | None = Field(
        default=None, description="Kestra property; accepted and ignored: the statements always commit together at the end."
    )

    async def run(self, ctx: RunContext) -> Output:
        results = await self._execute(ctx, self.afterSQL or "", transaction=True)
        with_rows = [r for r in results if r.outputs is not None]
        outputs: dict[str, Any] = dict(with_rows[-1].outputs or {}) if with_rows else {}
        if not with_rows:
            outputs["updateCount"] = results[-1].rowcount
        return outputs


class Queries(_PostgresSql):
    """Run several SQL statements on PostgreSQL, by default in one transaction.

    `outputs` has one entry per statement that returned rows, in order, each with `row`, `rows`
    or `uri` and `size` as `fetchType` asks. With `transaction: false` each statement commits
    on its own, so the ones before a failing statement stay done.
    """

    type: Literal["lanner.postgres.Queries", "io.kestra.plugin.jdbc.postgresql.Queries"]
    transaction: bool = Field(default=True, description="Run every statement in one transaction: all or nothing.")

    async def run(self, ctx: RunContext) -> Output:
        results = await self._execute(ctx, "", transaction=self.transaction)
        outputs = [r.outputs for r in results if r.outputs is not None]
        return {"outputs": outputs, "size": sum(int(o.get("size") or 0) for o in outputs)}
