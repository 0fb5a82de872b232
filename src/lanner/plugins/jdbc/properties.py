"""The properties every SQL query task and trigger shares (Kestra's JDBC query properties)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from lanner.plugins.jdbc.collect import FetchType, StoreFormat

__all__ = ["QueryProperties"]


class QueryProperties(BaseModel):
    """Mixed into a task or trigger class next to its base (``class Query(QueryProperties, RunnableTask)``)."""

    sql: str = Field(
        min_length=1,
        description="The SQL to run; expressions are rendered first. Use `:name` placeholders with `parameters` "
        "rather than rendering values into the SQL.",
        examples=["SELECT * FROM orders WHERE day = :day"],
    )
    parameters: dict[str, Any] | None = Field(
        default=None,
        description="Values bound to the `:name` placeholders of the SQL (rendered first). Placeholders inside "
        "string literals, quoted names, comments and `::` casts are left alone.",
        examples=[{"day": "{{ trigger.date ?? execution.startDate | date('yyyy-MM-dd') }}"}],
    )
    fetchType: FetchType = Field(
        default="NONE",
        description="What becomes of the rows: `NONE` (nothing), `FETCH_ONE` (the first row as `row`), `FETCH` "
        "(every row as `rows`; keep it for small results) or `STORE` (every row to a file in internal storage, "
        "`uri`). `size` is the number of rows kept.",
    )
    fetchSize: int = Field(
        default=10_000, ge=1, description="Rows read per round trip to the database (STORE reads in batches of this size)."
    )
    storeFormat: StoreFormat = Field(
        default="ION",
        description="File format of `fetchType: STORE`: `ION` (Amazon Ion text, one row per line, as Kestra writes "
        "it) or `JSONL` (JSON lines, easiest to read from scripts and DuckDB).",
    )
    timeZoneId: str | None = Field(
        default=None, description="Time zone of the session (for example `Europe/Paris`): how timestamps are shown."
    )
    fetch: bool = Field(default=False, description="Deprecated Kestra property: use `fetchType: FETCH`.")
    fetchOne: bool = Field(default=False, description="Deprecated Kestra property: use `fetchType: FETCH_ONE`.")
    store: bool = Field(default=False, description="Deprecated Kestra property: use `fetchType: STORE`.")

    def resolved_fetch_type(self) -> FetchType:
        """``fetchType``, unless a deprecated flag asks for another (Kestra's precedence)."""
        if self.fetch:
            return "FETCH"
        if self.fetchOne:
            return "FETCH_ONE"
        if self.store:
            return "STORE"
        return self.fetchType
