"""What users do to executions: kill, restart, replay, resume, change a task run's state,
one at a time or several at once (``…/by-ids``), at Kestra's paths.

The engine records each action for the executor and answers at once; follow the execution
(``GET /executions/{id}/follow``) to see it applied.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lanner.api.deps import engine_of
from lanner.api.execution_views import execution_json
from lanner.api.request_inputs import read_inputs
from lanner.engine.engine import Engine
from lanner.errors import ConflictError, InputError, Issue
from lanner.models.state import State

__all__ = ["router"]

router = APIRouter(tags=["Executions"])

ExecutionIds = Annotated[list[str], Body(description="Ids of the executions.", min_length=1)]


class StateRequest(BaseModel):
    """A task run and the state to give it."""

    model_config = ConfigDict(extra="forbid")

    taskRunId: str = Field(description="Id of the task run to change.")
    state: State = Field(description="The new state: SUCCESS, WARNING or FAILED.")


# --------------------------------------------------------------------------- bulk actions
# Declared before the single-execution routes: `kill/by-ids` must not be read as an id.


async def _bulk(
    engine: Engine, ids: list[str], action: Callable[[str], Awaitable[Any]], check: Callable[[State], str | None], what: str
) -> Response:
    """Kestra's bulk contract: every id is checked first; any invalid one and nothing is done."""
    invalids: list[dict[str, Any]] = []
    for execution_id in dict.fromkeys(ids):
        found = await engine.store.get_execution(execution_id)
        problem = "execution not found" if found is None else check(found.execution.state)
        if problem:
            invalids.append({"message": problem, "invalidValue": execution_id, "path": "execution"})
    if invalids:
        return JSONResponse({"message": f"invalid bulk {what}", "invalids": invalids}, status_code=422)
    for execution_id in dict.fromkeys(ids):
        await action(execution_id)
    return JSONResponse({"count": len(dict.fromkeys(ids))})


def _running(state: State) -> str | None:
    return "execution already finished" if state.is_terminal else None


def _ended(state: State) -> str | None:
    return None if state.is_terminal else f"execution is {state}, not finished"


def _restartable(state: State) -> str | None:
    ok = state in (State.FAILED, State.KILLED, State.CANCELLED, State.WARNING)
    return None if ok else f"execution is {state}; only a failed or killed one restarts"


def _paused(state: State) -> str | None:
    return None if state == State.PAUSED else "execution not in state PAUSED"


@router.delete("/executions/kill/by-ids", summary="Kill a list of executions")
async def kill_by_ids(request: Request, ids: ExecutionIds) -> Response:
    engine = engine_of(request)
    return await _bulk(engine, ids, engine.kill, _running, "kill")


@router.post("/executions/restart/by-ids", summary="Restart a list of executions")
async def restart_by_ids(request: Request, ids: ExecutionIds) -> Response:
    engine = engine_of(request)
    return await _bulk(engine, ids, engine.restart, _restartable, "restart")


@router.post("/executions/resume/by-ids", summary="Resume a list of paused executions")
async def resume_by_ids(request: Request, ids: ExecutionIds) -> Response:
    engine = engine_of(request)
    return await _bulk(engine, ids, engine.resume, _paused, "resume")


@router.post("/executions/replay/by-ids", summary="Create new executions from old ones, keeping the flow revision")
async def replay_by_ids(request: Request, ids: ExecutionIds) -> Response:
    engine = engine_of(request)
    return await _bulk(engine, ids, engine.replay, lambda _: None, "replay")


@router.delete("/executions/by-ids", summary="Delete a list of ended executions")
async def delete_by_ids(request: Request, ids: ExecutionIds) -> Response:
    engine = engine_of(request)
    return await _bulk(engine, ids, engine.delete, _ended, "delete")


# --------------------------------------------------------------------------- one execution


@router.delete(
    "/executions/{execution_id}/kill",
    status_code=202,
    summary="Kill an execution",
    responses={404: {"description": "no such execution"}, 409: {"description": "the execution already ended"}},
)
async def kill_execution(
    request: Request,
    execution_id: str,
    isOnKillCascade: Annotated[bool, Query(description="Kill its subflow executions too (always done).")] = True,
) -> Response:
    await engine_of(request).kill(execution_id)
    return Response(status_code=202)


@router.post(
    "/executions/{execution_id}/restart",
    summary="Restart a failed or killed execution: its failed task runs run again",
    responses={404: {"description": "no such execution"}, 409: {"description": "the execution cannot restart"}},
)
async def restart_execution(request: Request, execution_id: str) -> dict[str, Any]:
    engine = engine_of(request)
    await engine.restart(execution_id)
    found = await engine.get(execution_id)
    return await execution_json(engine, found.execution, found.task_runs)


@router.post(
    "/executions/{execution_id}/replay",
    summary="Create a new execution from an old one, starting at a task run",
    responses={404: {"description": "no such execution, task run or flow revision"}},
)
async def replay_execution(
    request: Request,
    execution_id: str,
    taskRunId: Annotated[str | None, Query(description="Start at this task run; the ones before it are kept.")] = None,
    revision: Annotated[int | None, Query(description="Flow revision of the new execution (default: the same).")] = None,
) -> dict[str, Any]:
    engine = engine_of(request)
    new = await engine.replay(execution_id, taskRunId, revision=revision)
    found = await engine.get(new.id)
    return await execution_json(engine, found.execution, found.task_runs)


@router.post(
    "/executions/{execution_id}/resume",
    status_code=204,
    summary="Resume a paused execution, with optional inputs (form or JSON)",
    responses={404: {"description": "no such execution"}, 409: {"description": "the execution is not paused"}},
)
async def resume_execution(request: Request, execution_id: str) -> Response:
    engine = engine_of(request)
    found = await engine.get(execution_id)
    if found.execution.state != State.PAUSED:
        raise ConflictError(f"execution {execution_id} is {found.execution.state}, not PAUSED")
    given = await read_inputs(request)
    if given.files:
        raise InputError(
            [
                Issue(
                    "files cannot be sent when resuming", path=f"inputs.{name}", hint="give a storage URI (lanner:///…) instead"
                )
                for name in sorted(given.files)
            ]
        )
    await engine.resume(execution_id, given.values)
    return Response(status_code=204)


@router.post(
    "/executions/{execution_id}/state",
    summary="Change the state of a task run of an ended or paused execution",
    responses={404: {"description": "no such execution or task run"}, 409: {"description": "the execution is running"}},
)
async def change_task_run_state(request: Request, execution_id: str, body: StateRequest) -> dict[str, Any]:
    engine = engine_of(request)
    await engine.change_state(execution_id, body.taskRunId, body.state)
    found = await engine.get(execution_id)
    return await execution_json(engine, found.execution, found.task_runs)
