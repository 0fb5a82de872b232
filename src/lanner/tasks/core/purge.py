"""Purge tasks: delete ended executions (with their task runs, logs, metrics and files) and old logs.

Kestra's ``io.kestra.plugin.core.execution.PurgeExecutions`` (formerly
``io.kestra.plugin.core.storage.Purge``) and ``io.kestra.plugin.core.log.PurgeLogs``. For
automatic retention without a flow, see the ``retention.*`` settings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import Field, TypeAdapter, ValidationError

from lanner.errors import TaskFailure
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import ExecutionPurge, LogPurgeRequest, RunContext

__all__ = ["PurgeExecutions", "PurgeLogs"]

EndedState = Literal["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "SKIPPED"]
LogLevel = Literal["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]

_DATETIME = TypeAdapter(datetime)

_NAMESPACE = (
    "Namespace to purge: with `flowId`, the namespace of that flow; without, this namespace and the ones below it. "
    "Every namespace when unset."
)
_FLOW_ID = "Flow to purge (needs `namespace`)."


async def _date(ctx: RunContext, value: str | None, what: str) -> datetime | None:
    if value is None:
        return None
    rendered = await ctx.render(value)
    text = rendered.strip() if isinstance(rendered, str) else rendered
    if text in ("", None):
        return None
    try:
        moment = _DATETIME.validate_python(text)
    except ValidationError:
        raise TaskFailure(
            f"`{what}` is not a date-time: {rendered!r} (use ISO-8601, such as 2026-01-31T00:00:00Z, "
            "or an expression such as \"{{ now() | dateAdd(-1, 'MONTHS') }}\")",
            retryable=False,
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def _scope(ctx: RunContext, namespace: str | None, flow_id: str | None) -> tuple[str | None, str | None]:
    ns = str(await ctx.render(namespace)).strip() or None if namespace else None
    flow = str(await ctx.render(flow_id)).strip() or None if flow_id else None
    if flow is not None and ns is None:
        raise TaskFailure("`flowId` needs `namespace`: set the namespace of the flow to purge", retryable=False)
    return ns, flow


class PurgeExecutions(RunnableTask):
    """Delete ended executions with their task runs, logs, metrics and internal-storage files.

    Only executions in a terminal state (SUCCESS, WARNING, FAILED, KILLED, CANCELLED,
    SKIPPED) that started in `[startDate, endDate)` and ended before `endDate` are deleted,
    in batches of `batchSize`; running, paused or queued executions are never touched.
    Outputs: `executionsCount`, `logsCount`, `storagesCount` (execution folders removed) and
    `metricsCount`, which stays 0: metrics are kept on the task runs and go with them.
    """

    type: Literal["lanner.core.Purge", "io.kestra.plugin.core.execution.PurgeExecutions", "io.kestra.plugin.core.storage.Purge"]
    endDate: str = Field(
        description="Executions that started and ended before this date-time are purged (ISO-8601; rendered).",
        examples=["{{ now() | dateAdd(-1, 'MONTHS') }}"],
    )
    startDate: str | None = Field(
        default=None, description="Only executions that started at or after this date-time (ISO-8601; rendered)."
    )
    namespace: str | None = Field(default=None, description=_NAMESPACE, examples=["company.team"])
    flowId: str | None = Field(default=None, description=_FLOW_ID, examples=["nightly_load"])
    states: list[EndedState] | None = Field(
        default=None,
        description="Only executions ending in these states; every terminal state when unset.",
        examples=[["SUCCESS", "WARNING"]],
    )
    purgeExecution: bool = Field(default=True, description="Delete the executions themselves (with their task runs).")
    purgeLog: bool = Field(default=True, description="Delete the executions' logs.")
    purgeMetric: bool = Field(
        default=True, description="Accepted for Kestra flows: metrics live on the task runs and go with the executions."
    )
    purgeStorage: bool = Field(default=True, description="Delete the executions' files from internal storage.")
    batchSize: int = Field(default=100, ge=1, le=10_000, description="Executions deleted per transaction.")

    async def run(self, ctx: RunContext) -> Output:
        end = await _date(ctx, self.endDate, "endDate")
        if end is None:
            raise TaskFailure("`endDate` rendered to an empty value", retryable=False)
        start = await _date(ctx, self.startDate, "startDate")
        namespace, flow_id = await _scope(ctx, self.namespace, self.flowId)
        counts = await ctx.purge.executions(
            ExecutionPurge(
                end=end,
                start=start,
                namespace=namespace,
                flow_id=flow_id,
                states=list(self.states) if self.states else None,
                executions=self.purgeExecution,
                logs=self.purgeLog,
                storage=self.purgeStorage,
                batch_size=self.batchSize,
            )
        )
        ctx.logger.info(
            f"purged {counts.executions} execution(s), {counts.task_runs} task run(s), {counts.logs} log line(s) "
            f"and {counts.storage} storage folder(s) ended before {end.isoformat()}"
        )
        return {
            "executionsCount": counts.executions,
            "logsCount": counts.logs,
            "storagesCount": counts.storage,
            "metricsCount": 0,
        }


class PurgeLogs(RunnableTask):
    """Delete log lines written in `[startDate, endDate)`, in batches: of every flow, of a namespace,
    a flow or one execution, optionally only some levels. Output: `count`, the lines deleted."""

    type: Literal["lanner.core.PurgeLogs", "io.kestra.plugin.core.log.PurgeLogs"]
    endDate: str = Field(
        description="Log lines written before this date-time are purged (ISO-8601; rendered).",
        examples=["{{ now() | dateAdd(-7, 'DAYS') }}"],
    )
    startDate: str | None = Field(default=None, description="Only lines written at or after this date-time.")
    namespace: str | None = Field(default=None, description=_NAMESPACE, examples=["company.team"])
    flowId: str | None = Field(default=None, description=_FLOW_ID)
    executionId: str | None = Field(default=None, description="Only the lines of this execution.")
    logLevels: list[LogLevel] | None = Field(
        default=None, description="Only lines of these levels; every level when unset.", examples=[["TRACE", "DEBUG"]]
    )
    batchSize: int = Field(default=1000, ge=1, le=100_000, description="Lines deleted per transaction.")

    async def run(self, ctx: RunContext) -> Output:
        end = await _date(ctx, self.endDate, "endDate")
        if end is None:
            raise TaskFailure("`endDate` rendered to an empty value", retryable=False)
        start = await _date(ctx, self.startDate, "startDate")
        namespace, flow_id = await _scope(ctx, self.namespace, self.flowId)
        execution_id = str(await ctx.render(self.executionId)).strip() or None if self.executionId else None
        count = await ctx.purge.logs(
            LogPurgeRequest(
                end=end,
                start=start,
                namespace=namespace,
                flow_id=flow_id,
                execution_id=execution_id,
                levels=list(self.logLevels) if self.logLevels else None,
                batch_size=self.batchSize,
            )
        )
        ctx.logger.info(f"purged {count} log line(s) written before {end.isoformat()}")
        return {"count": count}
