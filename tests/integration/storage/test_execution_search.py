"""Execution search options the API needs (exact namespace, children, text, sort), and logs by task."""

from __future__ import annotations

from datetime import timedelta

from lanner.models.execution import LogEntry
from lanner.models.state import State
from lanner.storage.ports import ExecutionQuery
from lanner.storage.sql import SqlStore

from .factories import T0, execution


async def test_exact_namespace_children_text_and_sort(store: SqlStore) -> None:
    top = execution(namespace="company", flow_id="zeta", state=State.SUCCESS, created=T0)
    sub = execution(namespace="company.team", flow_id="alpha", state=State.FAILED, created=T0 + timedelta(minutes=1))
    child = execution(
        namespace="company.team", flow_id="alpha", state=State.RUNNING, created=T0 + timedelta(minutes=2), parent_id=top.id
    )
    for ex in (top, sub, child):
        await store.create_execution(ex)

    async def ids(**query: object) -> list[str]:
        page = await store.search_executions(ExecutionQuery(**query))  # type: ignore[arg-type]
        return [e.id for e in page.results]

    assert await ids(namespace="company") == [child.id, sub.id, top.id]
    assert await ids(namespace="company", exact_namespace=True) == [top.id]
    assert await ids(children=True) == [child.id]
    assert await ids(children=False) == [sub.id, top.id]
    assert await ids(text="ZET") == [top.id]
    assert await ids(text=sub.id[:10]) == [sub.id]
    assert await ids(text="%") == []  # wildcards are plain text
    assert await ids(sort=[("start_date", False)]) == [top.id, sub.id, child.id]
    assert await ids(sort=[("flow_id", False), ("state", True)]) == [child.id, sub.id, top.id]
    assert await ids(sort=[("id", True)]) == sorted([top.id, sub.id, child.id], reverse=True)
    # executions that have not ended come last, whatever the direction
    assert (await ids(sort=[("end_date", True)]))[-1] == child.id
    assert (await ids(sort=[("end_date", False)]))[-1] == child.id


async def test_logs_by_task_id(store: SqlStore) -> None:
    await store.append_logs(
        [
            LogEntry("ex", "INFO", "one", T0, task_id="a", task_run_id="r1", attempt=1),
            LogEntry("ex", "INFO", "two", T0, task_id="b", task_run_id="r2", attempt=1),
            LogEntry("ex", "WARN", "three", T0, task_id="a", task_run_id="r3", attempt=2),
        ]
    )

    assert [e.message for e in await store.get_logs("ex", task_id="a")] == ["one", "three"]
    assert [e.message for e in await store.get_logs("ex", "WARN", task_id="a")] == ["three"]
    assert await store.get_logs("ex", task_id="c") == []
