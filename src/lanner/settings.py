"""Settings: one YAML file plus ``LANNER_*`` environment variables, which win.

Every key, its variable and default is listed in docs/configuration.md. Nested keys map to
variables by joining with ``_``: ``worker.threads`` is ``LANNER_WORKER_THREADS``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, get_origin

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from lanner.errors import ConfigError

__all__ = ["Settings", "load_settings"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerSettings(_Section):
    host: str = Field(default="127.0.0.1", description="Address the HTTP server listens on.")
    port: int = Field(default=8080, ge=1, le=65535, description="Port of the HTTP server.")
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser (none: no CORS headers)."
    )
    shutdown_timeout: int = Field(
        default=5,
        ge=0,
        description="Seconds a stopping server waits for open requests (log and execution follow streams) before closing them.",
    )


class BasicAuthSettings(_Section):
    username: str | None = Field(default=None, description="User name of HTTP basic authentication.")
    password: SecretStr | None = Field(default=None, description="Password of HTTP basic authentication.")

    @model_validator(mode="after")
    def _both_or_none(self) -> BasicAuthSettings:
        if (self.username is None) != (self.password is None):
            raise ValueError("set both auth.basic.username and auth.basic.password, or neither")
        if self.password is not None and not self.password.get_secret_value():
            raise ValueError("auth.basic.password must not be empty")
        return self


class AuthSettings(_Section):
    basic: BasicAuthSettings = Field(default_factory=BasicAuthSettings)
    tokens: list[SecretStr] = Field(default_factory=list, description="API tokens accepted as `Authorization: Bearer <token>`.")

    @model_validator(mode="after")
    def _no_empty_token(self) -> AuthSettings:
        if any(len(token.get_secret_value()) < 16 for token in self.tokens):
            raise ValueError("every token in auth.tokens must be at least 16 characters long")
        return self

    @property
    def enabled(self) -> bool:
        """Whether the API requires credentials."""
        return self.basic.username is not None or bool(self.tokens)


class SecretsSettings(_Section):
    backend: Literal["env"] = Field(
        default="env",
        description="Where `secret('NAME')` reads secrets: `env` reads LANNER_SECRET_NAME (plain) or SECRET_NAME (base64).",
    )


class WorkerSettings(_Section):
    threads: int = Field(default=32, ge=1, description="Task attempts a worker runs at once.")
    groups: list[str] = Field(default_factory=list, description="Worker groups served (empty: the default group).")
    heartbeat_interval: float = Field(default=3.0, gt=0, description="Seconds between worker heartbeats.")
    dead_after: float = Field(
        default=25.0,
        gt=0,
        description=(
            "Seconds of silence after which a worker is declared dead and its running task runs are resubmitted "
            "(within 1.2 x this of its last heartbeat: 30 s by default); a worker cut off from the database this "
            "long stops its attempts."
        ),
    )
    shutdown_grace: float = Field(
        default=25.0,
        ge=0,
        description=(
            "Seconds a stopping worker (SIGTERM) lets its running attempts finish; those still running then are "
            "stopped and handed back to other workers as a new attempt."
        ),
    )


class WebhookSettings(_Section):
    max_body: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Largest webhook request body, in bytes; a larger one is answered 413."
    )
    wait_timeout: float = Field(
        default=3600.0,
        gt=0,
        description="Seconds a `wait: true` webhook holds the call at most; then it answers with the execution as it is.",
    )


class SchedulerSettings(_Section):
    enabled: bool = Field(default=True, description="Fire the triggers of deployed flows (schedules, flow and polling triggers).")
    poll: float = Field(default=1.0, gt=0, description="Seconds between two scheduler passes when nothing wakes it earlier.")
    recover_missed_schedules: Literal["ALL", "LAST", "NONE"] = Field(
        default="ALL",
        description="What a schedule without `recoverMissedSchedules` fires for the ticks missed while the server was down.",
    )
    late_after: float = Field(
        default=60.0, gt=0, description="Seconds after which a tick not fired yet counts as missed (server down or busy)."
    )
    batch: int = Field(default=100, ge=1, description="Most ticks fired per schedule and pass (the rest at the next pass).")
    event_batch: int = Field(
        default=200, ge=1, description="Ended executions handed to Flow triggers per pass, in one transaction."
    )
    poll_lock: float = Field(
        default=300.0, gt=0, description="Seconds a polling trigger stays locked by the scheduler polling it."
    )


class ExecutorSettings(_Section):
    batch_size: int = Field(default=64, ge=1, description="Executions processed per executor transaction.")
    idle_poll: float = Field(default=1.0, gt=0, description="Longest wait between two polls when nothing wakes the executor.")


class RetentionSettings(_Section):
    executions: timedelta | None = Field(
        default=None,
        description=(
            "Age (ISO-8601 duration, such as P30D) after which ended executions are deleted with their task runs, logs "
            "and files; unset: kept forever. Running, paused or queued executions are never deleted."
        ),
    )
    logs: timedelta | None = Field(
        default=None, description="Age (ISO-8601 duration, such as P7D) after which log lines are deleted; unset: kept forever."
    )
    interval: float = Field(default=3600.0, gt=0, description="Seconds between two retention passes of a scheduler.")
    batch: int = Field(default=500, ge=1, description="Executions or log lines deleted per transaction.")

    @model_validator(mode="after")
    def _positive(self) -> RetentionSettings:
        for name in ("executions", "logs"):
            value = getattr(self, name)
            if value is not None and value <= timedelta(0):
                raise ValueError(f"retention.{name} must be a positive duration, such as P30D")
        return self


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
    database_pool_size: int | None = Field(
        default=None,
        ge=1,
        description=(
            "PostgreSQL connections a process keeps open (as many more open under load); unset: sized for the "
            "process's components (webserver 10, executor 5, worker 5 + threads / 8, scheduler 2)."
        ),
    )
    database_idle_in_transaction_timeout: float = Field(
        default=60.0,
        ge=0,
        description=(
            "Seconds (PostgreSQL) after which the server ends a Lanner session left idle inside a transaction, "
            "releasing its row locks: a host cut off in the middle of a transaction would otherwise keep them until "
            "TCP gives up, hours later. Far above any transaction Lanner keeps open; 0 disables it."
        ),
    )
    database_connect_timeout: float = Field(
        default=60.0,
        ge=0,
        description=(
            "Seconds a process starting keeps trying to reach the database (down, restarting, not yet started "
            "next to it) before it gives up."
        ),
    )
    storage_dir: Path | None = Field(default=None, description="Internal storage folder; `<data_dir>/storage` when unset.")
    flows_dirs: list[Path] = Field(default_factory=list, description="Folders whose flows are loaded at server start.")
    log_level: str = Field(default="INFO", description="Level of Lanner's own logs.")
    server: ServerSettings = Field(default_factory=ServerSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    secrets: SecretsSettings = Field(default_factory=SecretsSettings)

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'lanner.db').resolve()}"

    def resolved_storage_dir(self) -> Path:
        return self.storage_dir or self.data_dir / "storage"

    def work_dir(self) -> Path:
        return self.data_dir / "work"


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    return _section_overrides(Settings, "LANNER", environ)


def _section_overrides(model: type[BaseModel], prefix: str, environ: Mapping[str, str]) -> dict[str, Any]:
    """Values of ``model``'s keys from ``PREFIX_KEY`` variables, sections recursively; lists
    are comma-separated (``flows_dirs``: path-separated)."""
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        variable = f"{prefix}_{name}".upper()
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, _Section):
            section = _section_overrides(annotation, variable, environ)
            if section:
                out[name] = section
            continue
        value = environ.get(variable)
        if value is None:
            continue
        if name == "flows_dirs":
            out[name] = value.split(os.pathsep)
        elif get_origin(annotation) is list:
            out[name] = [item.strip() for item in value.split(",") if item.strip()]
        else:
            out[name] = value
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
