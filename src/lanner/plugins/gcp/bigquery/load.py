"""BigQuery Load: a file from internal storage into a table, through a load job."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanner.errors import TaskFailure
from lanner.plugins.api_client import render_text
from lanner.plugins.gcp.bigquery.connection import BigQueryConnection, Disposition, failure, require_bigquery
from lanner.plugins.gcp.bigquery.query import table_reference
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext

__all__ = ["CsvOptions", "Load", "SchemaField"]

#: Kestra's `JSON` is BigQuery's newline-delimited JSON
_FORMATS = {"CSV": "CSV", "JSON": "NEWLINE_DELIMITED_JSON", "NEWLINE_DELIMITED_JSON": "NEWLINE_DELIMITED_JSON"}


class SchemaField(BaseModel):
    """One column of the destination table."""

    name: str = Field(min_length=1, description="Column name.")
    type: str = Field(description="BigQuery type: `STRING`, `INTEGER`, `FLOAT`, `NUMERIC`, `BOOLEAN`, `TIMESTAMP`, `DATE`…")
    mode: Literal["NULLABLE", "REQUIRED", "REPEATED"] = Field(default="NULLABLE", description="Column mode.")
    description: str | None = Field(default=None, description="Column description.")


class TableSchema(BaseModel):
    """Kestra's `schema: {fields: [...]}`."""

    fields: list[SchemaField] = Field(min_length=1, description="The columns, in file order.")


class CsvOptions(BaseModel):
    """How a CSV file is read."""

    fieldDelimiter: str = Field(default=",", description="Column separator.")
    skipLeadingRows: int = Field(default=0, ge=0, description="Header rows to skip.")
    quote: str = Field(default='"', description="Quote character.")
    allowJaggedRows: bool = Field(default=False, description="Accept rows missing trailing optional columns.")
    allowQuotedNewlines: bool = Field(default=False, description="Accept newlines inside quoted values.")
    encoding: Literal["UTF-8", "ISO-8859-1"] = Field(default="UTF-8", description="File encoding.")


class Load(BigQueryConnection, Disposition, RunnableTask):
    """Load a file of internal storage (CSV or newline-delimited JSON) into a BigQuery table.

    The file is uploaded with the load job; give the table's `schema` or let BigQuery `autodetect` it.
    Outputs the `jobId`, the number of `rows` loaded and the `destinationTable`.
    """

    type: Literal["lanner.gcp.bigquery.Load", "io.kestra.plugin.gcp.bigquery.Load"]
    from_: str = Field(
        alias="from",
        description="Internal storage URI of the file to load.",
        examples=["{{ outputs.extract.uri }}"],
    )
    destinationTable: str = Field(
        min_length=1, description="Table to load into: `dataset.table` or `project.dataset.table`.", examples=["raw.orders"]
    )
    format: Literal["CSV", "JSON", "NEWLINE_DELIMITED_JSON"] = Field(
        default="CSV", description="File format: `CSV` or newline-delimited JSON (`NEWLINE_DELIMITED_JSON`, or Kestra's `JSON`)."
    )
    csvOptions: CsvOptions | None = Field(default=None, description="How a CSV file is read.")
    autodetect: bool = Field(default=False, description="Let BigQuery infer the columns from the file.")
    schema_: TableSchema | None = Field(default=None, alias="schema", description="Columns of the destination table.")
    ignoreUnknownValues: bool = Field(default=False, description="Ignore values that match no column.")
    maxBadRecords: int = Field(default=0, ge=0, description="Bad records accepted before the job fails.")

    model_config = ConfigDict(populate_by_name=True)

    async def run(self, ctx: RunContext) -> Output:
        bigquery = require_bigquery()
        uri = await render_text(ctx, self.from_, "from")
        if not uri:
            raise TaskFailure("`from` is empty: give the internal storage URI of the file to load", retryable=False)
        path = await ctx.storage.fetch(uri, (await ctx.working_dir()) / "load-source")
        client = await self.client(ctx)
        try:
            destination = table_reference(
                bigquery, await render_text(ctx, self.destinationTable, "destinationTable"), client.project
            )
            job = await asyncio.to_thread(self._load, client, path, destination, self._config(bigquery))
            ctx.logger.info(f"BigQuery load job {job.job_id} started")
            try:
                await asyncio.to_thread(job.result)
            except Exception as exc:
                raise failure(exc, f"load job {job.job_id}") from exc
        finally:
            await asyncio.to_thread(client.close)
        rows = int(job.output_rows or 0)
        ctx.metric("rows", rows)
        ctx.logger.info(f"loaded {rows} rows into {destination.project}.{destination.dataset_id}.{destination.table_id}")
        return {
            "jobId": job.job_id,
            "rows": rows,
            "destinationTable": {
                "project": destination.project,
                "dataset": destination.dataset_id,
                "table": destination.table_id,
            },
        }

    def _config(self, bigquery: Any) -> Any:
        config = bigquery.LoadJobConfig(
            source_format=_FORMATS[self.format],
            autodetect=self.autodetect,
            ignore_unknown_values=self.ignoreUnknownValues,
            max_bad_records=self.maxBadRecords,
        )
        if self.schema_ is not None:
            config.schema = [
                bigquery.SchemaField(f.name, f.type.upper(), mode=f.mode, description=f.description) for f in self.schema_.fields
            ]
        if self.writeDisposition:
            config.write_disposition = self.writeDisposition
        if self.createDisposition:
            config.create_disposition = self.createDisposition
        if self.csvOptions is not None and _FORMATS[self.format] == "CSV":
            options = self.csvOptions
            config.field_delimiter = options.fieldDelimiter
            config.skip_leading_rows = options.skipLeadingRows
            config.quote_character = options.quote
            config.allow_jagged_rows = options.allowJaggedRows
            config.allow_quoted_newlines = options.allowQuotedNewlines
            config.encoding = options.encoding
        return config

    @staticmethod
    def _load(client: Any, path: Path, destination: Any, config: Any) -> Any:
        with path.open("rb") as source:
            try:
                return client.load_table_from_file(source, destination, size=path.stat().st_size, job_config=config)
            except Exception as exc:
                raise failure(exc, "starting the load job") from exc
