"""dbt Cloud tasks: TriggerRun (start a job run, by default wait for it) and CheckStatus (wait
for an existing run), under Kestra's ``io.kestra.plugin.dbt.cloud.*`` names.

While waiting, the run's step logs are copied into the task log as they grow; a run ending in
error or cancelled fails the task with dbt Cloud's status message. With ``parseRunResults``,
the run's ``run_results.json`` and ``manifest.json`` are read by the same parser as the dbt CLI
tasks (``artifacts.py``) into the same outputs and metrics.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field

from lanner.errors import TaskFailure
from lanner.plugins.api_client import poll, render_bool, render_duration, render_text
from lanner.plugins.dbt.artifacts import manifest_summary, node_task_runs, parse_run_results, record_metrics
from lanner.plugins.dbt.cloud_client import (
    TERMINAL,
    DbtCloudApi,
    DbtCloudConnection,
    StepLogRelay,
    render_id,
    render_int,
    status_name,
)
from lanner.tasks.base import Output
from lanner.tasks.context import RunContext

__all__ = ["CheckStatus", "TriggerRun"]


def _run_outputs(run: dict[str, Any]) -> dict[str, Any]:
    code = run.get("status")
    return {
        "runId": run.get("id"),
        "jobId": run.get("job_id") or run.get("job_definition_id"),
        "status": status_name(code),
        "statusCode": code,
        "statusMessage": run.get("status_message"),
        "runUrl": run.get("href"),
        "gitBranch": run.get("git_branch"),
        "gitSha": run.get("git_sha"),
        "startedAt": run.get("started_at"),
        "finishedAt": run.get("finished_at"),
        "duration": run.get("duration_humanized") or run.get("duration"),
    }


class _WaitsForRun(DbtCloudConnection):
    pollFrequency: timedelta | str = Field(
        default=timedelta(seconds=5), description="How often the run's status and logs are read (ISO-8601).", examples=["PT10S"]
    )
    maxDuration: timedelta | str = Field(
        default=timedelta(hours=1),
        description="Longest wait for the run to end (ISO-8601); the task then fails and the run goes on in dbt Cloud.",
        examples=["PT2H"],
    )
    parseRunResults: bool | str = Field(
        default=True,
        description="After the run, download its `run_results.json` and `manifest.json` into the `runResults` and "
        "`project` outputs, metrics and `outputFiles` (as the dbt CLI tasks do).",
    )
    taskRunPerNode: bool = Field(
        default=True,
        description="With `parseRunResults`, add one task run per dbt node of the run's `run_results.json` to the "
        "execution, as a child of this task's run (as the dbt CLI tasks do), so the Gantt shows every model and test.",
    )

    async def _wait(self, ctx: RunContext, api: DbtCloudApi, run_id: int) -> Output:
        every = await render_duration(ctx, self.pollFrequency, "pollFrequency")
        longest = await render_duration(ctx, self.maxDuration, "maxDuration")
        parse = await render_bool(ctx, self.parseRunResults, "parseRunResults")
        relay = StepLogRelay(ctx)
        statuses: list[Any] = []

        async def check() -> dict[str, Any] | None:
            run = await api.run(run_id)
            code = run.get("status")
            if not statuses or statuses[-1] != code:
                ctx.logger.info(f"dbt Cloud run {run_id} is {status_name(code).lower()}")
                statuses.append(code)
            relay.feed(run)
            return run if code in TERMINAL else None

        run = await poll(ctx, check, every=every, max_duration=longest, what=f"dbt Cloud run {run_id}")
        outputs = _run_outputs(run)
        failed_nodes: list[dict[str, Any]] = []
        if parse:
            failed_nodes = await self._read_artifacts(ctx, api, run_id, outputs, required=run.get("status") == 10)
        if run.get("status") != 10:
            raise TaskFailure(_failure(run, failed_nodes))
        ctx.logger.info(f"dbt Cloud run {run_id} succeeded" + (f": {outputs['runUrl']}" if outputs["runUrl"] else ""))
        return outputs

    async def _read_artifacts(
        self, ctx: RunContext, api: DbtCloudApi, run_id: int, outputs: dict[str, Any], *, required: bool
    ) -> list[dict[str, Any]]:
        """Fill ``outputs`` from the run's artifacts; the failed nodes. A failed run may have none."""
        try:
            run_results = await api.artifact(run_id, "run_results.json")
            manifest = await api.artifact(run_id, "manifest.json") if run_results is not None else None
        except TaskFailure as exc:
            if required:
                raise
            ctx.logger.warning(f"the artifacts of the failed run could not be read: {exc}")
            return []
        if not isinstance(run_results, dict):
            ctx.logger.log("WARN" if required else "INFO", f"dbt Cloud run {run_id} has no run_results.json artifact")
            return []
        summary = parse_run_results(run_results, manifest if isinstance(manifest, dict) else None)
        record_metrics(ctx, summary)
        if self.taskRunPerNode:
            ctx.add_task_runs(node_task_runs(summary))
        outputs["runResults"] = summary.outputs()
        files = {"run_results.json": await ctx.storage.put_bytes(_json_bytes(run_results), "run_results.json")}
        if isinstance(manifest, dict):
            outputs["project"] = manifest_summary(manifest)
            files["manifest.json"] = outputs["manifest"] = await ctx.storage.put_bytes(_json_bytes(manifest), "manifest.json")
        outputs["outputFiles"] = files
        return summary.failed


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


