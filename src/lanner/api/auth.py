"""Authentication of the HTTP API: basic auth and API tokens, checked before routing.

``AuthMiddleware`` wraps the whole application (an ASGI middleware, not a route dependency),
so no route can forget it and no path spelling reaches a route unchecked. Three kinds of
requests pass without credentials:

- ``GET /health``, exactly;
- ``GET``/``HEAD`` of the web UI's shell and assets: ``/``, ``/ui`` and ``/ui/<file or page>``
  (they hold no data: the app asks for credentials on its login page and sends them with every
  API call). The path must be spelled plainly, as for webhooks below;
- keyed webhooks, ``/api/v1[/main]/executions/webhook/<namespace>/<flow>/<key>``: the key is
  the credential. The path must be spelled plainly: no ``.``/``..`` segment, no empty segment,
  no percent-encoded ``/``, ``\\`` or ``.``; anything else needs credentials.

Credentials are compared in constant time, and every configured credential is compared, so
the answer time says nothing about which one nearly matched.

A 401 carries ``WWW-Authenticate: Basic`` (when basic auth is configured) so that command-line
and Kestra clients know to send credentials, except to requests carrying ``X-Requested-With``
(the web UI sends it on every call): a browser would answer that header with its own
credentials dialog, over the app's login page.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from lanner.settings import AuthSettings

__all__ = ["AuthMiddleware", "Credentials", "is_public"]

_WEBHOOK = re.compile(r"/api/v1(?:/main)?/executions/webhook/[^/]+/[^/]+/[^/]+")
_ENCODED_SEPARATOR = re.compile(rb"%(?:2f|5c|2e|25)", re.IGNORECASE)
_REALM = 'Basic realm="Lanner", charset="UTF-8"'


class Credentials:
    """The accepted credentials, as bytes for constant-time comparison."""

    def __init__(self, basic: tuple[str, str] | None, tokens: Sequence[str]) -> None:
        self._basic = (basic[0].encode(), basic[1].encode()) if basic else None
        self._tokens = [token.encode() for token in tokens]

    @classmethod
    def from_settings(cls, auth: AuthSettings) -> Credentials:
        basic = None
        if auth.basic.username is not None and auth.basic.password is not None:
            basic = (auth.basic.username, auth.basic.password.get_secret_value())
        return cls(basic, [token.get_secret_value() for token in auth.tokens])

    @property
    def enabled(self) -> bool:
        return self._basic is not None or bool(self._tokens)

    @property
    def accepts_basic(self) -> bool:
        return self._basic is not None

    def check(self, authorization: bytes | None) -> bool:
        """Whether an ``Authorization`` header value carries valid credentials."""
        if not authorization:
            return False
        scheme, _, value = authorization.strip().partition(b" ")
        value = value.strip()
        scheme = scheme.lower()
        if scheme == b"bearer":
            ok = False
            for token in self._tokens:  # no early exit: the time does not depend on which matched
                ok |= hmac.compare_digest(value, token)
            return ok
        if scheme == b"basic" and self._basic is not None:
            try:
                decoded = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                return False
            user, sep, password = decoded.partition(b":")
            if not sep:
                return False
            user_ok = hmac.compare_digest(user, self._basic[0])
            password_ok = hmac.compare_digest(password, self._basic[1])
            return user_ok and password_ok
        return False


def _plain(path: str, raw: bytes, *, trailing_slash: bool = False) -> bool:
    """No ``.``/``..``/empty segment (but a final ``/`` if allowed), no encoded separator, no ``\\``."""
    if _ENCODED_SEPARATOR.search(raw) or "\\" in path:
        return False
    segments = path.split("/")[1:]
    if trailing_slash and segments and segments[-1] == "":
        segments = segments[:-1]
    return all(segment not in ("", ".", "..") for segment in segments)


def is_public(scope: Scope) -> bool:
    """Whether a request may pass without credentials (``/health``, the UI shell, keyed webhooks)."""
    path: str = scope.get("path", "")
    raw: bytes = scope.get("raw_path") or path.encode()
    reads = scope.get("method") in ("GET", "HEAD")
    if path == "/health":
        return reads and raw.split(b"?", 1)[0] == b"/health"
    if path in ("/", "/ui") or path.startswith("/ui/"):
        return reads and _plain(path, raw, trailing_slash=True)
    return bool(_WEBHOOK.fullmatch(path)) and _plain(path, raw)


class AuthMiddleware:
    """Answers 401 to every request without valid credentials, except the public ones."""

    def __init__(self, app: ASGIApp, credentials: Credentials) -> None:
        self.app = app
        self.credentials = credentials

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or is_public(scope) or self._authorized(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps(
            {
                "message": "authentication required: send `Authorization: Bearer <token>` "
                "or HTTP basic credentials configured in auth.* settings",
            }
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if self.credentials.accepts_basic and not _header(scope, b"x-requested-with"):
            headers.append((b"www-authenticate", _REALM.encode()))
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _authorized(self, scope: Scope) -> bool:
        values = _header(scope, b"authorization")
        return len(values) == 1 and self.credentials.check(values[0])


def _header(scope: Scope, name: bytes) -> list[bytes]:
    """The values of the request header ``name`` (lower case)."""
    return [value for key, value in scope.get("headers", []) if key.lower() == name]
