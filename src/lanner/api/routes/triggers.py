"""Triggers: ``/api/v1/triggers/…`` as Kestra serves them.

- ``GET /triggers/search``: every trigger of the deployed flows with its state
  (``{"results": [{"abstractTrigger", "triggerContext"}], "total"}``);
- ``GET /triggers/{namespace}/{flowId}``: the states of one flow's triggers;
- ``PUT /triggers``: with ``disabled``, disable or enable a trigger; with ``backfill``
  (``start``, ``end``, ``inputs``, ``labels``), run every tick of a schedule in the range;
- ``POST /triggers/set-disabled/by-triggers``: ``{"triggers": [...], "disabled": true}``;
- ``POST /triggers/{namespace}/{flowId}/{triggerId}/unlock``;
- ``PUT /triggers/backfill/pause``, ``PUT /triggers/backfill/unpause``, ``POST /triggers/backfill/delete``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from lanner.api.deps import engine_of
from lanner.engine import trigger_admin
from lanner.engine.trigger_admin import TriggerView
from lanner.errors import InputError, Issue

__all__ = ["router", "trigger_context"]

router = APIRouter(tags=["Triggers"])


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def trigger_context(view: TriggerView) -> dict[str, Any]:
    """The trigger state in Kestra's ``Trigger`` JSON shape."""
    state = view.state
    backfill = state.data.get("backfill")
    return {
        "namespace": state.namespace,
        "flowId": state.flow_id,
        "triggerId": state.trigger_id,
        "type": state.type,
        "date": _iso(state.last_date),
        "nextExecutionDate": _iso(state.next_date),
        "disabled": state.disabled or view.item.disabled,
        "executionId": state.execution_id,
        "workerId": state.locked_by,
        "evaluateRunningDate": _iso(state.locked_until),
        "updatedDate": _iso(state.updated),
        "backfill": None
        if not backfill
        else {
            "start": backfill["start"],
            "end": backfill["end"],
            "currentDate": backfill.get("current"),
            "inputs": backfill.get("inputs") or {},
            "labels": [{"key": k, "value": v} for k, v in (backfill.get("labels") or {}).items()],
            "paused": bool(backfill.get("paused")),
        },
    }


def _item(view: TriggerView) -> dict[str, Any]:
    return {"abstractTrigger": view.item.trigger.definition(), "triggerContext": trigger_context(view)}


class BackfillBody(BaseModel):
    """A backfill to run: every tick of the schedule between `start` and `end`."""

    model_config = ConfigDict(extra="ignore")

    start: datetime = Field(description="First moment (ISO-8601 with a time zone).", examples=["2024-01-01T00:00:00Z"])
    end: datetime | None = Field(default=None, description="Last moment (now when unset).")
    inputs: dict[str, Any] | None = Field(default=None, description="Inputs of the backfill executions.")
    labels: dict[str, str] | list[dict[str, str]] | None = Field(
        default=None, description="Labels of the backfill executions, a map or a list of {key, value}."
    )

    def label_map(self) -> dict[str, str]:
        if isinstance(self.labels, list):
            return {str(item.get("key")): str(item.get("value")) for item in self.labels}
        return dict(self.labels or {})


class TriggerRef(BaseModel):
    """A trigger, as Kestra's API names it; the other properties of a trigger context are ignored."""

    model_config = ConfigDict(extra="ignore")

    namespace: str = Field(description="Namespace of the flow.")
    flowId: str = Field(description="Id of the flow.")
    triggerId: str = Field(description="Id of the trigger in the flow.")
    disabled: bool | None = Field(default=None, description="Disable (true) or enable (false) the trigger.")
    backfill: BackfillBody | None = Field(default=None, description="Backfill to start (Schedule triggers).")


class SetDisabled(BaseModel):
    model_config = ConfigDict(extra="ignore")

    triggers: list[TriggerRef] = Field(min_length=1, description="The triggers to change.")
    disabled: bool = Field(description="Disable (true) or enable (false) them.")


@router.get("/triggers/search", summary="Search for triggers")
async def search_triggers(
    request: Request,
    page: int = Query(1, ge=1),
    size: int = Query(10, ge=1, le=1000),
    namespace: str | None = None,
    flowId: str | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    views = await trigger_admin.search(engine_of(request), namespace, flowId, q)
    chunk = views[(page - 1) * size : page * size]
    return {"results": [_item(view) for view in chunk], "total": len(views)}


@router.get("/triggers/{namespace}/{flow_id}", summary="Get the triggers of a flow")
async def flow_triggers(
    request: Request, namespace: str, flow_id: str, page: int = Query(1, ge=1), size: int = Query(10, ge=1, le=1000)
) -> dict[str, Any]:
    views = [v for v in await trigger_admin.search(engine_of(request), namespace, flow_id) if v.state.namespace == namespace]
    chunk = views[(page - 1) * size : page * size]
    return {"results": [trigger_context(view) for view in chunk], "total": len(views)}


@router.put("/triggers", summary="Disable, enable or backfill a trigger")
async def update_trigger(request: Request, body: TriggerRef) -> dict[str, Any]:
    engine = engine_of(request)
    if body.backfill is not None:
        bf = body.backfill
        view = await trigger_admin.backfill(
            engine, body.namespace, body.flowId, body.triggerId, bf.start, bf.end, bf.inputs, bf.label_map()
        )
    elif body.disabled is not None:
        view = await trigger_admin.set_disabled(engine, body.namespace, body.flowId, body.triggerId, body.disabled)
    else:
        raise InputError([Issue("give `disabled` (true or false) or a `backfill`", path="body")])
    return trigger_context(view)


@router.post("/triggers/set-disabled/by-triggers", summary="Disable or enable triggers")
async def set_disabled(request: Request, body: SetDisabled) -> dict[str, int]:
    engine = engine_of(request)
    for ref in body.triggers:
        await trigger_admin.set_disabled(engine, ref.namespace, ref.flowId, ref.triggerId, body.disabled)
    return {"count": len(body.triggers)}


@router.post("/triggers/{namespace}/{flow_id}/{trigger_id}/unlock", summary="Unlock a trigger")
async def unlock_trigger(request: Request, namespace: str, flow_id: str, trigger_id: str) -> dict[str, Any]:
    return trigger_context(await trigger_admin.unlock(engine_of(request), namespace, flow_id, trigger_id))


@router.put("/triggers/backfill/pause", summary="Pause a backfill")
async def pause_backfill(request: Request, body: TriggerRef) -> dict[str, Any]:
    view = await trigger_admin.change_backfill(engine_of(request), body.namespace, body.flowId, body.triggerId, "pause")
    return trigger_context(view)


@router.put("/triggers/backfill/unpause", summary="Resume a paused backfill")
async def unpause_backfill(request: Request, body: TriggerRef) -> dict[str, Any]:
    view = await trigger_admin.change_backfill(engine_of(request), body.namespace, body.flowId, body.triggerId, "unpause")
    return trigger_context(view)


@router.post("/triggers/backfill/delete", summary="Delete a backfill")
async def delete_backfill(request: Request, body: TriggerRef) -> dict[str, Any]:
    view = await trigger_admin.change_backfill(engine_of(request), body.namespace, body.flowId, body.triggerId, "delete")
    return trigger_context(view)
