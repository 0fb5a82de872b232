"""Following a self-hosted Airbyte job: its status, each attempt's new log lines, statistics and
failure reason, read from the configuration API (``/api/v1/jobs/get``, ``/api/v1/attempt/get_for_job``).

Airbyte answers an attempt's whole log each time; ``JobFollower`` remembers how many lines of
each attempt it has logged, so the task log gets every line once, as soon as it is polled.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from lanner.errors import TaskFailure
from lanner.plugins.api_client import ApiClient, poll
from lanner.tasks.context import RunContext

__all__ = ["TERMINAL", "JobFollower", "follow_job", "job_outputs"]

#: job states after which nothing changes (``incomplete``: an attempt failed, another follows)
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
_LEVEL = re.compile(r"\b(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\b")
_LEVELS = {
    "TRACE": "TRACE",
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "WARN": "WARN",
    "WARNING": "WARN",
    "ERROR": "ERROR",
    "FATAL": "ERROR",
}


def _number(attempt_info: dict[str, Any], index: int) -> int:
    attempt = attempt_info.get("attempt") or {}
    number = attempt.get("id", attempt.get("attemptNumber", index))
    return int(number) if isinstance(number, int | str) and str(number).isdigit() else index


def _log_entries(logs: Any) -> list[tuple[str, str]] | None:
    """(level, message) pairs of an attempt's ``logs``: formatted ``logLines`` or structured ``events``."""
    if not isinstance(logs, dict):
        return None
    if isinstance(logs.get("events"), list):
        entries = []
        for event in logs["events"]:
            if isinstance(event, dict):
                level = _LEVELS.get(str(event.get("level") or "INFO").upper(), "INFO")
                entries.append((level, str(event.get("message", ""))))
        return entries
    if isinstance(logs.get("logLines"), list):
        entries = []
        for line in logs["logLines"]:
            match = _LEVEL.search(str(line)[:80])
            entries.append((_LEVELS[match.group(1)] if match else "INFO", str(line)))
        return entries
    return None


class JobFollower:
    """Polls one job and relays the new log lines of each of its attempts into the task log."""

    def __init__(self, ctx: RunContext, api: ApiClient, job_id: int) -> None:
        self.ctx = ctx
        self.api = api
        self.job_id = job_id
        self._logged: dict[int, int] = {}
        self._complete: set[int] = set()
        self._status: str | None = None

    async def read(self) -> dict[str, Any]:
        info = await self.api.call("POST", "/api/v1/jobs/get", json={"id": self.job_id})
        if not isinstance(info, dict) or not isinstance(info.get("job"), dict):
            raise TaskFailure(f"Airbyte: /api/v1/jobs/get answered no job for job {self.job_id}")
        await self._relay(info)
        status = str(info["job"].get("status", "")).lower()
        if status != self._status:
            self.ctx.logger.info(f"Airbyte job {self.job_id} is {status}")
            self._status = status
        return info

    async def _relay(self, info: dict[str, Any]) -> None:
        for index, attempt_info in enumerate(info.get("attempts") or []):
            if not isinstance(attempt_info, dict):
                continue
            number = _number(attempt_info, index)
            if number in self._complete:
                continue
            entries = _log_entries(attempt_info.get("logs"))
            if entries is None:  # newer servers leave logs out of jobs/get: ask for the attempt
                answer = await self.api.call(
                    "POST", "/api/v1/attempt/get_for_job", json={"jobId": self.job_id, "attemptNumber": number}
                )
                entries = _log_entries(answer.get("logs") if isinstance(answer, dict) else None) or []
            done = self._logged.get(number, 0)
            for level, message in entries[done:]:
                self.ctx.logger.log(level, message)
            self._logged[number] = max(done, len(entries))
            if str((attempt_info.get("attempt") or {}).get("status", "")).lower() in ("succeeded", "failed", "cancelled"):
                self._complete.add(number)

    async def wait(self, every: timedelta, max_duration: timedelta) -> dict[str, Any]:
        async def check() -> dict[str, Any] | None:
            info = await self.read()
            return info if str(info["job"].get("status", "")).lower() in TERMINAL else None

        return await poll(self.ctx, check, every=every, max_duration=max_duration, what=f"Airbyte job {self.job_id}")


async def follow_job(ctx: RunContext, api: ApiClient, job_id: int, every: timedelta, max_duration: timedelta) -> dict[str, Any]:
    """Wait for the job to end, relaying its logs; its outputs when it succeeded, a failure otherwise."""
    info = await JobFollower(ctx, api, job_id).wait(every, max_duration)
    outputs = job_outputs(info)
    ctx.metric("rows_synced", outputs["recordsSynced"])
    ctx.metric("bytes_synced", outputs["bytesSynced"])
    status = outputs["status"]
    if status != "SUCCEEDED":
        reason, retryable = failure_reason(info)
        raise TaskFailure(f"Airbyte job {job_id} {status.lower()}" + (f": {reason}" if reason else ""), retryable=retryable)
    ctx.logger.info(f"Airbyte job {job_id} succeeded: {outputs['recordsSynced']} records, {outputs['bytesSynced']} bytes synced")
    return outputs


def _stat(attempt: dict[str, Any], key: str, *totals: str) -> int:
    value = attempt.get(key)
    if not isinstance(value, int):
        stats = attempt.get("totalStats") or {}
        value = next((stats[t] for t in totals if isinstance(stats.get(t), int)), 0)
    return int(value)


def job_outputs(info: dict[str, Any]) -> dict[str, Any]:
    """``jobId``, ``status`` (upper case, as Kestra), ``attempts`` and the last attempt's records/bytes synced."""
    job = info["job"]
    attempts = [a.get("attempt") or {} for a in info.get("attempts") or [] if isinstance(a, dict)]
    last = attempts[-1] if attempts else {}
    return {
        "jobId": job.get("id"),
        "status": str(job.get("status", "")).upper(),
        "jobType": job.get("configType"),
        "attempts": len(attempts),
        "recordsSynced": _stat(last, "recordsSynced", "recordsCommitted", "recordsEmitted"),
        "bytesSynced": _stat(last, "bytesSynced", "bytesCommitted", "bytesEmitted"),
    }


def failure_reason(info: dict[str, Any]) -> tuple[str, bool]:
    """The last attempt's first failure (origin, type, message), and whether trying again may help."""
    for attempt_info in reversed(info.get("attempts") or []):
        attempt = (attempt_info or {}).get("attempt") or {}
        failures = (attempt.get("failureSummary") or {}).get("failures") or []
        if failures and isinstance(failures[0], dict):
            first = failures[0]
            message = first.get("externalMessage") or first.get("internalMessage") or "no message"
            details = ", ".join(f"{k} {first[k]}" for k in ("failureOrigin", "failureType") if first.get(k))
            retryable = first.get("failureType") != "config_error"
            return (f"{message} ({details})" if details else str(message)), retryable
    return "", True
