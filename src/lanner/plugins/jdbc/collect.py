"""What a query's rows become, by ``fetchType``: nothing, the first row, every row, or a file.

``STORE`` streams the rows to a file in the attempt's working directory (Amazon Ion text like
Kestra, or JSON lines), then uploads it to internal storage; the other types keep the rows in
memory, converted to JSON-friendly values.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Literal

from lanner.plugins.jdbc.cells import to_output
from lanner.plugins.jdbc.ion import ion_text
from lanner.tasks.context import RunContext

__all__ = ["FetchType", "ResultCollector", "StoreFormat"]

FetchType = Literal["NONE", "FETCH_ONE", "FETCH", "STORE"]
StoreFormat = Literal["ION", "JSONL"]

_SUFFIX = {"ION": ".ion", "JSONL": ".jsonl"}


class ResultCollector:
    """Collects the rows of one statement result as ``fetch_type`` asks.

    Feed batches with ``add`` (it returns False once no more rows are wanted), then ``finish``
    gives the outputs: ``row`` (FETCH_ONE), ``rows`` (FETCH), ``uri`` (STORE) and ``size``.
    """

    def __init__(
        self,
        fetch_type: FetchType,
        columns: Sequence[str],
        *,
        store_dir: Path | None = None,
        store_format: StoreFormat = "ION",
        name: str = "result",
    ) -> None:
        self.fetch_type = fetch_type
        self.columns = list(columns)
        self.size = 0
        self.rows: list[dict[str, Any]] = []
        self.store_format = store_format
        self.path: Path | None = None
        self._file: IO[str] | None = None
        if fetch_type == "STORE":
            if store_dir is None:
                raise ValueError("STORE needs a directory for the file")
            self.path = store_dir / f"{name}{_SUFFIX[store_format]}"

    @property
    def wants_rows(self) -> bool:
        return self.fetch_type in ("FETCH", "STORE") or (self.fetch_type == "FETCH_ONE" and self.size == 0)

    async def add(self, batch: Sequence[Sequence[Any]]) -> bool:
        """Take a batch of rows (tuples in column order); False when no more rows are wanted."""
        if not self.wants_rows:
            return False
        if self.fetch_type == "FETCH_ONE":
            batch = batch[:1]
        if self.fetch_type == "STORE":
            await asyncio.to_thread(self._write, [dict(zip(self.columns, row, strict=False)) for row in batch])
        else:
            self.rows.extend({col: to_output(value) for col, value in zip(self.columns, row, strict=False)} for row in batch)
        self.size += len(batch)
        return self.wants_rows

    def _write(self, records: list[dict[str, Any]]) -> None:
        if self._file is None:
            assert self.path is not None
            self._file = self.path.open("w", encoding="utf-8")
        if self.store_format == "ION":
            lines = [ion_text(record) for record in records]
        else:
            lines = [json.dumps(to_output(record), ensure_ascii=False) for record in records]
        if lines:
            self._file.write("\n".join(lines) + "\n")

    async def finish(self, ctx: RunContext | None) -> dict[str, Any]:
        """The outputs of this result; a STORE file is uploaded through ``ctx.storage``."""
        if self.fetch_type == "NONE":
            return {}
        if self.fetch_type == "FETCH_ONE":
            return {"row": self.rows[0] if self.rows else None, "size": self.size}
        if self.fetch_type == "FETCH":
            return {"rows": self.rows, "size": self.size}
        await asyncio.to_thread(self._close)
        assert self.path is not None and ctx is not None
        if not self.path.exists():
            await asyncio.to_thread(self.path.write_text, "")
        return {"uri": await ctx.storage.put(self.path, self.path.name), "size": self.size}

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def close(self) -> None:
        """Close the file of an abandoned STORE (on failure)."""
        self._close()
