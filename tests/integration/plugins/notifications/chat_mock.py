"""A local chat service capturing webhook messages: ``POST /hook/<name>`` answers like Slack
(``200 ok``); ``/hook/gone`` answers Slack's ``404 no_service``; the statuses queued in ``errors``
answer the next messages first (then they are taken as usual)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..mock_http import Call, MockServer, Reply


@dataclass
class ChatMock:
    server: MockServer = field(default_factory=MockServer)
    errors: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server.route("POST", r"/hook/(?P<name>[\w-]+)")(self._hook)

    def _hook(self, call: Call, name: str) -> Reply:
        if name == "gone":
            return 404, "no_service"
        if self.errors:
            return self.errors.pop(0), "temporarily unavailable"
        if call.headers.get("content-type") != "application/json":
            return 400, "invalid_payload"
        return 200, "ok"

    def url(self, name: str) -> str:
        return f"{self.server.url}/hook/{name}"

    def messages(self, name: str) -> list[Any]:
        return [c.json for c in self.server.calls if c.path == f"/hook/{name}"]
