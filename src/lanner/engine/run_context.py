"""The run context a worker gives a task attempt (implements ``lanner.tasks.context.RunContext``)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from lanner.engine.kv_function import kv_function, mentions_kv, render_with_kv
from lanner.engine.purge import StorePurger
from lanner.engine.secrets import SecretBackend, flow_envs
from lanner.engine.task_flows import TaskFlows, read_execution
from lanner.engine.task_logs import AttemptLogger, Masker
from lanner.errors import ConflictError
from lanner.expressions import Renderer, render_function
from lanner.models.execution import utcnow
from lanner.models.kv_values import decode, encode
from lanner.models.registry import Registry
from lanner.storage.files import FileStorage
from lanner.storage.namespace_files import NamespaceFiles
from lanner.storage.ports import KVEntry, Store
from lanner.tasks.context import DynamicTaskRun

__all__ = ["AttemptFiles", "NamespaceFileReader", "NamespaceKV", "WorkerRunContext"]

T = TypeVar("T")


class AttemptFiles:
    """Internal storage seen from one task run: files land under the execution's folder."""

    def __init__(self, files: FileStorage, prefix: str) -> None:
        self._files = files
        self._prefix = prefix

    async def put(self, local_path: Path, name: str | None = None) -> str:
        return await self._files.put(local_path, f"{self._prefix}/{name or local_path.name}")

    async def put_bytes(self, data: bytes, name: str) -> str:
        return await self._files.put_bytes(data, f"{self._prefix}/{name}")

    async def get_bytes(self, uri: str) -> bytes:
        return await self._files.get_bytes(uri)

    async def fetch(self, uri: str, destination: Path) -> Path:
        return await self._files.fetch(uri, destination)


class NamespaceKV:
    """The KV store scoped to the flow's namespace by default."""

    def __init__(self, store: Store, namespace: str) -> None:
        self._store = store
        self._namespace = namespace

    async def get(self, key: str, namespace: str | None = None) -> Any:
        entry = await self._store.kv_get(namespace or self._namespace, key)
        return decode(entry.value).value if entry is not None else None

    async def set(
        self, key: str, value: Any, namespace: str | None = None, ttl_seconds: float | None = None, overwrite: bool = True
    ) -> None:
        ns = namespace or self._namespace
        if not overwrite and await self._store.kv_get(ns, key) is not None:
            raise ConflictError(f"KV key {key!r} already exists in namespace {ns!r} and overwrite is false")
        expires = None
        if ttl_seconds is not None:
            expires = utcnow() + timedelta(seconds=ttl_seconds)
        await self._store.kv_set(KVEntry(ns, key, encode(value), expires_at=expires, updated=utcnow()))

    async def delete(self, key: str, namespace: str | None = None) -> bool:
        return await self._store.kv_delete(namespace or self._namespace, key)


class NamespaceFileReader:
    """Namespace files seen from a task (read and write): the flow's namespace by default."""

    def __init__(self, files: FileStorage, namespace: str) -> None:
        self._files = files
        self._namespace = namespace

    async def list(self, namespace: str | None = None) -> list[str]:
        return await NamespaceFiles(self._files, namespace or self._namespace).all_files()

    async def fetch(self, path: str, destination: Path, namespace: str | None = None) -> Path:
        return await NamespaceFiles(self._files, namespace or self._namespace).fetch(path, destination)

    async def put(self, path: str, data: bytes, namespace: str | None = None) -> None:
        await NamespaceFiles(self._files, namespace or self._namespace).put(path, data)

    async def delete(self, path: str, namespace: str | None = None) -> None:
        await NamespaceFiles(self._files, namespace or self._namespace).delete(path)


