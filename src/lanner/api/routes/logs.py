"""Logs: ``/api/v1/logs/{executionId}…`` — list, download and follow an execution's logs.

Entries have Kestra's ``LogEntry`` shape. Secrets were masked when the lines were written.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from lanner.api.deps import engine_of
from lanner.api.sse import POLL_SECONDS, sse_event, sse_response
from lanner.engine.engine import Engine
from lanner.models.execution import LogEntry

__all__ = ["router"]

router = APIRouter(tags=["Logs"])

Level = Literal["TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR"]
MinLevel = Annotated[Level | None, Query(description="Keep this level and the more severe ones.")]
TaskRunId = Annotated[str | None, Query(description="Only the lines of this task run.")]
TaskId = Annotated[str | None, Query(description="Only the lines of this task.")]
AttemptNumber = Annotated[int | None, Query(ge=1, description="Only the lines of this attempt.")]


async def _logs(
    engine: Engine,
    execution_id: str,
    min_level: str | None,
    task_run_id: str | None = None,
    task_id: str | None = None,
    attempt: int | None = None,
) -> list[LogEntry]:
    return await engine.store.get_logs(execution_id, min_level, task_run_id, attempt, task_id)


@router.get("/logs/{execution_id}", summary="Get the logs of an execution, a task run or a task")
async def list_logs(
    request: Request,
    execution_id: str,
    minLevel: MinLevel = None,
    taskRunId: TaskRunId = None,
    taskId: TaskId = None,
    attempt: AttemptNumber = None,
) -> list[dict[str, Any]]:
    engine = engine_of(request)
    await engine.get(execution_id)  # 404 for an unknown execution
    return [entry.to_api() for entry in await _logs(engine, execution_id, minLevel, taskRunId, taskId, attempt)]


@router.get(
    "/logs/{execution_id}/download",
    summary="Download the logs of an execution as text",
    response_class=PlainTextResponse,
)
async def download_logs(
    request: Request,
    execution_id: str,
    minLevel: MinLevel = None,
    taskRunId: TaskRunId = None,
    taskId: TaskId = None,
    attempt: AttemptNumber = None,
) -> PlainTextResponse:
    engine = engine_of(request)
    found = await engine.get(execution_id)
    entries = await _logs(engine, execution_id, minLevel, taskRunId, taskId, attempt)
    headers = {"Content-Disposition": f'attachment; filename="{execution_id}.log"'}
    if not found.execution.state.is_terminal:
        headers["Cache-Control"] = "no-cache"
    return PlainTextResponse("".join(_line(entry) for entry in entries), headers=headers)


def _line(entry: LogEntry) -> str:
    moment = entry.to_api()["timestamp"]
    task = f" [{entry.task_id}]" if entry.task_id else ""
    return f"{moment} {entry.level}{task} {entry.message}\n"


@router.get("/logs/{execution_id}/follow", summary="Follow the logs of an execution (Server-Sent Events until it ends)")
async def follow_logs(request: Request, execution_id: str, minLevel: MinLevel = None) -> StreamingResponse:
    engine = engine_of(request)
    await engine.get(execution_id)
    return sse_response(_follow(engine, execution_id, minLevel))


async def _follow(engine: Engine, execution_id: str, min_level: str | None) -> AsyncIterator[str]:
    """An empty ``start`` event (as Kestra sends), then each line once as ``progress``; the
    stream ends once the execution has ended and its last lines were sent."""
    yield sse_event({}, event_id="start")
    sent: Counter[tuple[Any, ...]] = Counter()
    while True:
        # The state is read before the lines: lines written up to the end are then all seen.
        state = await engine.store.execution_state(execution_id)
        entries = await _logs(engine, execution_id, min_level)
        # Lines of concurrent attempts may become visible out of order: each line is counted,
        # not located by position, so none is skipped or sent twice.
        seen: Counter[tuple[Any, ...]] = Counter()
        # the new lines of one look go out as one chunk: an ended execution's thousand lines
        # are then one write, not a thousand (each its own trip through the event loop)
        frames: list[str] = []
        for entry in entries:
            key = (entry.timestamp, entry.task_run_id, entry.attempt, entry.level, entry.message)
            seen[key] += 1
            if seen[key] > sent[key]:
                sent[key] += 1
                frames.append(sse_event(entry.to_api(), event_id="progress"))
        if frames:
            yield "".join(frames)
        if state is None or state.is_terminal:
            return
        await asyncio.sleep(POLL_SECONDS)
