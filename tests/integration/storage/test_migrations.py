"""Migrations: idempotent, and the migrated database is exactly ``schema.py``."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from lanner.storage.sql import SqlStore
from lanner.storage.sql.migrate import VERSION_TABLE
from lanner.storage.sql.schema import metadata

from .factories import execution


async def test_migrate_is_idempotent_and_keeps_data(store: SqlStore) -> None:
    ex = execution()
    await store.create_execution(ex)

    await store.migrate()
    await store.migrate()

    assert await store.get_execution(ex.id) is not None
    versions = await store._db.read(lambda conn: conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all())
    assert [row[0] for row in versions] == ["0004"]


async def test_the_migrated_database_matches_schema_py(store: SqlStore) -> None:
    def differences(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "version_table": VERSION_TABLE})
        return list(compare_metadata(context, metadata))

    assert await store._db.read(differences) == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sqlite_runs_in_wal_mode(store: SqlStore) -> None:
    mode = await store._db.read(lambda conn: conn.execute(text("PRAGMA journal_mode")).scalar())
    assert mode == "wal"
