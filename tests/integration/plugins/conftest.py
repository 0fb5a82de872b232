"""Fixtures of the plugin tests: a PostgreSQL schema of their own on the test server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from tests.conftest import PG_URL, _pg_connection


@dataclass(frozen=True, slots=True)
class PgSchema:
    """A fresh schema on the test PostgreSQL: ``jdbc_url`` selects it with ``currentSchema``."""

    name: str
    conn: asyncpg.Connection

    @property
    def jdbc_url(self) -> str:
        return "jdbc:" + PG_URL.split("?")[0] + f"?currentSchema={self.name}"

    @property
    def url(self) -> str:
        return PG_URL

    async def rows(self, sql: str) -> list[dict[str, object]]:
        return [dict(r) for r in await self.conn.fetch(sql.replace("{schema}", self.name))]


@pytest.fixture
async def pg_schema() -> AsyncIterator[PgSchema]:
    conn = await _pg_connection()
    name = f"plugin_test_{uuid.uuid4().hex[:12]}"
    await conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield PgSchema(name, conn)
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        await conn.close()
