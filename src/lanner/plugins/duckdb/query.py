"""DuckDB Query: the embedded warehouse for local work (files in, files out, a database file or memory)."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from lanner.errors import LannerError, TaskFailure
from lanner.plugins.jdbc import QueryProperties, ResultCollector, bind_parameters, split_statements
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext
from lanner.tasks.scripts.files import input_file_map, storage_name, write_input_files

__all__ = ["Query", "database_path", "returns_rows"]

INSTALL_HINT = "the DuckDB plugin needs duckdb: pip install 'lanner[duckdb]'"
_OUTPUT_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_FIRST_WORD = re.compile(r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*\(?\s*([A-Za-z]+)", re.DOTALL)
#: statements whose result is rows even when it is one `Count` column (DuckDB answers DDL and DML with one)
_QUERY_WORDS = frozenset(
    {"select", "with", "from", "values", "table", "describe", "show", "summarize", "pragma", "call", "explain"}
)


def returns_rows(statement: str, columns: list[str]) -> bool:
    """Whether a statement's result is rows to keep, not DuckDB's row count of a DDL or DML statement."""
    if columns != ["Count"]:
        return True
    match = _FIRST_WORD.match(statement)
    return (match is not None and match.group(1).lower() in _QUERY_WORDS) or "returning" in statement.lower()


def database_path(url: str | None) -> str:
    """The DuckDB database for a Kestra URL: ``jdbc:duckdb:`` → memory, ``jdbc:duckdb:/path/x.db`` → that file."""
    raw = (url or "").strip()
    for prefix in ("jdbc:duckdb:", "duckdb:"):
        if raw.startswith(prefix):
            raw = raw[len(prefix) :]
            break
    raw = raw.split("?", 1)[0]
    return raw if raw and raw != ":memory:" else ":memory:"


def _require_duckdb() -> Any:
    try:
        import duckdb
    except ImportError as exc:
        raise TaskFailure(INSTALL_HINT, retryable=False) from exc
    return duckdb


class Query(QueryProperties, RunnableTask):
    """Run SQL on DuckDB, in memory or on a database file, reading and writing local files.

    `inputFiles` are written to the working directory first (`{{ workingDir }}` in the SQL);
    each name in `outputFiles` is a path `{{ outputFiles.<name> }}` the SQL can write to (for
    example with `COPY … TO`), uploaded to internal storage afterwards. Several statements
    separated by `;` run in order; the outputs are those of the last one that returned rows.
    """

    type: Literal["lanner.duckdb.Query", "io.kestra.plugin.jdbc.duckdb.Query"]
    url: str = Field(
        default="jdbc:duckdb:",
        description="`jdbc:duckdb:` for a fresh in-memory database, `jdbc:duckdb:/path/warehouse.duckdb` for a "
        "database file on the worker (created if missing).",
        examples=["jdbc:duckdb:/var/lib/lanner/warehouse.duckdb"],
    )
    databaseFile: str | None = Field(
        default=None,
        description="Path of a database file on the worker; wins over `url`. Relative paths are in the working directory.",
        examples=["/var/lib/lanner/warehouse.duckdb"],
    )
    databaseUri: str | None = Field(
        default=None,
        description="Internal storage URI of a database file (e.g. `{{ outputs.previous.databaseUri }}`) copied to the "
        "working directory and opened.",
    )
    outputDbFile: bool = Field(
        default=False, description="Upload the database file after the run; its URI is the `databaseUri` output."
    )
    inputFiles: dict[str, Any] | str | None = Field(
        default=None,
        description="Files written to the working directory before the SQL runs: name → content or internal storage URI.",
        examples=[{"orders.csv": "{{ outputs.download.uri }}"}],
    )
    outputFiles: list[str] | None = Field(
        default=None,
        description="Names of files the SQL writes to `{{ outputFiles.<name> }}`; each is uploaded and read as "
        "`{{ outputs.<task>.outputFiles.<name> }}`.",
        examples=[["report"]],
    )
    username: str | None = Field(default=None, description="Kestra JDBC property; DuckDB has no users, so it is ignored.")
    password: str | None = Field(default=None, description="Kestra JDBC property; ignored.")
    autoCommit: bool | None = Field(default=None, description="Kestra JDBC property; ignored (DuckDB commits each statement).")

    @field_validator("outputFiles")
    @classmethod
    def _output_names(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            if not _OUTPUT_KEY.match(name):
                raise ValueError(f"output file name {name!r} must be a plain file name (letters, digits, . _ -)")
        return value

    async def run(self, ctx: RunContext) -> Output:
        duckdb = _require_duckdb()
        work_dir = await ctx.working_dir()
        files = input_file_map(await ctx.render(self.inputFiles))
        await write_input_files(ctx, work_dir, files)
        output_paths = {name: str(work_dir / name) for name in self.outputFiles or []}
        extra = {"workingDir": str(work_dir), "outputFiles": output_paths}
        database = await self._database(ctx, work_dir)
        sql = str(await ctx.render(self.sql, extra))
        statements = split_statements(sql)
        if not statements:
            raise TaskFailure("`sql` has no statement to run", retryable=False)
        parameters = await ctx.render(dict(self.parameters), extra) if self.parameters else None
        fetch_type = self.resolved_fetch_type()
        conn = await asyncio.to_thread(self._connect, duckdb, database)
        try:
            results = await self._run_statements(ctx, duckdb, conn, statements, parameters, work_dir)
        finally:
            await asyncio.to_thread(conn.close)
        outputs: dict[str, Any] = dict(results[-1]) if results else {}
        kept = int(outputs.get("size") or 0)
        ctx.metric(
            "fetch.size",
            kept,
            tags={"fetch": str(fetch_type in ("FETCH", "FETCH_ONE")).lower(), "store": str(fetch_type == "STORE").lower()},
        )
        uploaded = {}
        for name, path in output_paths.items():
            if not Path(path).exists():
                raise TaskFailure(f"output file {name!r} was not written by the SQL (expected at {{{{ outputFiles.{name} }}}})")
            uploaded[name] = await ctx.storage.put(Path(path), storage_name(name))
        if uploaded:
            outputs["outputFiles"] = uploaded
        if self.outputDbFile and database != ":memory:":
            outputs["databaseUri"] = await ctx.storage.put(Path(database), storage_name(Path(database).name))
        return outputs

    async def _database(self, ctx: RunContext, work_dir: Path) -> str:
        if self.databaseUri:
            uri = str(await ctx.render(self.databaseUri))
            target = work_dir / "database.duckdb"
            try:
                await ctx.storage.fetch(uri, target)
            except (LannerError, OSError) as exc:
                raise TaskFailure(f"databaseUri: cannot read {uri}: {exc}", retryable=False) from exc
            return str(target)
        if self.databaseFile:
            path = Path(str(await ctx.render(self.databaseFile)))
            return str(path if path.is_absolute() else work_dir / path)
        database = database_path(str(await ctx.render(self.url)))
        if database == ":memory:" and self.outputDbFile:
            return str(work_dir / "database.duckdb")
        return database

    def _connect(self, duckdb: Any, database: str) -> Any:
        if database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = duckdb.connect(database)
        except duckdb.Error as exc:
            raise TaskFailure(f"cannot open DuckDB database {database}: {exc}") from exc
        if self.timeZoneId:
            conn.execute("SET TimeZone = ?", [self.timeZoneId])
        return conn

    async def _run_statements(
        self, ctx: RunContext, duckdb: Any, conn: Any, statements: list[str], parameters: Mapping[str, Any] | None, work_dir: Path
    ) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        fetch_type = self.resolved_fetch_type()
        for index, statement in enumerate(statements):
            sql, values = bind_parameters(statement, parameters, "qmark")
            ctx.logger.debug(f"running statement {index + 1} of {len(statements)}: {statement[:500]}")
            execution = asyncio.ensure_future(asyncio.to_thread(conn.execute, sql, values))
            try:
                cursor = await asyncio.shield(execution)
            except asyncio.CancelledError:
                conn.interrupt()  # the thread keeps running until DuckDB stops the query
                with contextlib.suppress(Exception):
                    await execution
                raise
            except duckdb.Error as exc:
                where = f"statement {index + 1} of {len(statements)}: " if len(statements) > 1 else ""
                raise TaskFailure(f"{where}{exc}", retryable=not isinstance(exc, duckdb.ParserException)) from exc
            columns = [column[0] for column in cursor.description or []]
            if not columns or not returns_rows(statement, columns):
                continue
            collector = ResultCollector(
                fetch_type, columns, store_dir=work_dir, store_format=self.storeFormat, name=f"statement-{index + 1}"
            )
            while collector.wants_rows:
                batch = await asyncio.to_thread(cursor.fetchmany, self.fetchSize if fetch_type != "FETCH_ONE" else 1)
                if not batch:
                    break
                await collector.add(batch)
            results.append(await collector.finish(ctx))
        return results
