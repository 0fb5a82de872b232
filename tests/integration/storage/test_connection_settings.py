"""How a process meets its database: it waits for one that cannot be reached yet, and its
PostgreSQL sessions do not keep locks forever when their host is cut off mid-transaction."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from lanner.bootstrap import open_store
from lanner.errors import StorageUnavailable
from lanner.settings import Settings
from lanner.storage.sql import create_store

from ...conftest import Backend


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


async def test_a_process_keeps_trying_to_reach_the_database_then_says_it_cannot(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/test"
    settings = Settings(data_dir=tmp_path, database_url=url, database_connect_timeout=1.0)
    caplog.set_level(logging.WARNING, logger="lanner.bootstrap")
    with pytest.raises(StorageUnavailable, match="cannot be reached"):
        async with open_store(settings):
            pass
    retries = [r for r in caplog.records if "trying again" in r.getMessage()]
    assert len(retries) >= 2, caplog.text


async def test_postgres_sessions_end_when_idle_inside_a_transaction(backend: Backend) -> None:
    if backend.name != "postgres":
        pytest.skip("a PostgreSQL server setting")
    store = create_store(backend.url, schema=backend.schema, idle_in_transaction_timeout=1.5)
    try:
        await store.migrate()
        shown = await store._db.read(lambda conn: conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar())
        assert shown == "1500ms"
    finally:
        await store.close()
    default = create_store(backend.url, schema=backend.schema)
    try:
        shown = await default._db.read(lambda conn: conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar())
        assert shown == "0"  # off unless asked (the server settings give 60 s by default)
    finally:
        await default.close()
