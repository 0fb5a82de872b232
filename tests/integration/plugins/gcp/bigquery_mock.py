"""A local stand-in for the BigQuery REST API v2: the calls google-cloud-bigquery makes for query and load jobs.

jobs.insert (and the multipart upload of a load job), jobs.get, jobs.getQueryResults (paged) and
tabledata.list. Query answers are scripted by SQL text; an unknown SQL fails the job like BigQuery does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..mock_http import Call, MockServer

API = "/bigquery/v2/projects/(?P<project>[^/]+)"


@dataclass
class Answer:
    """Rows of a query: ``columns`` as ``(name, type)``, values as BigQuery's REST strings."""

    columns: list[tuple[str, str]]
    rows: list[list[Any]]
    bytes_processed: int = 1024


@dataclass
class BigQueryMock:
    answers: dict[str, Answer] = field(default_factory=dict)
    insert_errors: list[int] = field(default_factory=list)
    page_size: int = 2
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    loads: list[tuple[dict[str, Any], bytes]] = field(default_factory=list)
    server: MockServer = field(default_factory=MockServer)

    def __post_init__(self) -> None:
        s = self.server
        s.route("POST", API + "/jobs")(self._insert)
        s.route("POST", "/upload" + API + "/jobs")(self._upload)
        s.route("GET", API + "/jobs/(?P<job_id>[^/]+)")(self._get)
        s.route("GET", API + "/queries/(?P<job_id>[^/]+)")(self._results)

    def _job(self, project: str, body: dict[str, Any], status: dict[str, Any], statistics: dict[str, Any]) -> dict[str, Any]:
        ref = dict(body.get("jobReference") or {})
        ref.setdefault("projectId", project)
        job = {
            "kind": "bigquery#job",
            "id": f"{project}:{ref['jobId']}",
            "jobReference": ref,
            "configuration": body.get("configuration", {}),
            "status": status,
            "statistics": statistics,
        }
        self.jobs[ref["jobId"]] = job
        return job

    def _insert(self, call: Call, project: str) -> tuple[int, Any]:
        if self.insert_errors:
            code = self.insert_errors.pop(0)
            return code, {
                "error": {
                    "code": code,
                    "message": "Backend error",
                    "errors": [{"reason": "backendError", "message": "Backend error"}],
                }
            }
        body = call.json
        query = body["configuration"]["query"]
        answer = self.answers.get(query["query"].strip())
        if answer is None:
            error = {"reason": "invalidQuery", "location": "query", "message": "Syntax error: Unexpected identifier at [1:1]"}
            return 200, self._job(project, body, {"state": "DONE", "errorResult": error, "errors": [error]}, {})
        stats = {
            "query": {"totalBytesProcessed": str(answer.bytes_processed), "statementType": "SELECT"},
            "totalBytesProcessed": str(answer.bytes_processed),
        }
        if not body["configuration"].get("dryRun") and "destinationTable" not in query:
            query["destinationTable"] = {
                "projectId": project,
                "datasetId": "_anon",
                "tableId": "anon_" + body["jobReference"]["jobId"][:8],
            }
        return 200, self._job(project, body, {"state": "DONE"}, stats)

    def _upload(self, call: Call, project: str) -> tuple[int, Any]:
        boundary = call.headers["content-type"].split("boundary=")[1].strip('"')
        parts = [p for p in call.body.split(b"--" + boundary.encode()) if p.strip() not in (b"", b"--")]
        metadata = json.loads(parts[0].split(b"\r\n\r\n", 1)[1])
        data = parts[1].split(b"\r\n\r\n", 1)[1].rstrip(b"\r\n")
        self.loads.append((metadata, data))
        lines = [line for line in data.splitlines() if line.strip()]
        skip = int(metadata["configuration"]["load"].get("skipLeadingRows") or 0)
        stats = {"load": {"outputRows": str(len(lines) - skip), "inputFiles": "1"}}
        return 200, self._job(project, metadata, {"state": "DONE"}, stats)

    def _get(self, call: Call, project: str, job_id: str) -> tuple[int, Any]:
        job = self.jobs.get(job_id)
        return (200, job) if job else (404, {"error": {"code": 404, "message": f"Not found: Job {project}:{job_id}"}})

    def _results(self, call: Call, project: str, job_id: str) -> tuple[int, Any]:
        job = self.jobs[job_id]
        error = job["status"].get("errorResult")
        if error:
            return 400, {"error": {"code": 400, "message": error["message"], "errors": [error]}}
        answer = self.answers[job["configuration"]["query"]["query"].strip()]
        start = int(call.query.get("pageToken") or call.query.get("startIndex") or 0)
        size = int(call.query.get("maxResults") or self.page_size)
        size = min(size, self.page_size)
        chunk = answer.rows[start : start + size]
        reply: dict[str, Any] = {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": job["jobReference"],
            "jobComplete": True,
            "totalRows": str(len(answer.rows)),
            "schema": {"fields": [{"name": n, "type": t, "mode": "NULLABLE"} for n, t in answer.columns]},
            "rows": [{"f": [{"v": v} for v in row]} for row in chunk],
        }
        if start + size < len(answer.rows) and size:
            reply["pageToken"] = str(start + size)
        return 200, reply
