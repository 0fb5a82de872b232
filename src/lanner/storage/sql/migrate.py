"""Run the Alembic migrations shipped in ``migrations/`` on a connection (no alembic.ini)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

__all__ = ["MIGRATIONS_DIR", "VERSION_TABLE", "run_migrations"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: not Alembic's default name, so an application sharing the schema keeps its own history
VERSION_TABLE = "lanner_alembic_version"
# Serializes concurrent migrate() calls from several processes on one PostgreSQL database.
_ADVISORY_LOCK_KEY = 0x6C616E6E6572  # "lanner"


def run_migrations(conn: Connection, schema: str | None) -> None:
    """Upgrade to the newest revision inside the caller's transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        if schema is not None:
            quoted = conn.dialect.identifier_preparer.quote_schema(schema)
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
