"""A local dbt Cloud following the administrative API v2 contract, with scripted run progress.

``POST /api/v2/accounts/{account}/jobs/{job}/run/`` (``{"cause", …overrides}`` → the run, queued),
``GET /api/v2/accounts/{account}/runs/{run}/?include_related=["run_steps"]`` (the run; its
``run_steps`` with their ``logs`` only when asked for), ``GET …/runs/{run}/artifacts/{path}`` (the
file itself, 404 until the run is complete or when it wrote none). Answers other than artifacts
are wrapped as ``{"status": {"code", "is_success", "user_message", "developer_message"}, "data"}``;
every call needs ``Authorization: Token <key>``.

Each run of a job follows the job's script: each run read answers the next poll of the script
and stays on the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..mock_http import Call, MockServer, Reply

QUEUED, STARTING, RUNNING, SUCCESS, ERROR, CANCELLED = 1, 2, 3, 10, 20, 30
HUMANIZED = {1: "Queued", 2: "Starting", 3: "Running", 10: "Success", 20: "Error", 30: "Cancelled"}


@dataclass
class RunStep:
    name: str
    status: int
    logs: str = ""


@dataclass
class Poll:
    """What one read of the run answers."""

    status: int
    steps: list[RunStep] = field(default_factory=list)
    message: str | None = None


@dataclass
class Job:
    script: list[Poll]
    run_results: dict[str, Any] | None = None
    manifest: dict[str, Any] | None = None


def envelope(code: int, data: Any, message: str = "Success!") -> Reply:
    return code, {
        "status": {"code": code, "is_success": code < 400, "user_message": message, "developer_message": ""},
        "data": data,
    }


CLONE_LOG = "Cloning into '/tmp/jobs/repo'...\nSuccessfully cloned repository.\n"
BUILD_LOG_1 = "12:00:01  Running with dbt=1.11.2\n12:00:02  Found 2 models, 1 test\n"
BUILD_LOG_2 = "12:00:03  1 of 3 OK created sql view model analytics.stg_orders\n12:00:04  2 of 3 OK created sql table model"
BUILD_LOG_3 = " analytics.orders [SELECT 42]\n12:00:05  3 of 3 PASS not_null_orders_id\n12:00:05  Done. PASS=3\n"


def success_script() -> list[Poll]:
    """Queued, then the steps' logs growing over three reads (a line split across two), then success."""
    return [
        Poll(QUEUED),
        Poll(RUNNING, [RunStep("Clone git repository", RUNNING, CLONE_LOG[:20])]),
        Poll(
            RUNNING,
            [RunStep("Clone git repository", SUCCESS, CLONE_LOG), RunStep("Invoke dbt with `dbt build`", RUNNING, BUILD_LOG_1)],
        ),
        Poll(
            RUNNING,
            [
                RunStep("Clone git repository", SUCCESS, CLONE_LOG),
                RunStep("Invoke dbt with `dbt build`", RUNNING, BUILD_LOG_1 + BUILD_LOG_2),
            ],
        ),
        Poll(
            SUCCESS,
            [
                RunStep("Clone git repository", SUCCESS, CLONE_LOG),
                RunStep("Invoke dbt with `dbt build`", SUCCESS, BUILD_LOG_1 + BUILD_LOG_2 + BUILD_LOG_3),
            ],
        ),
    ]


def run_results(failed: bool = False) -> dict[str, Any]:
    """A run_results.json as dbt 1.11 writes it (schema v6), for the project of ``manifest()``."""

    def result(
        unique_id: str, status: str, rows: int | None = None, message: str = "OK", failures: int | None = None
    ) -> dict[str, Any]:
        return {
            "unique_id": unique_id,
            "status": status,
            "timing": [
                {"name": "compile", "started_at": "2024-05-01T12:00:02.000000Z", "completed_at": "2024-05-01T12:00:02.100000Z"},
                {"name": "execute", "started_at": "2024-05-01T12:00:02.100000Z", "completed_at": "2024-05-01T12:00:03.000000Z"},
            ],
            "thread_id": "Thread-1",
            "execution_time": 0.9,
            "adapter_response": {"_message": message, "code": "SELECT", "rows_affected": rows} if rows is not None else {},
            "message": message,
            "failures": failures,
        }

    return {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json", "dbt_version": "1.11.2"},
        "results": [
            result("model.shop.stg_orders", "success", 0, "CREATE VIEW"),
            result("model.shop.orders", "error", None, 'Database Error in model orders\n  relation "raw.orders" does not exist')
            if failed
            else result("model.shop.orders", "success", 42, "SELECT 42"),
            result("test.shop.not_null_orders_id.5fb22c2710", "pass", None, "PASS", 0),
        ],
        "elapsed_time": 3.25,
        "args": {"which": "build"},
    }


def manifest() -> dict[str, Any]:
    def model(name: str, materialized: str, parents: list[str]) -> dict[str, Any]:
        return {
            "name": name,
            "resource_type": "model",
            "original_file_path": f"models/{name}.sql",
            "config": {"materialized": materialized},
            "depends_on": {"nodes": parents},
        }

    return {
        "metadata": {"dbt_version": "1.11.2", "adapter_type": "postgres", "project_name": "shop"},
        "nodes": {
            "model.shop.stg_orders": model("stg_orders", "view", ["source.shop.raw.orders"]),
            "model.shop.orders": model("orders", "table", ["model.shop.stg_orders"]),
            "test.shop.not_null_orders_id.5fb22c2710": {
                "name": "not_null_orders_id",
                "resource_type": "test",
                "original_file_path": "models/schema.yml",
                "config": {"materialized": "test"},
                "depends_on": {"nodes": ["model.shop.orders"]},
            },
        },
        "sources": {"source.shop.raw.orders": {"name": "orders", "resource_type": "source"}},
    }


