"""An honest in-memory ``RunContext`` for task unit tests.

Rendering uses ``lanner.expressions.Renderer`` when it is available, plain jinja2 otherwise
(enough for ``{{ name }}`` expressions). Files, KV entries, logs, metrics, labels and
warnings are kept in memory for assertions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import jinja2

from lanner.errors import ConflictError, ExpressionError, NotFoundError

T = TypeVar("T")

_LEVELS = {"WARNING": "WARN"}


class FakeLogger:
    """Records (level, message) pairs."""

    def __init__(self) -> None:
        self.records: list[tuple[str, str]] = []

    def log(self, level: str, message: str) -> None:
        level = level.upper()
        self.records.append((_LEVELS.get(level, level), message))

    def trace(self, message: str) -> None:
        self.log("TRACE", message)

    def debug(self, message: str) -> None:
        self.log("DEBUG", message)

    def info(self, message: str) -> None:
        self.log("INFO", message)

    def warning(self, message: str) -> None:
        self.log("WARN", message)

    def error(self, message: str) -> None:
        self.log("ERROR", message)

    def messages(self, level: str | None = None) -> list[str]:
        return [message for lvl, message in self.records if level is None or lvl == level]


class MemoryFileStore:
    """Internal storage in a dict, with ``lanner:///`` URIs."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.files: dict[str, bytes] = {}

    def _uri(self, name: str) -> str:
        return f"lanner:///{self.prefix}/{name}"

    async def put(self, local_path: Path, name: str | None = None) -> str:
        uri = self._uri(name or local_path.name)
        self.files[uri] = await asyncio.to_thread(local_path.read_bytes)
        return uri

    async def put_bytes(self, data: bytes, name: str) -> str:
        uri = self._uri(name)
        self.files[uri] = data
        return uri

    async def get_bytes(self, uri: str) -> bytes:
        if uri not in self.files:
            raise NotFoundError(f"no file at {uri}")
        return self.files[uri]

    async def fetch(self, uri: str, destination: Path) -> Path:
        data = await self.get_bytes(uri)
        await asyncio.to_thread(destination.write_bytes, data)
        return destination


class MemoryKV:
    """Namespace KV entries with optional expiry."""

    def __init__(self, default_namespace: str) -> None:
        self.default_namespace = default_namespace
        self.entries: dict[tuple[str, str], tuple[Any, float | None]] = {}

    def _key(self, key: str, namespace: str | None) -> tuple[str, str]:
        return (namespace or self.default_namespace, key)

    async def get(self, key: str, namespace: str | None = None) -> Any:
        entry = self.entries.get(self._key(key, namespace))
        if entry is None:
            return None
        value, expires = entry
        if expires is not None and expires <= time.monotonic():
            del self.entries[self._key(key, namespace)]
            return None
        return value

    async def set(
        self,
        key: str,
        value: Any,
        namespace: str | None = None,
        ttl_seconds: float | None = None,
        overwrite: bool = True,
    ) -> None:
        if not overwrite and await self.get(key, namespace) is not None:
            raise ConflictError(f"key {key!r} exists")
        expires = time.monotonic() + ttl_seconds if ttl_seconds is not None else None
        self.entries[self._key(key, namespace)] = (value, expires)

    async def delete(self, key: str, namespace: str | None = None) -> bool:
        present = await self.get(key, namespace) is not None
        self.entries.pop(self._key(key, namespace), None)
        return present


def _make_renderer() -> Any:
    try:
        from lanner.expressions import Renderer

        return Renderer()
    except (ImportError, TypeError):
        return None


class FakeRunContext:
    """What a running task sees, in memory; ``kill()`` makes ``killed()`` return."""

    def __init__(
        self,
        root: Path,
        *,
        variables: Mapping[str, Any] | None = None,
        namespace: str = "company.team",
        flow_id: str = "flow",
        task_id: str = "task",
        attempt: int = 1,
    ) -> None:
        self.execution_id = "exec1"
        self.task_run_id = "taskrun1"
        self.task_id = task_id
        self.attempt = attempt
        self.namespace = namespace
        self.flow_id = flow_id
        self.logger = FakeLogger()
        self.storage = MemoryFileStore(f"{namespace.replace('.', '/')}/{flow_id}/executions/{self.execution_id}")
        self.kv = MemoryKV(namespace)
        self.metrics: list[tuple[str, float, str, dict[str, str]]] = []
        self.masked: list[str] = []
        self.warnings: list[str] = []
        self.labels: dict[str, str] = {}
        #: what the task reported with ``add_task_runs``
        self.task_runs: list[Any] = []
        self._variables: dict[str, Any] = {
            "flow": {"id": flow_id, "namespace": namespace},
            "execution": {"id": self.execution_id},
            "task": {"id": task_id},
            **(variables or {}),
        }
        self._root = root
        self._work_dir: Path | None = None
        self._kill = asyncio.Event()
        self._renderer = _make_renderer()
        self._jinja = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)

    @property
    def variables(self) -> Mapping[str, Any]:
        return self._variables

    async def render(self, value: T, extra: Mapping[str, Any] | None = None) -> T:
        variables = {**self._variables, **(extra or {})}
        if self._renderer is not None:
            return self._renderer.render_value(value, variables, {})  # type: ignore[no-any-return]
        return self._render(value, variables)  # type: ignore[no-any-return]

    def _render(self, value: Any, variables: Mapping[str, Any]) -> Any:
        if isinstance(value, str):
            if "{{" not in value and "{%" not in value:
                return value
            try:
                return self._jinja.from_string(value).render(variables)
            except jinja2.TemplateError as exc:
                raise ExpressionError(value, str(exc)) from exc
        if isinstance(value, list):
            return [self._render(item, variables) for item in value]
        if isinstance(value, dict):
            return {key: self._render(item, variables) for key, item in value.items()}
        return value

    async def working_dir(self) -> Path:
        if self._work_dir is None:
            self._work_dir = self._root / f"{self.task_id}-attempt-{self.attempt}"
            self._work_dir.mkdir(parents=True)
        return self._work_dir

    def metric(self, name: str, value: float, type: str = "counter", tags: Mapping[str, str] | None = None) -> None:
        self.metrics.append((name, value, type, dict(tags or {})))

    def mask(self, secret: str) -> None:
        self.masked.append(secret)

    def warn(self, reason: str) -> None:
        self.warnings.append(reason)

    def set_labels(self, labels: Mapping[str, str]) -> None:
        self.labels.update(labels)

    def add_task_runs(self, runs: Sequence[Any]) -> None:
        self.task_runs.extend(runs)

    async def killed(self) -> None:
        await self._kill.wait()

    def kill(self) -> None:
        self._kill.set()
