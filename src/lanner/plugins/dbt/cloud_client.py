"""The dbt Cloud administrative API (v2) as the dbt Cloud tasks use it.

``POST /api/v2/accounts/{account}/jobs/{job}/run/`` enqueues a run of a job,
``GET /api/v2/accounts/{account}/runs/{run}/?include_related=["run_steps"]`` reads the run with
its steps and their logs, ``GET …/runs/{run}/artifacts/{path}`` downloads an artifact of its last
step. Every answer is wrapped as ``{"status": {"code", "is_success", "user_message"}, "data": …}``;
the API key goes in ``Authorization: Token <key>``.

HTTP goes through ``lanner.plugins.api_client`` (errors saying what the service answered,
``options``); a retryable failure of one call is retried ``maxRetries`` times with a doubling
delay starting at ``initialDelayMs`` (Kestra's properties), before the task's own ``retry``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from lanner.errors import TaskFailure
from lanner.plugins.api_client import ApiClient, ApiError, render_text
from lanner.plugins.dbt.logs import strip_ansi
from lanner.tasks.base import RunnableTask
from lanner.tasks.context import RunContext
from lanner.tasks.core.http_options import HttpOptions

__all__ = ["CLOUD_URL", "STATUS_NAMES", "TERMINAL", "DbtCloudApi", "DbtCloudConnection", "StepLogRelay", "status_name"]

CLOUD_URL = "https://cloud.getdbt.com"
SERVICE = "dbt Cloud"
#: run (and run step) status codes of the API
STATUS_NAMES = {1: "QUEUED", 2: "STARTING", 3: "RUNNING", 10: "SUCCESS", 20: "ERROR", 30: "CANCELLED"}
TERMINAL = frozenset({10, 20, 30})


def status_name(code: Any) -> str:
    return STATUS_NAMES.get(code, f"UNKNOWN({code})") if isinstance(code, int) else "UNKNOWN"


async def render_id(ctx: RunContext, value: int | str, name: str) -> int:
    """A numeric dbt Cloud id (account, job, run), rendered first."""
    text = await render_text(ctx, value, name)
    if not text.isdigit():
        raise TaskFailure(f"`{name}` must be a numeric dbt Cloud id, got {text[:100]!r}", retryable=False)
    return int(text)


async def render_int(ctx: RunContext, value: int | str, name: str) -> int:
    if isinstance(value, int):
        return value
    text = await render_text(ctx, value, name)
    try:
        return int(text)
    except ValueError:
        raise TaskFailure(f"`{name}` must be a whole number, got {text[:100]!r}", retryable=False) from None


class DbtCloudConnection(RunnableTask):
    """How to reach dbt Cloud: properties shared by the dbt Cloud tasks."""

    accountId: int | str = Field(description="Numeric ID of the dbt Cloud account.", examples=[70403103912345])
    token: str = Field(
        description="dbt Cloud API key (a service token or personal access token), sent as `Authorization: Token …`. "
        "Read it from a secret.",
        examples=["{{ secret('DBT_CLOUD_TOKEN') }}"],
    )
    baseUrl: str = Field(
        default=CLOUD_URL,
        description="Base URL of your dbt Cloud tenant (the access URL of the account: multi-tenant, regional or single-tenant).",
        examples=["https://cloud.getdbt.com", "https://emea.dbt.com", "https://ab123.us1.dbt.com"],
    )
    maxRetries: int | str = Field(
        default=3,
        description="How many times one API call is sent again after a network error, an HTTP 5xx, 408 or 429 "
        "(before the task's own `retry` policy applies).",
    )
    initialDelayMs: int | str = Field(
        default=1000, description="Delay before the first of those retries, in milliseconds; it doubles at each retry."
    )
    options: HttpOptions | None = Field(
        default=None, description="HTTP client settings: timeouts, proxy, TLS (Kestra's `options`)."
    )

    async def _api(self, ctx: RunContext) -> DbtCloudApi:
        """The API client of this account, to use in ``async with``."""
        token = await render_text(ctx, self.token, "token", secret=True)
        if not token:
            raise TaskFailure("`token` is empty: give a dbt Cloud API key", retryable=False)
        account = await render_id(ctx, self.accountId, "accountId")
        base = await render_text(ctx, self.baseUrl, "baseUrl")
        retries = max(0, await render_int(ctx, self.maxRetries, "maxRetries"))
        delay = max(0, await render_int(ctx, self.initialDelayMs, "initialDelayMs")) / 1000
        client = ApiClient(ctx, SERVICE, base, headers={"Authorization": f"Token {token}"}, options=self.options)
        return DbtCloudApi(client, account, retries=retries, initial_delay=delay)


class DbtCloudApi:
    """The calls of one account; ``async with`` opens and closes the HTTP client."""

    def __init__(self, client: ApiClient, account_id: int, *, retries: int, initial_delay: float) -> None:
        self.client = client
        self.ctx = client.ctx
        self.account_id = account_id
        self.retries = retries
        self.initial_delay = initial_delay

    async def __aenter__(self) -> DbtCloudApi:
        await self.client.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.client.__aexit__(*exc)

    @property
    def prefix(self) -> str:
        return f"/api/v2/accounts/{self.account_id}"

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        delay = self.initial_delay
        for attempt in range(self.retries + 1):
            try:
                return await self.client.call(method, self.prefix + path, **kwargs)
            except TaskFailure as exc:
                if not exc.retryable or attempt >= self.retries:
                    raise
                self.ctx.logger.warning(f"{exc} (sending it again in {delay:g}s, retry {attempt + 1}/{self.retries})")
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    async def _data(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        answer = await self._call(method, path, **kwargs)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise TaskFailure(f"{SERVICE}: {method} {self.prefix}{path} answered no object in `data`: {str(answer)[:300]}")
        return data

    async def trigger(self, job_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Enqueue a run of the job; the run as the API describes it."""
        return await self._data("POST", f"/jobs/{job_id}/run/", json=body)

    async def run(self, run_id: int) -> dict[str, Any]:
        """The run with its steps (``run_steps``, each with its ``logs`` so far)."""
        return await self._data("GET", f"/runs/{run_id}/", params={"include_related": '["run_steps"]'})

    async def artifact(self, run_id: int, path: str) -> Any | None:
        """An artifact of the run's last step, decoded from JSON; None when the run has none (404)."""
        try:
            return await self._call("GET", f"/runs/{run_id}/artifacts/{path}")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise


