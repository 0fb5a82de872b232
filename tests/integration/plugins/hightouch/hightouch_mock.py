"""A local Hightouch following the REST API v1 contract, with scripted run progress.

``GET /api/v1/syncs?slug=``, ``POST /api/v1/syncs/{id}/trigger`` (``{"fullResync": bool}`` →
``{"id": runId}``), ``GET /api/v1/syncs/{id}/runs?runId=`` (``{"data": [SyncRun]}``); every call
needs ``Authorization: Bearer <token>``. Each runs listing answers the next step of the sync's
script and stays on the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..mock_http import Call, MockServer, Reply


@dataclass
class RunStep:
    status: str
    ratio: float = 0.0
    changed: int = 0
    failed: int = 0
    error: str | None = None


def rows(added: int, changed: int = 0, removed: int = 0) -> dict[str, int]:
    return {"addedCount": added, "changedCount": changed, "removedCount": removed}


@dataclass
class HightouchMock:
    token: str = "ht-token-1"
    #: sync id -> (slug, script)
    syncs: dict[str, tuple[str, list[RunStep]]] = field(default_factory=dict)
    trigger_errors: list[int] = field(default_factory=list)
    runs: dict[str, tuple[str, int, bool]] = field(default_factory=dict)
    server: MockServer = field(default_factory=MockServer)

    def __post_init__(self) -> None:
        self.server.route("GET", "/api/v1/syncs")(self._authed(self._list))
        self.server.route("POST", r"/api/v1/syncs/(?P<sync_id>[^/]+)/trigger")(self._authed(self._trigger))
        self.server.route("GET", r"/api/v1/syncs/(?P<sync_id>[^/]+)/runs")(self._authed(self._runs))

    def _authed(self, handler: Any) -> Any:
        def check(call: Call, **groups: str) -> Reply:
            if call.headers.get("authorization") != f"Bearer {self.token}":
                return 401, {"message": "Unauthorized: invalid API key"}
            return handler(call, **groups)  # type: ignore[no-any-return]

        return check

    def _list(self, call: Call) -> Reply:
        slug = call.query.get("slug")
        data = [{"id": int(i), "slug": s, "status": "success"} for i, (s, _) in self.syncs.items() if slug in (None, s)]
        return 200, {"data": data, "hasMore": False}

    def _trigger(self, call: Call, sync_id: str) -> Reply:
        if self.trigger_errors:
            return self.trigger_errors.pop(0), {"message": "Service unavailable"}
        if sync_id not in self.syncs:
            return 404, {"message": f"Sync {sync_id} not found"}
        run_id = str(5000 + len(self.runs))
        self.runs[run_id] = (sync_id, -1, bool((call.json or {}).get("fullResync")))
        return 200, {"id": run_id}

    def _runs(self, call: Call, sync_id: str) -> Reply:
        run_id = call.query.get("runId", "")
        if run_id not in self.runs or self.runs[run_id][0] != sync_id:
            return 200, {"data": [], "hasMore": False}
        _, index, full = self.runs[run_id]
        script = self.syncs[sync_id][1]
        index = min(index + 1, len(script) - 1)
        self.runs[run_id] = (sync_id, index, full)
        step = script[index]
        run = {
            "id": run_id,
            "createdAt": "2024-05-01T10:00:00Z",
            "startedAt": "2024-05-01T10:00:01Z",
            "finishedAt": "2024-05-01T10:00:09Z" if step.status in ("success", "warning", "failed", "cancelled") else None,
            "querySize": 1000,
            "status": step.status,
            "completionRatio": step.ratio,
            "plannedRows": rows(step.changed + step.failed),
            "successfulRows": rows(step.changed),
            "failedRows": rows(step.failed),
            "error": step.error,
        }
        return 200, {"data": [run], "hasMore": False}
