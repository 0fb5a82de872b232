"""A small client of Lanner's REST API for the commands that talk to a server.

Every call goes to ``/api/v1/…`` with ``Authorization: Bearer <token>`` when a token is given.
Errors become ``ApiError`` with a message a user can act on: the server's own message and its
located issues (422), or what to do about a refused (401), missing or unreachable server.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from lanner.errors import Issue, LannerError
from lanner.flows_as_code.plan import RemoteFlow

__all__ = ["DEFAULT_SERVER", "ApiClient", "ApiError"]

DEFAULT_SERVER = "http://127.0.0.1:8080"
_PAGE = 10_000


class ApiError(LannerError):
    """The server refused a request or could not be reached; ``issues`` locates invalid flows."""

    def __init__(self, message: str, status: int | None = None, issues: Sequence[Issue] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.issues = list(issues)


class ApiClient:
    def __init__(self, server: str, token: str | None = None, *, timeout: float = 60.0) -> None:
        self.server = server.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.server + "/api/v1", headers=headers, timeout=timeout)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot reach the Lanner server at {self.server}: {exc} ({hint_text(None)})") from None
        if response.status_code >= 400:
            raise _error(response, self.server)
        return response

    # ------------------------------------------------------------------ flows
    def flows(self, namespace: str) -> list[RemoteFlow]:
        """The live flows of ``namespace`` and the namespaces below it, with their sources."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self._call("GET", "/flows/search", params={"namespace": namespace, "size": _PAGE, "page": page}).json()
            found.extend(body["results"])
            if len(found) >= body["total"] or not body["results"]:
                break
            page += 1
        if not found:
            return []
        archive = self._call("GET", "/flows/export/by-query", params={"namespace": namespace}).content
        with zipfile.ZipFile(io.BytesIO(archive)) as files:
            sources = {name: files.read(name).decode("utf-8") for name in files.namelist()}
        flows = []
        for item in found:
            source = sources.get(f"{item['namespace']}.{item['id']}.yml")
            if source is None:  # saved between the two requests: read it alone
                source = self.flow(item["namespace"], item["id"])["source"]
            flows.append(RemoteFlow(item["namespace"], item["id"], int(item["revision"]), source))
        return flows

    def flow(self, namespace: str, flow_id: str, revision: int | None = None, *, allow_deleted: bool = False) -> dict[str, Any]:
        params: dict[str, Any] = {"source": "true"}
        if revision is not None:
            params["revision"] = revision
        if allow_deleted:
            params["allowDeleted"] = "true"
        result: dict[str, Any] = self._call("GET", f"/flows/{namespace}/{flow_id}", params=params).json()
        return result

    def revisions(self, namespace: str, flow_id: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", f"/flows/{namespace}/{flow_id}/revisions").json()
        return result

    def update_namespace(self, namespace: str, flows: Sequence[tuple[str, str]], *, delete: bool) -> list[dict[str, Any]]:
        """Make ``namespace`` hold ``flows`` (``(file name, source)``) in one transaction; with
        ``delete``, its other flows are deleted. Answers the flows saved and deleted."""
        params = {"delete": "true" if delete else "false"}
        if flows:
            files = [("flows", (name, source.encode(), "application/x-yaml")) for name, source in flows]
            response = self._call("POST", f"/flows/{namespace}", params=params, files=files)
        else:
            response = self._call(
                "POST", f"/flows/{namespace}", params=params, content=b"", headers={"Content-Type": "application/x-yaml"}
            )
        result: list[dict[str, Any]] = response.json()
        return result

    def validate(self, flows: Sequence[tuple[str, str]]) -> list[Issue]:
        """The server's verdict on ``flows`` (``(file name, source)``): every issue, located."""
        files = [("flows", (name, source.encode(), "application/x-yaml")) for name, source in flows]
        results = self._call("POST", "/flows/validate", files=files).json()
        return [_issue(item, self.server) for result in results for item in result.get("errors") or []]

    def save_flow(self, namespace: str, flow_id: str, source: str, *, exists: bool) -> dict[str, Any]:
        """Save a new revision of a flow (``exists``) or create it again."""
        headers = {"Content-Type": "application/x-yaml"}
        if exists:
            response = self._call("PUT", f"/flows/{namespace}/{flow_id}", content=source.encode(), headers=headers)
        else:
            response = self._call("POST", "/flows", content=source.encode(), headers=headers)
        result: dict[str, Any] = response.json()
        return result

    # ------------------------------------------------------------------ namespace files
    def files(self, namespace: str) -> dict[str, bytes]:
        """Every namespace file of ``namespace`` (path → content)."""
        paths: list[str] = self._call("GET", f"/namespaces/{namespace}/files/search", params={"q": ""}).json()
        return {path.lstrip("/"): self.read_file(namespace, path) for path in paths}

    def read_file(self, namespace: str, path: str) -> bytes:
        return self._call("GET", f"/namespaces/{namespace}/files", params={"path": path}).content

    def put_file(self, namespace: str, path: str, content: bytes) -> None:
        files = {"fileContent": (path.rsplit("/", 1)[-1], content, "application/octet-stream")}
        self._call("POST", f"/namespaces/{namespace}/files", params={"path": path}, files=files)

    def delete_file(self, namespace: str, path: str) -> None:
        self._call("DELETE", f"/namespaces/{namespace}/files", params={"path": path})


def hint_text(status: int | None) -> str:
    """What to do about a failed request."""
    if status == 401:
        return "the server requires credentials: pass --token or set LANNER_API_TOKEN"
    if status is None:
        return "check --server (or LANNER_API_URL) and that the server is running"
    return ""


def _error(response: httpx.Response, server: str) -> ApiError:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    message = body.get("message") if isinstance(body, Mapping) else None
    message = str(message or response.reason_phrase or f"HTTP {status}")
    issues = []
    if isinstance(body, Mapping) and isinstance(body.get("errors"), list):
        issues = [_issue(item, f"{server} (HTTP {status})") for item in body["errors"] if isinstance(item, Mapping)]
    hint = hint_text(status)
    text = f"{response.request.method} {response.request.url.path}: HTTP {status}: {message}"
    return ApiError(text + (f" ({hint})" if hint else ""), status, issues)


def _issue(item: Mapping[str, Any], where: str) -> Issue:
    """An issue of the API's error shape (``message``, ``path``, ``line``, ``column``, ``hint``, ``source``)."""

    def text(key: str) -> str | None:
        value = item.get(key)
        return value if isinstance(value, str) else None

    def number(key: str) -> int | None:
        value = item.get(key)
        return value if isinstance(value, int) else None

    return Issue(
        text("message") or "invalid",
        path=text("path") or "",
        line=number("line"),
        column=number("column"),
        hint=text("hint"),
        source=text("source") or where,
    )
