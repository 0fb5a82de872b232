"""PostgreSQL COPY: load a file from internal storage into a table, or export a table or query to a file."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import Field, field_validator

from lanner.errors import LannerError, TaskFailure
from lanner.plugins.postgres.connection import PostgresConnection, connect, require_psycopg
from lanner.plugins.postgres.statements import sql_failure
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext

__all__ = ["CopyIn", "CopyOut", "copy_statement"]

_CHUNK = 1 << 20
_ESCAPES = {"\\t": "\t", "\\n": "\n", "\\r": "\r"}


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _char(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    value = _ESCAPES.get(value, value)
    if len(value) != 1:
        raise ValueError(f"{name} must be one character (or \\t), got {value!r}")
    return value


class _CopyOptions(PostgresConnection, RunnableTask):
    """The options of PostgreSQL's COPY, as Kestra's CopyIn/CopyOut name them."""

    table: str | None = Field(default=None, description="Table (optionally schema-qualified).", examples=["public.orders"])
    columns: list[str] | None = Field(default=None, description="Columns copied, in file order (all columns when unset).")
    format: Literal["TEXT", "CSV", "BINARY"] = Field(default="TEXT", description="File format (PostgreSQL's COPY formats).")
    header: bool | None = Field(
        default=None, description="CSV only: the file has a header line (written on export, skipped on load)."
    )
    delimiter: str | None = Field(
        default=None, description="Column separator, one character (`\\t` for a tab); CSV default `,`, TEXT default tab."
    )
    nullString: str | None = Field(
        default=None, description="The string that means NULL (TEXT default `\\N`, CSV default an empty unquoted value)."
    )
    quote: str | None = Field(default=None, description='CSV quoting character (default `"`).')
    escape: str | None = Field(default=None, description="CSV escape character (default: the quote character).")
    forceQuote: list[str] | None = Field(default=None, description='CopyOut, CSV: columns always quoted (`["*"]`: all).')
    forceNotNull: list[str] | None = Field(
        default=None, description="CopyIn, CSV: columns whose empty values are empty strings, not NULL."
    )
    forceNull: list[str] | None = Field(default=None, description="CopyIn, CSV: columns whose quoted empty values are NULL.")
    encoding: str | None = Field(default=None, description="File encoding (default: the client encoding, UTF-8).")
    freeze: bool | None = Field(default=None, description="CopyIn: load the rows already frozen (COPY FREEZE).")
    oids: bool | None = Field(default=None, description="Kestra property for servers before PostgreSQL 12; ignored.")

    @field_validator("delimiter", "quote", "escape")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        _char(value, "this option")
        return value

    def options(self) -> list[str]:
        options: list[str] = []
        if self.format != "TEXT":
            options.append(f"FORMAT {self.format}")
        if self.freeze:
            options.append("FREEZE")
        for name, value in (("DELIMITER", self.delimiter), ("QUOTE", self.quote), ("ESCAPE", self.escape)):
            char = _char(value, name.lower())
            if char is not None:
                options.append(f"{name} {_literal(char)}")
        if self.nullString is not None:
            options.append(f"NULL {_literal(self.nullString)}")
        if self.header is not None:
            options.append(f"HEADER {'TRUE' if self.header else 'FALSE'}")
        if self.forceQuote:
            options.append("FORCE_QUOTE " + ("*" if self.forceQuote == ["*"] else "(" + ", ".join(self.forceQuote) + ")"))
        if self.forceNotNull:
            options.append("FORCE_NOT_NULL (" + ", ".join(self.forceNotNull) + ")")
        if self.forceNull:
            options.append("FORCE_NULL (" + ", ".join(self.forceNull) + ")")
        if self.encoding:
            options.append(f"ENCODING {_literal(self.encoding)}")
        return options


def copy_statement(source: str, direction: str, options: list[str]) -> str:
    """``COPY <source> <direction> [WITH (options)]``."""
    return f"COPY {source} {direction}" + (f" WITH ({', '.join(options)})" if options else "")


class CopyIn(_CopyOptions):
    """Load a file from internal storage into a PostgreSQL table with COPY (CSV, text or binary).

    Outputs `rowCount`, the number of rows loaded; the load is one transaction.
    """

    type: Literal["lanner.postgres.CopyIn", "io.kestra.plugin.jdbc.postgresql.CopyIn"]
    from_: str = Field(
        alias="from",
        description="Internal storage URI of the file to load.",
        examples=["{{ outputs.download.uri }}"],
    )

    async def run(self, ctx: RunContext) -> Output:
        psycopg = require_psycopg()
        if not self.table:
            raise TaskFailure("CopyIn needs `table`", retryable=False)
        uri = str(await ctx.render(self.from_))
        work_dir = await ctx.working_dir()
        local = work_dir / ".lanner-copy-in"
        try:
            await ctx.storage.fetch(uri, local)
        except (LannerError, OSError) as exc:
            raise TaskFailure(f"from: cannot read {uri}: {exc}", retryable=False) from exc
        table = str(await ctx.render(self.table))
        columns = [str(c) for c in await ctx.render(list(self.columns or []))]
        target = table + (f" ({', '.join(columns)})" if columns else "")
        sql = copy_statement(target, "FROM STDIN", self.options())
        ctx.logger.debug(f"starting {sql}")
        conn = await connect(await self.connection_kwargs(ctx, ctx.render, work_dir))
        try:
            async with conn.cursor() as cursor:
                async with cursor.copy(sql) as copy:
                    with local.open("rb") as source:
                        while chunk := await asyncio.to_thread(source.read, _CHUNK):
                            await copy.write(chunk)
                rows = cursor.rowcount
            await conn.commit()
        except psycopg.Error as exc:
            raise sql_failure(exc) from exc
        finally:
            await conn.close()
        ctx.metric("rows", rows)
        ctx.logger.info(f"loaded {rows} row(s) into {table}")
        return {"rowCount": rows}


class CopyOut(_CopyOptions):
    """Export a PostgreSQL table or query result to a file in internal storage with COPY.

    Give `table` (and `columns`) or `sql`. Outputs `uri` (the file) and `rowCount`.
    """

    type: Literal["lanner.postgres.CopyOut", "io.kestra.plugin.jdbc.postgresql.CopyOut"]
    sql: str | None = Field(
        default=None,
        description="A SELECT (or INSERT/UPDATE/DELETE … RETURNING) whose rows are exported; wins over `table`.",
        examples=["SELECT * FROM orders WHERE day = '{{ execution.startDate | date('yyyy-MM-dd') }}'"],
    )

    async def run(self, ctx: RunContext) -> Output:
        psycopg = require_psycopg()
        if self.sql:
            source = "(" + str(await ctx.render(self.sql)).strip().rstrip(";") + ")"
        elif self.table:
            columns = [str(c) for c in await ctx.render(list(self.columns or []))]
            source = str(await ctx.render(self.table)) + (f" ({', '.join(columns)})" if columns else "")
        else:
            raise TaskFailure("CopyOut needs `sql` or `table`", retryable=False)
        sql = copy_statement(source, "TO STDOUT", self.options())
        work_dir = await ctx.working_dir()
        suffix = {"CSV": ".csv", "TEXT": ".tsv", "BINARY": ".bin"}[self.format]
        local = work_dir / f"copy-out{suffix}"
        ctx.logger.debug(f"starting {sql}")
        conn = await connect(await self.connection_kwargs(ctx, ctx.render, work_dir))
        rows: Any = 0
        try:
            async with conn.cursor() as cursor:
                with local.open("wb") as target:
                    async with cursor.copy(sql) as copy:
                        async for chunk in copy:
                            await asyncio.to_thread(target.write, chunk)
                rows = cursor.rowcount
        except psycopg.Error as exc:
            raise sql_failure(exc) from exc
        finally:
            await conn.close()
        ctx.metric("rows", rows)
        return {"uri": await ctx.storage.put(local, local.name), "rowCount": rows}
