"""Logs (levels, filters, order) and the key/value store (TTL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lanner.models.execution import LogEntry
from lanner.storage.ports import KVEntry
from lanner.storage.sql import SqlStore

from .factories import T0, later


async def test_logs_filter_by_level_task_run_and_attempt(store: SqlStore) -> None:
    def entry(level: str, message: str, run: str | None = None, attempt: int | None = None) -> LogEntry:
        return LogEntry("ex1", level, message, T0, "ns", "flow", "task" if run else None, run, attempt)

    await store.append_logs([entry("TRACE", "t"), entry("DEBUG", "d", "r1", 1), entry("INFO", "i", "r1", 2)])
    await store.append_logs([entry("WARN", "w", "r2", 1), entry("ERROR", "e", "r1", 2)])
    await store.append_logs([LogEntry("ex2", "ERROR", "other", T0)])
    await store.append_logs([])

    everything = await store.get_logs("ex1")
    assert [e.message for e in everything] == ["t", "d", "i", "w", "e"]
    assert everything[1] == entry("DEBUG", "d", "r1", 1)
    assert [e.message for e in await store.get_logs("ex1", min_level="INFO")] == ["i", "w", "e"]
    assert [e.message for e in await store.get_logs("ex1", min_level="warning")] == ["w", "e"]
    assert [e.message for e in await store.get_logs("ex1", task_run_id="r1")] == ["d", "i", "e"]
    assert [e.message for e in await store.get_logs("ex1", task_run_id="r1", attempt=2)] == ["i", "e"]
    assert [e.message for e in await store.get_logs("ex1", min_level="ERROR", task_run_id="r1")] == ["e"]
    with pytest.raises(ValueError, match="unknown log level"):
        await store.get_logs("ex1", min_level="LOUD")


async def test_kv_set_get_list_delete(store: SqlStore) -> None:
    await store.kv_set(KVEntry("ns", "b", {"nested": [1, 2]}))
    await store.kv_set(KVEntry("ns", "a", "text"))
    await store.kv_set(KVEntry("ns", "a", 42))
    await store.kv_set(KVEntry("other", "a", None))

    got = await store.kv_get("ns", "a")
    assert got is not None and (got.value, got.expires_at) == (42, None)
    assert got.updated is not None and got.updated.tzinfo is not None
    assert [(e.key, e.value) for e in await store.kv_list("ns")] == [("a", 42), ("b", {"nested": [1, 2]})]
    none_value = await store.kv_get("other", "a")
    assert none_value is not None and none_value.value is None
    assert await store.kv_get("ns", "missing") is None
    assert await store.kv_delete("ns", "a") is True
    assert await store.kv_delete("ns", "a") is False
    assert [e.key for e in await store.kv_list("ns")] == ["b"]


async def test_expired_kv_entries_are_invisible_and_purged(store: SqlStore) -> None:
    soon = datetime.now(UTC) + timedelta(minutes=1)
    await store.kv_set(KVEntry("ns", "short", 1, expires_at=soon))
    await store.kv_set(KVEntry("ns", "long", 2, expires_at=soon + timedelta(hours=1)))
    await store.kv_set(KVEntry("ns", "past", 3, expires_at=datetime.now(UTC) - timedelta(seconds=1)))

    assert await store.kv_get("ns", "past") is None
    short = await store.kv_get("ns", "short")
    assert short is not None and short.expires_at == soon
    assert [e.key for e in await store.kv_list("ns")] == ["long", "short"]

    store.clock = later(120)
    assert await store.kv_get("ns", "short") is None
    assert [e.key for e in await store.kv_list("ns")] == ["long"]
    assert await store.kv_delete("ns", "short") is False  # expired: as good as gone
    await store.kv_set(KVEntry("ns", "short", "again"))  # overwriting an expired key revives it
    again = await store.kv_get("ns", "short")
    assert again is not None and (again.value, again.expires_at) == ("again", None)
