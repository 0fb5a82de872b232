"""Settings: one YAML file plus ``LANNER_*`` environment variables, which win.

Every key, its variable and default is listed in docs/configuration.md. Nested keys map to
variables by joining with ``_``: ``worker.threads`` is ``LANNER_WORKER_THREADS``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from lanner.errors import ConfigError

__all__ = ["Settings", "load_settings"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerSettings(_Section):
    host: str = Field(default="127.0.0.1", description="Address the HTTP server listens on.")
    port: int = Field(default=8080, ge=1, le=65535, description="Port of the HTTP server.")


class WorkerSettings(_Section):
    threads: int = Field(default=32, ge=1, description="Task attempts a worker runs at once.")
    groups: list[str] = Field(default_factory=list, description="Worker groups served (empty: the default group).")
    heartbeat_interval: float = Field(default=3.0, gt=0, description="Seconds between worker heartbeats.")
    dead_after: float = Field(default=30.0, gt=0, description="Seconds of silence after which a worker is declared dead.")


class ExecutorSettings(_Section):
    batch_size: int = Field(default=64, ge=1, description="Executions processed per executor transaction.")
    idle_poll: float = Field(default=1.0, gt=0, description="Longest wait between two polls when nothing wakes the executor.")


class Settings(_Section):
    data_dir: Path = Field(
        default=Path(".lanner"), description="Folder of the SQLite database, internal storage and work folders."
    )
    database_url: str | None = Field(
        default=None, description="`sqlite:///path` or `postgresql://…`; SQLite under data_dir when unset."
    )
    database_schema: str | None = Field(
        default=None, description="PostgreSQL schema holding Lanner's tables (default: the search path)."
    )
    storage_dir: Path | None = Field(default=None, description="Internal storage folder; `<data_dir>/storage` when unset.")
    flows_dirs: list[Path] = Field(default_factory=list, description="Folders whose flows are loaded at server start.")
    log_level: str = Field(default="INFO", description="Level of Lanner's own logs.")
    server: ServerSettings = Field(default_factory=ServerSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'lanner.db').resolve()}"

    def resolved_storage_dir(self) -> Path:
        return self.storage_dir or self.data_dir / "storage"

    def work_dir(self) -> Path:
        return self.data_dir / "work"


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, _Section):
            section: dict[str, Any] = {}
            for sub in annotation.model_fields:
                value = environ.get(f"LANNER_{name}_{sub}".upper())
                if value is not None:
                    section[sub] = value.split(",") if sub == "groups" else value
            if section:
                out[name] = section
        else:
            value = environ.get(f"LANNER_{name}".upper())
            if value is not None:
                out[name] = value.split(os.pathsep) if name == "flows_dirs" else value
    return out


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(config_file: Path | None = None, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from ``config_file`` (optional), then ``LANNER_*`` variables, then explicit overrides."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    path = config_file or (Path(environ["LANNER_CONFIG"]) if environ.get("LANNER_CONFIG") else None)
    if path is not None:
        try:
            loaded = YAML(typ="safe").load(path.read_text())
        except (OSError, YAMLError) as exc:
            raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the configuration must be a mapping of keys")
        data = loaded or {}
    data = _merge(data, _env_overrides(environ))
    data = _merge(data, {k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid configuration: {problems}") from exc
