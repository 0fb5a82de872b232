"""A local Airbyte following the documented API contract, with scripted job progress.

Configuration API (self-hosted): ``POST /api/v1/connections/sync``, ``/api/v1/jobs/get``,
``/api/v1/attempt/get_for_job``, ``/api/v1/connections/reset/stream``,
``/api/v1/applications/token``. Public API (Cloud): ``POST /v1/jobs``, ``GET /v1/jobs/{id}``,
``POST /v1/applications/token``. Every call but the token exchange must be authenticated.

A job follows a script: each ``jobs/get`` (or ``GET /v1/jobs/{id}``) answers the next step and
stays on the last one. A step gives the job's status and each attempt's cumulative log, as
Airbyte answers it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from ..mock_http import Call, MockServer, Reply


@dataclass
class Attempt:
    status: str
    log: list[str]
    records: int = 0
    bytes: int = 0
    failure: dict[str, Any] | None = None


@dataclass
class Step:
    status: str
    attempts: list[Attempt] = field(default_factory=list)


def success_script() -> list[Step]:
    lines = [f"2024-05-01 10:00:0{i} INFO i.a.w.g.ReplicationWorker(run):{i} - read {i * 10} records" for i in range(5)]
    return [
        Step("running", [Attempt("running", lines[:2])]),
        Step("running", [Attempt("running", lines[:4])]),
        Step("succeeded", [Attempt("succeeded", [*lines, "2024-05-01 10:00:09 WARN i.a.w.Sync - slow destination"], 120, 4096)]),
    ]


def failure_script(failure_type: str = "system_error") -> list[Step]:
    failure = {
        "failureOrigin": "source",
        "failureType": failure_type,
        "externalMessage": "Connection refused by source database",
        "internalMessage": "java.net.ConnectException",
    }
    first = Attempt("failed", ["attempt 0 started", "2024-05-01 10:00:01 ERROR source failed"], failure=failure)
    return [
        Step("running", [Attempt("running", ["attempt 0 started"])]),
        Step("incomplete", [first]),
        Step("running", [first, Attempt("running", ["attempt 1 started"])]),
        Step("failed", [first, Attempt("failed", ["attempt 1 started", "attempt 1 gave up"], failure=failure)]),
    ]


@dataclass
class CloudStep:
    status: str
    rows: int = 0
    bytes: int = 0


@dataclass
class AirbyteMock:
    """Scripted Airbyte; ``auth`` is ``("basic", user, password)``, ``("token", token)`` or
    ``("app", client_id, client_secret)`` (a token is issued for the application)."""

    auth: tuple[str, ...] = ("basic", "airbyte", "s3cret-pw")
    scripts: dict[str, list[Step]] = field(default_factory=dict)
    cloud_scripts: dict[str, list[CloudStep]] = field(default_factory=dict)
    #: connections whose sync is already running (the API answers 409)
    busy: set[str] = field(default_factory=set)
    #: leave logs out of jobs/get (newer servers): they are read from attempt/get_for_job, as events
    logs_in_jobs_get: bool = True
    #: status codes answered (once each, in order) by the next sync requests before the real answer
    sync_errors: list[int] = field(default_factory=list)
    jobs: dict[int, tuple[str, int]] = field(default_factory=dict)
    server: MockServer = field(default_factory=MockServer)

    def __post_init__(self) -> None:
        s = self.server
        s.route("POST", "/api/v1/applications/token")(self._token)
        s.route("POST", "/v1/applications/token")(self._token)
        s.route("POST", "/api/v1/connections/sync")(self._authed(self._sync))
        s.route("POST", "/api/v1/connections/reset/stream")(self._authed(self._reset))
        s.route("POST", "/api/v1/jobs/get")(self._authed(self._get))
        s.route("POST", "/api/v1/attempt/get_for_job")(self._authed(self._attempt))
        s.route("POST", "/v1/jobs")(self._authed(self._cloud_create))
        s.route("GET", r"/v1/jobs/(?P<job_id>\d+)")(self._authed(self._cloud_get))

    # ------------------------------------------------------------------ auth
    def _expected(self) -> str:
        kind, *values = self.auth
        if kind == "basic":
            return "Basic " + base64.b64encode(f"{values[0]}:{values[1]}".encode()).decode()
        if kind == "token":
            return f"Bearer {values[0]}"
        return "Bearer issued-app-token"

    def _token(self, call: Call) -> Reply:
        body = call.json or {}
        if self.auth[0] == "app" and (body.get("client_id"), body.get("client_secret")) == self.auth[1:]:
            return 200, {"access_token": "issued-app-token", "token_type": "Bearer", "expires_in": 180}
        return 401, {"message": "invalid client credentials"}

    def _authed(self, handler: Any) -> Any:
        def check(call: Call, **groups: str) -> Reply:
            if call.headers.get("authorization") != self._expected():
                return 401, {"message": "Unauthorized"}
            return handler(call, **groups)  # type: ignore[no-any-return]

        return check

    # ------------------------------------------------------------------ configuration API
    def _new_job(self, connection: str) -> int:
        job_id = 100 + len(self.jobs)
        self.jobs[job_id] = (connection, -1)
        return job_id

    def _job_read(self, job_id: int, status: str, kind: str = "sync") -> dict[str, Any]:
        connection = self.jobs[job_id][0]
        return {
            "id": job_id,
            "configType": kind,
            "configId": connection,
            "createdAt": 1714557600,
            "updatedAt": 1714557601,
            "status": status,
        }

    def _sync(self, call: Call) -> Reply:
        if self.sync_errors:
            return self.sync_errors.pop(0), {"message": "temporarily unavailable"}
        connection = (call.json or {}).get("connectionId")
        if connection in self.busy:
            return 409, {"message": f"A sync is already running for: {connection}"}
        if connection not in self.scripts:
            return 404, {"message": f"Could not find configuration for STANDARD_SYNC: {connection}."}
        job_id = self._new_job(connection)
        return 200, {"job": self._job_read(job_id, "pending"), "attempts": []}

    def _reset(self, call: Call) -> Reply:
        body = call.json or {}
        connection = body.get("connectionId")
        if connection not in self.scripts or not body.get("streams"):
            return 422, {"message": "unknown connection or no streams"}
        job_id = self._new_job(connection)
        return 200, {"job": self._job_read(job_id, "pending", "reset_connection"), "attempts": []}

    def _attempt_read(self, number: int, attempt: Attempt, with_logs: bool) -> dict[str, Any]:
        read: dict[str, Any] = {
            "attempt": {
                "id": number,
                "status": attempt.status,
                "createdAt": 1714557600,
                "updatedAt": 1714557601,
                "recordsSynced": attempt.records,
                "bytesSynced": attempt.bytes,
                "totalStats": {"recordsEmitted": attempt.records, "bytesEmitted": attempt.bytes},
            }
        }
        if attempt.failure is not None:
            read["attempt"]["failureSummary"] = {"failures": [attempt.failure], "partialSuccess": False}
        if with_logs:
            read["logs"] = {"logLines": list(attempt.log)}
        return read

    def _step(self, job_id: int, advance: bool) -> Step:
        connection, index = self.jobs[job_id]
        script = self.scripts[connection]
        if advance:
            index = min(index + 1, len(script) - 1)
            self.jobs[job_id] = (connection, index)
        return script[max(index, 0)]

    def _get(self, call: Call) -> Reply:
        job_id = (call.json or {}).get("id")
        if job_id not in self.jobs:
            return 404, {"message": f"Could not find job {job_id}"}
        step = self._step(job_id, advance=True)
        return 200, {
            "job": self._job_read(job_id, step.status),
            "attempts": [self._attempt_read(n, a, self.logs_in_jobs_get) for n, a in enumerate(step.attempts)],
        }

    def _attempt(self, call: Call) -> Reply:
        body = call.json or {}
        job_id, number = body.get("jobId"), body.get("attemptNumber")
        if job_id not in self.jobs:
            return 404, {"message": "no such job"}
        step = self._step(job_id, advance=False)
        if not isinstance(number, int) or number >= len(step.attempts):
            return 404, {"message": "no such attempt"}
        attempt = step.attempts[number]
        read = self._attempt_read(number, attempt, with_logs=False)
        events = [
            {"timestamp": 1714557600 + i, "level": "ERROR" if "ERROR" in line else "INFO", "message": line}
            for i, line in enumerate(attempt.log)
        ]
        read["logs"] = {"events": events, "version": "1"}
        read["logType"] = "structured"
        return 200, read

    # ------------------------------------------------------------------ public API (Cloud)
    def _cloud_json(self, job_id: int, step: CloudStep, kind: str) -> dict[str, Any]:
        return {
            "jobId": job_id,
            "status": step.status,
            "jobType": kind,
            "startTime": "2024-05-01T10:00:00Z",
            "connectionId": self.jobs[job_id][0],
            "lastUpdatedAt": "2024-05-01T10:00:05Z",
            "duration": "PT5S",
            "bytesSynced": step.bytes,
            "rowsSynced": step.rows,
        }

    def _cloud_create(self, call: Call) -> Reply:
        body = call.json or {}
        connection = body.get("connectionId")
        if connection not in self.cloud_scripts:
            return 404, {"type": "error", "title": "resource-not-found", "detail": f"connection {connection} not found"}
        job_id = self._new_job(connection)
        return 200, self._cloud_json(job_id, CloudStep("pending"), body.get("jobType", "sync"))

    def _cloud_get(self, call: Call, job_id: str) -> Reply:
        number = int(job_id)
        if number not in self.jobs:
            return 404, {"detail": "no such job"}
        connection, index = self.jobs[number]
        script = self.cloud_scripts[connection]
        index = min(index + 1, len(script) - 1)
        self.jobs[number] = (connection, index)
        return 200, self._cloud_json(number, script[index], "sync")