@dataclass
class DbtCloudMock:
    token: str = "dbtc_token_1"
    account_id: int = 70403
    jobs: dict[int, Job] = field(default_factory=dict)
    #: statuses answered by the next trigger calls (a 503, then the real answer…)
    trigger_errors: list[int] = field(default_factory=list)
    #: run id -> (job id, script position, body of the trigger call)
    runs: dict[int, tuple[int, int, dict[str, Any]]] = field(default_factory=dict)
    server: MockServer = field(default_factory=MockServer)

    def __post_init__(self) -> None:
        account = r"/api/v2/accounts/(?P<account>\d+)"
        self.server.route("POST", account + r"/jobs/(?P<job>\d+)/run/")(self._authed(self._trigger))
        self.server.route("GET", account + r"/runs/(?P<run>\d+)/")(self._authed(self._run))
        self.server.route("GET", account + r"/runs/(?P<run>\d+)/artifacts/(?P<path>.+)")(self._authed(self._artifact))

    def _authed(self, handler: Any) -> Any:
        def check(call: Call, account: str, **groups: str) -> Reply:
            if call.headers.get("authorization") != f"Token {self.token}":
                return envelope(401, None, "Invalid token.")
            if int(account) != self.account_id:
                return envelope(404, None, "The requested resource was not found.")
            return handler(call, **groups)  # type: ignore[no-any-return]

        return check

    def run_url(self, run_id: int, job_id: int) -> str:
        return f"{self.server.url}/deploy/{self.account_id}/projects/1/runs/{run_id}/"

    def _describe(self, run_id: int, poll: Poll, with_steps: bool) -> dict[str, Any]:
        job_id, _, body = self.runs[run_id]
        done = poll.status in (SUCCESS, ERROR, CANCELLED)
        steps = [
            {
                "id": run_id * 10 + index,
                "run_id": run_id,
                "account_id": self.account_id,
                "index": index,
                "name": step.name,
                "status": step.status,
                "status_humanized": HUMANIZED[step.status],
                "logs": step.logs,
                "debug_logs": "",
                "truncated_debug_logs": "",
            }
            for index, step in enumerate(poll.steps, start=1)
        ]
        return {
            "id": run_id,
            "account_id": self.account_id,
            "job_definition_id": job_id,
            "job_id": job_id,
            "status": poll.status,
            "status_humanized": HUMANIZED[poll.status],
            "status_message": poll.message,
            "git_branch": body.get("git_branch", "main"),
            "git_sha": body.get("git_sha", "9f8e7d6c"),
            "trigger": {"cause": body.get("cause")},
            "in_progress": poll.status in (QUEUED, STARTING, RUNNING),
            "is_complete": done,
            "is_success": poll.status == SUCCESS,
            "is_error": poll.status == ERROR,
            "is_cancelled": poll.status == CANCELLED,
            "created_at": "2024-05-01 12:00:00.000000+00:00",
            "started_at": "2024-05-01 12:00:01.000000+00:00" if poll.status != QUEUED else None,
            "finished_at": "2024-05-01 12:00:06.000000+00:00" if done else None,
            "duration_humanized": "6 seconds",
            "href": self.run_url(run_id, job_id),
            "run_steps": steps if with_steps else [],
        }

    def _trigger(self, call: Call, job: str) -> Reply:
        if self.trigger_errors:
            return envelope(self.trigger_errors.pop(0), None, "Service temporarily unavailable.")
        body = call.json or {}
        if int(job) not in self.jobs:
            return envelope(404, None, "The requested resource was not found.")
        if not body.get("cause"):
            return envelope(400, None, "cause: This field is required.")
        run_id = 900 + len(self.runs)
        self.runs[run_id] = (int(job), -1, body)
        return envelope(200, self._describe(run_id, Poll(QUEUED), with_steps=False))

    def _run(self, call: Call, run: str) -> Reply:
        run_id = int(run)
        if run_id not in self.runs:
            return envelope(404, None, "The requested resource was not found.")
        job_id, position, body = self.runs[run_id]
        script = self.jobs[job_id].script
        position = min(position + 1, len(script) - 1)
        self.runs[run_id] = (job_id, position, body)
        return envelope(200, self._describe(run_id, script[position], "run_steps" in call.query.get("include_related", "")))

    def _artifact(self, call: Call, run: str, path: str) -> Reply:
        run_id = int(run)
        if run_id not in self.runs:
            return envelope(404, None, "The requested resource was not found.")
        job_id, position, _ = self.runs[run_id]
        job = self.jobs[job_id]
        complete = position >= 0 and job.script[position].status in (SUCCESS, ERROR, CANCELLED)
        content = {"run_results.json": job.run_results, "manifest.json": job.manifest}.get(path)
        if not complete or content is None:
            return envelope(404, None, f"No artifact found at {path}")
        return 200, content