@dataclass
class StepLogRelay:
    """Copies the run steps' logs into the task log, each line once, as they grow between polls."""

    ctx: RunContext
    #: step index -> (characters of its log already relayed, last status code logged)
    seen: dict[int, tuple[int, Any]] = field(default_factory=dict)

    def feed(self, run: dict[str, Any]) -> None:
        steps = [s for s in run.get("run_steps") or [] if isinstance(s, dict)]
        for step in sorted(steps, key=lambda s: int(s.get("index") or 0)):
            self._step(step)

    def _step(self, step: dict[str, Any]) -> None:
        index = int(step.get("index") or 0)
        done, last_status = self.seen.get(index, (0, None))
        status = step.get("status")
        name = str(step.get("name") or f"step {index}")
        if last_status is None:
            self.ctx.logger.info(f"dbt Cloud step {index} started: {name}")
        logs = strip_ansi(str(step.get("logs") or ""))
        if len(logs) < done:  # the API truncated or restarted the log: relay it again from the start
            done = 0
        finished = status in TERMINAL
        # only whole lines until the step ends (the last one may still be written)
        end = len(logs) if finished else logs.rfind("\n", done) + 1
        if end > done:
            for line in logs[done:end].splitlines():
                if line.strip():
                    self.ctx.logger.info(line.rstrip())
            done = end
        if finished and last_status not in TERMINAL:
            level = "INFO" if status == 10 else "ERROR"
            self.ctx.logger.log(level, f"dbt Cloud step {index} ({name}) ended: {status_name(status).lower()}")
        self.seen[index] = (done, status)