class WorkerRunContext:
    """Everything one attempt of a task may use; built by the worker per attempt."""

    def __init__(
        self,
        *,
        execution_id: str,
        task_run_id: str,
        task_id: str,
        attempt: int,
        namespace: str,
        flow_id: str,
        variables: dict[str, Any],
        renderer: Renderer,
        secrets: SecretBackend,
        logger: AttemptLogger,
        masker: Masker,
        files: FileStorage,
        store: Store,
        work_root: Path,
        kill_event: asyncio.Event,
        secret_inputs: Mapping[str, Any] | None = None,
        registry: Registry | None = None,
    ) -> None:
        self.execution_id = execution_id
        self.task_run_id = task_run_id
        self.task_id = task_id
        self.attempt = attempt
        self.namespace = namespace
        self.flow_id = flow_id
        self.logger = logger
        self.storage = AttemptFiles(
            files, f"{namespace.replace('.', '/')}/{flow_id}/executions/{execution_id}/tasks/{task_id}/{task_run_id}"
        )
        self.kv = NamespaceKV(store, namespace)
        self.namespace_files = NamespaceFileReader(files, namespace)
        self.flows = TaskFlows(store, registry)
        #: deletes ended executions and old logs: for the Purge tasks only
        self.purge = StorePurger(store, files)
        self.metrics: list[dict[str, Any]] = []
        self.labels: dict[str, str] = {}
        self.warning: str | None = None
        #: ``add_task_runs``: dynamic task runs to write with the result
        self.task_runs: list[DynamicTaskRun] = []
        self._variables = {**variables, "envs": flow_envs()}
        self._renderer = renderer
        self._secrets = secrets
        self._masker = masker
        self._store = store
        self._work_root = work_root
        self._work_dir: Path | None = None
        self._kill = kill_event
        for known in secrets.known_values():
            masker.add(known)
        for value in (secret_inputs or {}).values():
            if isinstance(value, str):
                masker.add(value)
        self._functions: dict[str, Callable[..., Any]] = {"secret": self._secret, "render": self._render_nested}

    @property
    def variables(self) -> Mapping[str, Any]:
        return self._variables

    async def execution(self, execution_id: str | None = None) -> Mapping[str, Any] | None:
        return await read_execution(self._store, execution_id or self.execution_id)

    # rendering -----------------------------------------------------------------------
    def _secret(self, name: str) -> str:
        value = self._secrets.get(name)
        self._masker.add(value)
        return value

    def _render_nested(self, template: Any, recursive: bool = True) -> Any:
        return render_function(self._renderer, self._variables, self._functions)(template, recursive)

    async def render(self, value: T, extra: Mapping[str, Any] | None = None) -> T:
        variables = {**self._variables, **extra} if extra else self._variables
        if mentions_kv(value):
            functions = {**self._functions, "kv": kv_function(self._store.kv_get, self.namespace, asyncio.get_running_loop())}
            return await render_with_kv(lambda: self._renderer.render_value(value, variables, functions))  # type: ignore[no-any-return]
        return self._renderer.render_value(value, variables, self._functions)  # type: ignore[no-any-return]

    # files -----------------------------------------------------------------------------
    async def working_dir(self) -> Path:
        if self._work_dir is None:
            self._work_root.mkdir(parents=True, exist_ok=True)
            self._work_dir = Path(
                await asyncio.to_thread(tempfile.mkdtemp, prefix=f"{self.task_id}-{self.attempt}-", dir=self._work_root)
            )
        return self._work_dir

    async def cleanup(self) -> None:
        if self._work_dir is not None:
            await asyncio.to_thread(shutil.rmtree, self._work_dir, True)

    # results -----------------------------------------------------------------------------
    def metric(self, name: str, value: float, type: str = "counter", tags: Mapping[str, str] | None = None) -> None:
        self.metrics.append({"name": name, "type": type, "value": value, "tags": dict(tags or {})})

    def mask(self, secret: str) -> None:
        self._masker.add(secret)

    def warn(self, reason: str) -> None:
        self.warning = reason
        self.logger.warning(reason)

    def set_labels(self, labels: Mapping[str, str]) -> None:
        self.labels.update({str(k): str(v) for k, v in labels.items()})

    def task_run_logger(self, task_id: str, task_run_id: str, min_level: str | None = None) -> AttemptLogger:
        return self.logger.for_task_run(task_id, task_run_id, min_level)

    def add_task_runs(self, runs: Sequence[DynamicTaskRun]) -> None:
        for run in runs:
            if not isinstance(run, DynamicTaskRun):
                raise TypeError(f"add_task_runs takes DynamicTaskRun values, not {type(run).__name__}")
            self.task_runs.append(run)

    async def killed(self) -> None:
        await self._kill.wait()