def _failure(run: dict[str, Any], failed_nodes: list[dict[str, Any]]) -> str:
    code = run.get("status")
    how = "was cancelled" if code == 30 else "failed"
    message = str(run.get("status_message") or "").strip() or "dbt Cloud gave no status message"
    lines = [f"dbt Cloud run {run.get('id')} of job {run.get('job_id') or run.get('job_definition_id')} {how}: {message}"]
    for node in failed_nodes:
        detail = [part.strip() for part in (node.get("message") or "").splitlines() if part.strip()][:3]
        lines.append(f"  {node['uniqueId']} ({node['status']})" + (": " + " / ".join(detail) if detail else ""))
    if run.get("href"):
        lines.append(f"  see {run['href']}")
    return "\n".join(lines)


class TriggerRun(_WaitsForRun):
    """Trigger a run of a dbt Cloud job and, by default, wait for it to end.

    The job runs in dbt Cloud with its own environment and commands; the `…Override` properties
    change this run only. While waiting, the run steps' logs stream into the task log. Outputs
    `runId`, `status` (`SUCCESS`, `ERROR`, `CANCELLED`…), `statusCode`, `runUrl` (the run in dbt
    Cloud), `statusMessage`, `startedAt`, `finishedAt`, `duration`; with `parseRunResults` also
    `runResults` (every node with its status, timing and rows), `project`, `manifest` and
    `outputFiles`, and the metrics of the dbt CLI tasks. A run ending in error or cancelled fails
    the task with dbt Cloud's message; `maxDuration` exceeded fails it while the run goes on.
    """

    type: Literal["lanner.dbt.cloud.TriggerRun", "io.kestra.plugin.dbt.cloud.TriggerRun"]
    jobId: int | str = Field(description="Numeric ID of the dbt Cloud job to run.", examples=[43210])
    wait: bool | str = Field(
        default=True, description="Wait for the run to end, relaying its logs; false only enqueues it (outputs `runId`)."
    )
    cause: str = Field(
        default="Triggered by Lanner", description="Why the job runs: shown on the run in dbt Cloud.", examples=["{{ flow.id }}"]
    )
    gitBranch: str | None = Field(default=None, description="Git branch to check out for this run.", examples=["release"])
    gitSha: str | None = Field(default=None, description="Git commit to check out for this run.")
    schemaOverride: str | None = Field(
        default=None, description="Schema to build into instead of the target's schema.", examples=["dbt_ci_{{ execution.id }}"]
    )
    dbtVersionOverride: str | None = Field(default=None, description="dbt version to run with instead of the job's.")
    threadsOverride: int | str | None = Field(default=None, description="Number of threads instead of the job's.")
    targetNameOverride: str | None = Field(default=None, description="Value of `target.name` in the project for this run.")
    generateDocsOverride: bool | str | None = Field(default=None, description="Generate the docs or not, whatever the job says.")
    timeoutSecondsOverride: int | str | None = Field(default=None, description="Time limit of the run in dbt Cloud, in seconds.")
    stepsOverride: list[str] | None = Field(
        default=None, description="dbt commands to run instead of the job's steps.", examples=[["dbt build --select tag:daily"]]
    )

    async def _body(self, ctx: RunContext) -> dict[str, Any]:
        body: dict[str, Any] = {"cause": await render_text(ctx, self.cause, "cause") or "Triggered by Lanner"}
        texts = {
            "git_branch": self.gitBranch,
            "git_sha": self.gitSha,
            "schema_override": self.schemaOverride,
            "dbt_version_override": self.dbtVersionOverride,
            "target_name_override": self.targetNameOverride,
        }
        for key, value in texts.items():
            if value is not None:
                body[key] = await render_text(ctx, value, key)
        if self.threadsOverride is not None:
            body["threads_override"] = await render_int(ctx, self.threadsOverride, "threadsOverride")
        if self.timeoutSecondsOverride is not None:
            body["timeout_seconds_override"] = await render_int(ctx, self.timeoutSecondsOverride, "timeoutSecondsOverride")
        if self.generateDocsOverride is not None:
            body["generate_docs_override"] = await render_bool(ctx, self.generateDocsOverride, "generateDocsOverride")
        if self.stepsOverride is not None:
            body["steps_override"] = [str(step) for step in await ctx.render(list(self.stepsOverride))]
        return body

    async def run(self, ctx: RunContext) -> Output:
        job_id = await render_id(ctx, self.jobId, "jobId")
        wait = await render_bool(ctx, self.wait, "wait")
        body = await self._body(ctx)
        async with await self._api(ctx) as api:
            run = await api.trigger(job_id, body)
            run_id = run.get("id")
            if not isinstance(run_id, int):
                raise TaskFailure(f"dbt Cloud: triggering job {job_id} answered no run id: {str(run)[:300]}")
            ctx.logger.info(f"triggered dbt Cloud run {run_id} of job {job_id}" + (f": {run['href']}" if run.get("href") else ""))
            if not wait:
                return _run_outputs(run)
            return await self._wait(ctx, api, run_id)


class CheckStatus(_WaitsForRun):
    """Wait for an existing dbt Cloud run (`runId`) to end, relaying its step logs.

    Outputs and failures as TriggerRun's: `runId`, `status`, `runUrl`…, and with
    `parseRunResults` the parsed `runResults`, `project`, `manifest`, `outputFiles` and metrics.
    """

    type: Literal["lanner.dbt.cloud.CheckStatus", "io.kestra.plugin.dbt.cloud.CheckStatus"]
    runId: int | str = Field(description="Numeric ID of the run to follow.", examples=["{{ outputs.trigger.runId }}"])

    async def run(self, ctx: RunContext) -> Output:
        run_id = await render_id(ctx, self.runId, "runId")
        async with await self._api(ctx) as api:
            return await self._wait(ctx, api, run_id)
