"""BigQuery Query: run SQL as a query job; rows as outputs or a file, or into a destination table."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import Field

from lanner.errors import TaskFailure
from lanner.plugins.api_client import render_text
from lanner.plugins.gcp.bigquery.connection import BigQueryConnection, Disposition, failure, require_bigquery
from lanner.plugins.jdbc import FetchType, ResultCollector, StoreFormat
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext

__all__ = ["Query", "table_reference"]


def table_reference(bigquery: Any, name: str, project: str) -> Any:
    """``project.dataset.table`` or ``dataset.table`` (in ``project``) as a ``TableReference``."""
    try:
        return bigquery.TableReference.from_string(name, default_project=project)
    except ValueError as exc:
        raise TaskFailure(
            f"`destinationTable` {name!r} is not `dataset.table` or `project.dataset.table`: {exc}", retryable=False
        ) from None


def _table_output(table: Any) -> dict[str, str] | None:
    if table is None:
        return None
    return {"project": table.project, "dataset": table.dataset_id, "table": table.table_id}


class Query(BigQueryConnection, Disposition, RunnableTask):
    """Run SQL on BigQuery and keep its rows as outputs (`row`, `rows`), in a file (`uri`) or in a table.

    The query runs as one BigQuery job (standard SQL unless `legacySql`); its id is output as `jobId`
    with `totalBytesProcessed` and, with `destinationTable`, where the rows were written. `dryRun`
    only validates the query and outputs the bytes it would process, without running it.
    """

    type: Literal["lanner.gcp.bigquery.Query", "io.kestra.plugin.gcp.bigquery.Query"]
    sql: str = Field(min_length=1, description="The SQL to run; expressions are rendered first.", examples=["SELECT 1 AS one"])
    destinationTable: str | None = Field(
        default=None,
        description="Table receiving the query's rows: `dataset.table` or `project.dataset.table`.",
        examples=["analytics.daily_orders"],
    )
    fetchType: FetchType = Field(
        default="NONE",
        description="What becomes of the rows: `NONE` (nothing), `FETCH_ONE` (the first row as `row`), `FETCH` "
        "(every row as `rows`; keep it for small results) or `STORE` (every row to a file in internal storage, "
        "`uri`). `size` is the number of rows kept.",
    )
    storeFormat: StoreFormat = Field(
        default="ION", description="File format of `fetchType: STORE`: `ION` (as Kestra writes it) or `JSONL`."
    )
    fetchSize: int = Field(default=10_000, ge=1, description="Rows read per page of results.")
    legacySql: bool = Field(default=False, description="Use BigQuery's legacy SQL dialect instead of standard SQL.")
    dryRun: bool = Field(default=False, description="Only validate the query and estimate its cost (`totalBytesProcessed`).")
    labels: dict[str, str] = Field(
        default_factory=dict, description="Labels of the query job (rendered).", examples=[{"team": "data"}]
    )
    useQueryCache: bool | None = Field(default=None, description="Whether BigQuery may answer from its query cache.")
    priority: Literal["INTERACTIVE", "BATCH"] = Field(default="INTERACTIVE", description="Priority of the query job.")
    maximumBytesBilled: int | None = Field(default=None, ge=0, description="Fail the job rather than bill more bytes than this.")
    fetch: bool = Field(default=False, description="Deprecated Kestra property: use `fetchType: FETCH`.")
    fetchOne: bool = Field(default=False, description="Deprecated Kestra property: use `fetchType: FETCH_ONE`.")
    store: bool = Field(default=False, description="Deprecated Kestra property: use `fetchType: STORE`.")

    def resolved_fetch_type(self) -> FetchType:
        """``fetchType``, unless a deprecated flag asks for another (Kestra's precedence)."""
        return "FETCH" if self.fetch else "FETCH_ONE" if self.fetchOne else "STORE" if self.store else self.fetchType

    async def run(self, ctx: RunContext) -> Output:
        bigquery = require_bigquery()
        sql = str(await ctx.render(self.sql))
        if not sql.strip():
            raise TaskFailure("`sql` is empty once rendered", retryable=False)
        client = await self.client(ctx)
        try:
            config = await self._config(ctx, bigquery, client.project)
            try:
                job = await asyncio.to_thread(client.query, sql, job_config=config)
            except Exception as exc:
                raise failure(exc, "starting the query job") from exc
            ctx.logger.info(f"BigQuery job {job.job_id} started" + (" (dry run)" if self.dryRun else ""))
            if self.dryRun:
                return self._dry_run_outputs(ctx, job)
            return await self._finish(ctx, job)
        finally:
            await asyncio.to_thread(client.close)

    async def _config(self, ctx: RunContext, bigquery: Any, project: str) -> Any:
        config = bigquery.QueryJobConfig(
            use_legacy_sql=self.legacySql,
            dry_run=self.dryRun,
            priority=self.priority,
            labels={str(k): str(v) for k, v in (await ctx.render(dict(self.labels))).items()},
        )
        if self.useQueryCache is not None:
            config.use_query_cache = self.useQueryCache
        if self.maximumBytesBilled is not None:
            config.maximum_bytes_billed = self.maximumBytesBilled
        if self.destinationTable:
            config.destination = table_reference(
                bigquery, await render_text(ctx, self.destinationTable, "destinationTable"), project
            )
        if self.writeDisposition:
            config.write_disposition = self.writeDisposition
        if self.createDisposition:
            config.create_disposition = self.createDisposition
        return config

    def _dry_run_outputs(self, ctx: RunContext, job: Any) -> dict[str, Any]:
        processed = int(job.total_bytes_processed or 0)
        ctx.metric("total.bytes.processed", processed)
        ctx.logger.info(f"dry run: the query would process {processed} bytes")
        return {"jobId": job.job_id, "totalBytesProcessed": processed}

    async def _finish(self, ctx: RunContext, job: Any) -> dict[str, Any]:
        fetch_type = self.resolved_fetch_type()
        try:
            result = await asyncio.to_thread(
                job.result, page_size=self.fetchSize, max_results=1 if fetch_type == "FETCH_ONE" else None
            )
        except Exception as exc:
            raise failure(exc, f"query job {job.job_id}") from exc
        outputs: dict[str, Any] = {"jobId": job.job_id}
        if fetch_type != "NONE":
            columns = [field.name for field in result.schema or []]
            work_dir = await ctx.working_dir() if fetch_type == "STORE" else None
            collector = ResultCollector(fetch_type, columns, store_dir=work_dir, store_format=self.storeFormat, name="query")
            pages = iter(result.pages)
            try:
                while collector.wants_rows:
                    page = await asyncio.to_thread(next, pages, None)
                    if page is None:
                        break
                    await collector.add([tuple(row.values()) for row in page])
            except TaskFailure:
                raise
            except Exception as exc:
                collector.close()
                raise failure(exc, f"reading the rows of job {job.job_id}") from exc
            outputs.update(await collector.finish(ctx))
            ctx.metric("fetch.size", collector.size)
        processed = int(job.total_bytes_processed or 0)
        outputs["totalBytesProcessed"] = processed
        ctx.metric("total.bytes.processed", processed)
        if job.destination is not None and self.destinationTable:
            outputs["destinationTable"] = _table_output(job.destination)
        if job.num_dml_affected_rows is not None:
            outputs["numDmlAffectedRows"] = int(job.num_dml_affected_rows)
        return outputs
