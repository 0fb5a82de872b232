"""Hightouch Sync: trigger a run of a sync through the REST API v1 and wait for it to end.

``POST /api/v1/syncs/{id}/trigger`` starts the run (a slug is first resolved with
``GET /api/v1/syncs?slug=…``); ``GET /api/v1/syncs/{id}/runs?runId=…`` reports its status and
row counts until it ends.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, model_validator

from lanner.errors import TaskFailure
from lanner.plugins.api_client import ApiClient, poll, render_bool, render_duration, render_text
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext
from lanner.tasks.core.http_options import HttpOptions

__all__ = ["Sync"]

API_URL = "https://api.hightouch.com"
#: run states after which nothing changes; ``warning``: done, but some rows were rejected
_SUCCESS = {"success", "warning"}
_FAILED = {"failed", "cancelled", "interrupted", "aborted"}
_COUNTS = ("addedCount", "changedCount", "removedCount")


def _total(rows: Any) -> int:
    if not isinstance(rows, dict):
        return 0
    return sum(int(rows.get(key) or 0) for key in _COUNTS)


def _run_outputs(sync_id: str, run: dict[str, Any]) -> dict[str, Any]:
    return {
        "runId": _number(run.get("id")),
        "syncId": _number(sync_id),
        "status": str(run.get("status", "")).upper(),
        "plannedRows": run.get("plannedRows"),
        "successfulRows": run.get("successfulRows"),
        "failedRows": run.get("failedRows"),
        "rowsChanged": _total(run.get("successfulRows")),
        "rowsFailed": _total(run.get("failedRows")),
        "querySize": run.get("querySize"),
        "startedAt": run.get("startedAt"),
        "finishedAt": run.get("finishedAt"),
        "error": run.get("error"),
    }


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


class Sync(RunnableTask):
    """Trigger a Hightouch sync and, by default, wait for the run to end.

    Outputs `runId`, `status`, the rows planned, synced and rejected (`plannedRows`,
    `successfulRows`, `failedRows` with added/changed/removed counts; totals in `rowsChanged`
    and `rowsFailed`, also metrics `rows_changed` and `rows_failed`). A run that failed, was
    cancelled or interrupted fails the task with Hightouch's error; a run that ended in
    `warning` (some rows rejected) ends the task in WARNING.
    """

    type: Literal["lanner.hightouch.Sync", "io.kestra.plugin.hightouch.Sync"]
    token: str = Field(description="Hightouch API key, sent as a bearer token.", examples=["{{ secret('HIGHTOUCH_API_TOKEN') }}"])
    syncId: int | str | None = Field(default=None, description="ID of the sync to run.", examples=[1127166])
    syncSlug: str | None = Field(
        default=None, description="Slug of the sync to run, instead of `syncId`.", examples=["orders-to-salesforce"]
    )
    fullResynchronization: bool | str = Field(
        default=False, description="Resync every row of the model, not only the changes since the last run."
    )
    wait: bool | str = Field(default=True, description="Wait for the run to end; false only triggers it.")
    pollFrequency: timedelta | str = Field(
        default=timedelta(seconds=1), description="How often the run's status is read (ISO-8601).", examples=["PT5S"]
    )
    maxDuration: timedelta | str = Field(
        default=timedelta(minutes=5),
        description="Longest wait for the run to end (ISO-8601); the task then fails, the run goes on in Hightouch.",
        examples=["PT1H"],
    )
    url: str = Field(default=API_URL, description="Base URL of the Hightouch API (a Lanner extension, for a proxy or tests).")
    options: HttpOptions | None = Field(
        default=None, description="HTTP client settings: timeouts, proxy, TLS (Kestra's `options`)."
    )

    @model_validator(mode="after")
    def _one_sync(self) -> Sync:
        if (self.syncId is None) == (self.syncSlug is None):
            raise ValueError("set exactly one of `syncId` and `syncSlug`")
        return self

    async def run(self, ctx: RunContext) -> Output:
        token = await render_text(ctx, self.token, "token", secret=True)
        if not token:
            raise TaskFailure("`token` is empty: give a Hightouch API key", retryable=False)
        full = await render_bool(ctx, self.fullResynchronization, "fullResynchronization")
        base = await render_text(ctx, self.url, "url")
        async with ApiClient(ctx, "Hightouch", base, headers={"Authorization": f"Bearer {token}"}, options=self.options) as api:
            sync_id = await self._sync_id(ctx, api)
            answer = await api.call("POST", f"/api/v1/syncs/{sync_id}/trigger", json={"fullResync": full})
            run_id = str(answer.get("id", "")) if isinstance(answer, dict) else ""
            if not run_id:
                raise TaskFailure(f"Hightouch: triggering sync {sync_id} answered no run id: {str(answer)[:300]}")
            ctx.logger.info(f"started Hightouch run {run_id} of sync {sync_id}" + (" (full resync)" if full else ""))
            if not await render_bool(ctx, self.wait, "wait"):
                return {"runId": _number(run_id), "syncId": _number(sync_id)}
            run = await self._wait(ctx, api, sync_id, run_id)
        return self._finish(ctx, sync_id, run)

    async def _sync_id(self, ctx: RunContext, api: ApiClient) -> str:
        if self.syncId is not None:
            sync_id = await render_text(ctx, self.syncId, "syncId")
            if not sync_id:
                raise TaskFailure("`syncId` is empty", retryable=False)
            return sync_id
        slug = await render_text(ctx, self.syncSlug, "syncSlug")
        found = await api.call("GET", "/api/v1/syncs", params={"slug": slug})
        syncs = found.get("data") if isinstance(found, dict) else None
        if not syncs:
            raise TaskFailure(f"Hightouch has no sync with slug {slug!r}", retryable=False)
        return str(syncs[0]["id"])

    async def _wait(self, ctx: RunContext, api: ApiClient, sync_id: str, run_id: str) -> dict[str, Any]:
        every = await render_duration(ctx, self.pollFrequency, "pollFrequency")
        longest = await render_duration(ctx, self.maxDuration, "maxDuration")
        last: list[tuple[str, Any]] = []

        async def check() -> dict[str, Any] | None:
            answer = await api.call("GET", f"/api/v1/syncs/{sync_id}/runs", params={"runId": run_id})
            runs = [r for r in (answer.get("data") or []) if str(r.get("id")) == run_id] if isinstance(answer, dict) else []
            if not runs:
                return None  # not listed yet
            run: dict[str, Any] = runs[0]
            status = str(run.get("status", "")).lower()
            progress = (status, run.get("completionRatio"))
            if not last or last[-1] != progress:
                ratio = f" ({float(progress[1]) * 100:.0f}%)" if isinstance(progress[1], int | float) else ""
                ctx.logger.info(f"Hightouch run {run_id} is {status}{ratio}")
                last.append(progress)
            return run if status in _SUCCESS | _FAILED else None

        return await poll(ctx, check, every=every, max_duration=longest, what=f"Hightouch run {run_id} of sync {sync_id}")

    def _finish(self, ctx: RunContext, sync_id: str, run: dict[str, Any]) -> Output:
        outputs = _run_outputs(sync_id, run)
        ctx.metric("rows_changed", outputs["rowsChanged"])
        ctx.metric("rows_failed", outputs["rowsFailed"])
        status = outputs["status"].lower()
        summary = f"{outputs['rowsChanged']} rows synced, {outputs['rowsFailed']} rejected"
        if status in _FAILED:
            reason = outputs["error"] or "no error message"
            raise TaskFailure(f"Hightouch run {outputs['runId']} of sync {sync_id} {status}: {reason} ({summary})")
        if status == "warning":
            ctx.warn(f"Hightouch run {outputs['runId']} ended with warnings: {outputs['error'] or summary}")
        ctx.logger.info(f"Hightouch run {outputs['runId']} {status}: {summary}")
        return outputs
