"""Secrets never leave the server: every text response is masked on its way out.

Logs and outputs are masked where they are written; this middleware is the last line: any
JSON, text or Server-Sent Events response showing a value the secret backend knows (or one
of its usual transformations, see ``Masker``) has it replaced by ``******``. JSON is masked
value by value, so the document stays valid JSON; SSE frames are masked line by line. Binary
bodies (downloaded files) pass unchanged. A response without any secret costs one regular
expression search; the masker is built again only when the list of secrets changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lanner.engine.task_logs import Masker

__all__ = ["MaskSecretsMiddleware"]

_TEXT_TYPES = (b"application/json", b"text/", b"application/x-ndjson", b"application/problem+json")


class MaskSecretsMiddleware:
    def __init__(self, app: ASGIApp, known_secrets: Callable[[], list[str]]) -> None:
        self.app = app
        self.known_secrets = known_secrets
        #: the masker of the last list of secrets: building one (variants, regular expression)
        #: costs more than most requests, and the list rarely changes
        self._masker: tuple[tuple[str, ...], Masker] = ((), Masker())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        masker = self._current_masker()
        if not masker:
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _MaskingSender(send, masker))

    def _current_masker(self) -> Masker:
        secrets = tuple(self.known_secrets())
        known, masker = self._masker
        if secrets != known:
            masker = Masker(secrets)
            self._masker = (secrets, masker)
        return masker


class _MaskingSender:
    """Holds the response start until the body is known when it must be rewritten whole."""

    def __init__(self, send: Send, masker: Masker) -> None:
        self.send = send
        self.masker = masker
        self.start: Message | None = None
        self.mode = "pass"  # pass | whole | stream
        self.buffer = bytearray()

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            headers = dict(message.get("headers", []))
            content_type = headers.get(b"content-type", b"").lower()
            if not any(content_type.startswith(t) for t in _TEXT_TYPES):
                await self.send(message)
                return
            self.start = message
            self.mode = "stream" if content_type.startswith(b"text/event-stream") else "whole"
            if self.mode == "stream":
                await self.send(_without_length(message))
            return
        if kind != "http.response.body" or self.mode == "pass":
            await self.send(message)
            return
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        if self.mode == "stream":
            await self.send({**message, "body": self._mask_stream(body)})
            return
        self.buffer += body
        if more:
            return
        masked = self._mask_whole(bytes(self.buffer))
        assert self.start is not None
        await self.send(_with_length(self.start, len(masked)))
        await self.send({"type": "http.response.body", "body": masked, "more_body": False})

    def _mask_whole(self, body: bytes) -> bytes:
        text = body.decode("utf-8", errors="replace")
        if not self.masker.reveals(text):
            return body
        try:
            document = json.loads(text)
        except ValueError:
            return self.masker(text).encode()
        return json.dumps(self.masker.deep(document), ensure_ascii=False, separators=(",", ":")).encode()

    def _mask_stream(self, chunk: bytes) -> bytes:
        text = chunk.decode("utf-8", errors="replace")
        if not self.masker.reveals(text):
            return chunk
        lines = []
        for line in text.split("\n"):
            if line.startswith("data:"):
                payload = line[5:].strip()
                try:
                    document = json.loads(payload)
                except ValueError:
                    line = self.masker(line)
                else:
                    line = "data: " + json.dumps(self.masker.deep(document), separators=(",", ":"))
            else:
                line = self.masker(line)
            lines.append(line)
        return "\n".join(lines).encode()


def _with_length(start: Message, length: int) -> Message:
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(length).encode()))
    return {**start, "headers": headers}


def _without_length(start: Message) -> Message:
    return {**start, "headers": [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]}
