"""Self-hosted Airbyte tasks: Sync a connection, CheckStatus of a job, Reset streams (Kestra's names)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lanner.errors import TaskFailure
from lanner.plugins.airbyte.client import AirbyteConnection
from lanner.plugins.airbyte.jobs import follow_job
from lanner.plugins.api_client import ApiError, render_bool, render_duration, render_text
from lanner.tasks.base import Output
from lanner.tasks.context import RunContext

__all__ = ["CheckStatus", "Reset", "StreamDescriptor", "Sync"]


class _Waiting(AirbyteConnection):
    pollFrequency: timedelta | str = Field(
        default=timedelta(seconds=1), description="How often the job's status and logs are read (ISO-8601).", examples=["PT10S"]
    )
    maxDuration: timedelta | str = Field(
        default=timedelta(hours=1),
        description="Longest wait for the job to end (ISO-8601); the task then fails, the job keeps running in Airbyte.",
        examples=["PT2H"],
    )

    async def _follow(self, ctx: RunContext, api: Any, job_id: int) -> dict[str, Any]:
        every = await render_duration(ctx, self.pollFrequency, "pollFrequency")
        longest = await render_duration(ctx, self.maxDuration, "maxDuration")
        return await follow_job(ctx, api, job_id, every, longest)


def _job_id(answer: Any, what: str) -> int:
    job = answer.get("job") if isinstance(answer, dict) else None
    job_id = job.get("id") if isinstance(job, dict) else None
    if not isinstance(job_id, int):
        raise TaskFailure(f"Airbyte: {what} answered no job id: {str(answer)[:300]}")
    return job_id


class Sync(_Waiting):
    """Run a sync of an Airbyte connection and, by default, wait for it to end.

    While waiting, each attempt's log lines are copied into the task log as they appear. Outputs:
    `jobId`, `status`, `attempts`, and the records and bytes synced by the last attempt (also the
    `rows_synced` and `bytes_synced` metrics). A failed or cancelled job fails the task with
    Airbyte's failure reason; a configuration error is not retried.
    """

    type: Literal["lanner.airbyte.Sync", "io.kestra.plugin.airbyte.connections.Sync"]
    connectionId: str = Field(
        description="ID of the connection to sync (in the Airbyte UI's address bar).",
        examples=["e3b1ce92-547c-436f-b1e8-23b6936c12cd"],
    )
    wait: bool | str = Field(default=True, description="Wait for the job to end, relaying its logs; false only starts it.")
    failOnActiveSync: bool | str = Field(
        default=True,
        description="Fail when a sync of the connection is already running; false succeeds with `alreadyRunning: true`.",
    )

    async def run(self, ctx: RunContext) -> Output:
        connection = await render_text(ctx, self.connectionId, "connectionId")
        wait = await render_bool(ctx, self.wait, "wait")
        fail_on_active = await render_bool(ctx, self.failOnActiveSync, "failOnActiveSync")
        async with await self._api(ctx) as api:
            try:
                answer = await api.call("POST", "/api/v1/connections/sync", json={"connectionId": connection})
            except ApiError as exc:
                if exc.status != 409:
                    raise
                if fail_on_active:
                    raise TaskFailure(f"{exc} (a sync is already running; set `failOnActiveSync: false` to accept it)") from exc
                ctx.logger.info(f"a sync of connection {connection} is already running: {exc}")
                return {"jobId": None, "alreadyRunning": True}
            job_id = _job_id(answer, "/api/v1/connections/sync")
            ctx.logger.info(f"started Airbyte job {job_id} for connection {connection}")
            if not wait:
                status = str(answer["job"].get("status", "")).upper()
                return {"jobId": job_id, "alreadyRunning": False, "status": status}
            return {**await self._follow(ctx, api, job_id), "alreadyRunning": False}


class CheckStatus(_Waiting):
    """Wait for an Airbyte job (started by a `Sync` with `wait: false`, or elsewhere) to end.

    Relays the job's logs like Sync. Succeeds only when the job succeeded; outputs
    `finalJobStatus` and the same values as Sync.
    """

    type: Literal["lanner.airbyte.CheckStatus", "io.kestra.plugin.airbyte.connections.CheckStatus"]
    jobId: str | int = Field(description="ID of the job to follow.", examples=["{{ outputs.sync.jobId }}", 970])

    async def run(self, ctx: RunContext) -> Output:
        raw = await render_text(ctx, self.jobId, "jobId")
        if not raw.isdigit():
            raise TaskFailure(f"`jobId` must be a job number, got {raw!r}", retryable=False)
        async with await self._api(ctx) as api:
            outputs = await self._follow(ctx, api, int(raw))
        return {**outputs, "finalJobStatus": outputs["status"]}


class StreamDescriptor(BaseModel):
    """One stream of a connection."""

    model_config = ConfigDict(extra="forbid")

    streamName: str = Field(description="Name of the stream.", examples=["customers"])
    streamNamespace: str | None = Field(default=None, description="Namespace (schema) of the stream.", examples=["public"])


class Reset(_Waiting):
    """Reset streams of an Airbyte connection: their data in the destination is deleted and their
    cursors start over, so the next sync replicates them from scratch.

    Returns the reset job's `jobId`; set `wait: true` to wait for it (or follow it with CheckStatus).
    """

    type: Literal["lanner.airbyte.Reset", "io.kestra.plugin.airbyte.connections.Reset"]
    connectionId: str = Field(description="ID of the connection.", examples=["e3b1ce92-547c-436f-b1e8-23b6936c12cd"])
    streams: list[StreamDescriptor] = Field(
        min_length=1, description="The streams to reset.", examples=[[{"streamName": "customers", "streamNamespace": "public"}]]
    )
    wait: bool | str = Field(default=False, description="Wait for the reset job to end, relaying its logs.")

    async def run(self, ctx: RunContext) -> Output:
        connection = await render_text(ctx, self.connectionId, "connectionId")
        streams = [{k: v for k, v in (await ctx.render(stream.model_dump())).items() if v is not None} for stream in self.streams]
        async with await self._api(ctx) as api:
            answer = await api.call(
                "POST", "/api/v1/connections/reset/stream", json={"connectionId": connection, "streams": streams}
            )
            job_id = _job_id(answer, "/api/v1/connections/reset/stream")
            ctx.logger.info(f"started Airbyte reset job {job_id} for {len(streams)} stream(s) of connection {connection}")
            if not await render_bool(ctx, self.wait, "wait"):
                return {"jobId": job_id, "status": str(answer["job"].get("status", "")).upper()}
            return await self._follow(ctx, api, job_id)
