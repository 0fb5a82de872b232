"""Airbyte Cloud tasks: Sync and Reset a connection through the public API (``POST /v1/jobs``).

The public API gives a job's status and counters but neither logs nor failure reasons: the
task log shows each status change with the rows and bytes synced so far, and a failed job's
message points to the job in Airbyte.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field

from lanner.errors import TaskFailure
from lanner.plugins.airbyte.client import AirbyteCloudConnection
from lanner.plugins.airbyte.jobs import TERMINAL
from lanner.plugins.api_client import ApiClient, poll, render_bool, render_duration, render_text
from lanner.tasks.base import Output
from lanner.tasks.context import RunContext

__all__ = ["CloudReset", "CloudSync"]

_JOB_FIELDS = ("jobId", "status", "jobType", "startTime", "lastUpdatedAt", "duration", "bytesSynced", "rowsSynced")


def _job(answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict) or not isinstance(answer.get("jobId"), int):
        raise TaskFailure(f"Airbyte Cloud: the API answered no job: {str(answer)[:300]}")
    job = {key: answer.get(key) for key in _JOB_FIELDS}
    job["status"] = str(answer.get("status", "")).upper()
    job["jobType"] = str(answer.get("jobType", "")).upper() or None
    job["bytesSynced"] = int(answer.get("bytesSynced") or 0)
    job["rowsSynced"] = int(answer.get("rowsSynced") or 0)
    return job


class _CloudJob(AirbyteCloudConnection):
    connectionId: str = Field(description="ID of the connection.", examples=["e3b1ce92-547c-436f-b1e8-23b6936c12cd"])
    wait: bool | str = Field(default=True, description="Wait for the job to end; false only starts it.")
    pollFrequency: timedelta | str = Field(
        default=timedelta(seconds=1), description="How often the job's status is read (ISO-8601).", examples=["PT10S"]
    )
    maxDuration: timedelta | str = Field(
        default=timedelta(hours=1),
        description="Longest wait for the job to end (ISO-8601); the task then fails, the job keeps running.",
        examples=["PT2H"],
    )

    #: the public API's ``jobType``
    job_type: ClassVar[str] = "sync"

    async def run(self, ctx: RunContext) -> Output:
        connection = await render_text(ctx, self.connectionId, "connectionId")
        wait = await render_bool(ctx, self.wait, "wait")
        async with await self._api(ctx) as api:
            job = _job(await api.call("POST", "/jobs", json={"connectionId": connection, "jobType": self.job_type}))
            ctx.logger.info(f"started Airbyte Cloud {self.job_type} job {job['jobId']} for connection {connection}")
            if wait:
                job = await self._wait(ctx, api, job)
        return {"job": job, "jobId": job["jobId"], "status": job["status"]}

    async def _wait(self, ctx: RunContext, api: ApiClient, job: dict[str, Any]) -> dict[str, Any]:
        every = await render_duration(ctx, self.pollFrequency, "pollFrequency")
        longest = await render_duration(ctx, self.maxDuration, "maxDuration")
        job_id = job["jobId"]
        seen: list[tuple[str, int, int]] = []

        async def check() -> dict[str, Any] | None:
            current = _job(await api.call("GET", f"/jobs/{job_id}"))
            progress = (current["status"], current["rowsSynced"], current["bytesSynced"])
            if not seen or seen[-1] != progress:
                ctx.logger.info(
                    f"Airbyte Cloud job {job_id} is {progress[0].lower()}: {progress[1]} rows, {progress[2]} bytes synced"
                )
                seen.append(progress)
            return current if current["status"].lower() in TERMINAL else None

        final = await poll(ctx, check, every=every, max_duration=longest, what=f"Airbyte Cloud job {job_id}")
        ctx.metric("rows_synced", final["rowsSynced"])
        ctx.metric("bytes_synced", final["bytesSynced"])
        if final["status"] != "SUCCEEDED":
            raise TaskFailure(
                f"Airbyte Cloud job {job_id} {final['status'].lower()} after {final['rowsSynced']} rows "
                "(the public API gives no reason: see the job's logs in Airbyte)"
            )
        return final


class CloudSync(_CloudJob):
    """Run a sync of an Airbyte Cloud connection and, by default, wait for it to end.

    Outputs `job` (`jobId`, `status`, `jobType`, `startTime`, `duration`, `rowsSynced`,
    `bytesSynced`), with `jobId` and `status` also at the top level; metrics `rows_synced` and
    `bytes_synced`.
    """

    type: Literal["lanner.airbyte.cloud.Sync", "io.kestra.plugin.airbyte.cloud.jobs.Sync"]


class CloudReset(_CloudJob):
    """Reset an Airbyte Cloud connection (its data in the destination is deleted) and, by default,
    wait for the reset job to end. Outputs like the Cloud Sync."""

    type: Literal["lanner.airbyte.cloud.Reset", "io.kestra.plugin.airbyte.cloud.jobs.Reset"]

    job_type: ClassVar[str] = "reset"
