"""Alembic environment: runs on the connection that ``SqlStore.migrate()`` passes in.

To write a new revision, change ``schema.py`` and add a file under ``versions/`` (copy
``script.py.mako``); a contract test checks that migrated databases match ``schema.py``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from lanner.storage.sql.migrate import VERSION_TABLE
from lanner.storage.sql.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("Lanner's migrations run through Store.migrate(), which provides the connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
