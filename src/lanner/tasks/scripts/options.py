"""Nested properties of script tasks: ``taskRunner`` and ``namespaceFiles``.

Lanner runs scripts as local processes only. A flow asking for another task runner (Docker,
Kubernetes, a cloud batch service) is rejected when it is validated, with the fix in the
message, instead of running somewhere the author did not intend.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["DOCKER_UNAVAILABLE", "PROCESS_RUNNER_TYPES", "NamespaceFiles", "TaskRunner", "check_runner_type"]

PROCESS_RUNNER_TYPES = ("io.kestra.plugin.core.runner.Process", "lanner.core.runner.Process")
DOCKER_UNAVAILABLE = "Docker task runner is not available here; use io.kestra.plugin.core.runner.Process"


def check_runner_type(value: str) -> str:
    """Return ``value`` when it names the process runner; raise ``ValueError`` with the fix otherwise."""
    if value in PROCESS_RUNNER_TYPES:
        return value
    if "docker" in value.lower():
        raise ValueError(DOCKER_UNAVAILABLE)
    raise ValueError(f"task runner {value!r} is not available here; use io.kestra.plugin.core.runner.Process")


class TaskRunner(BaseModel):
    """Where the commands run: only `io.kestra.plugin.core.runner.Process`, a subprocess of the worker."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{"type": PROCESS_RUNNER_TYPES[0]}]})

    type: str = Field(
        description="Task runner type. Only the process runner is available: `io.kestra.plugin.core.runner.Process`.",
        examples=[PROCESS_RUNNER_TYPES[0]],
    )

    @field_validator("type")
    @classmethod
    def _process_only(cls, value: str) -> str:
        return check_runner_type(value)


class NamespaceFiles(BaseModel):
    """Copy the namespace's files (uploaded with the namespace files API) into the working
    directory before the commands run, keeping their folders."""

    model_config = ConfigDict(extra="allow")

    enabled: bool | str = Field(default=True, description="Whether namespace files are copied; expressions are rendered.")
    include: list[str] | None = Field(
        default=None,
        description="Glob patterns of the files to copy, relative to the namespace root (all files when unset). "
        "`*` stays in a folder, `**` crosses folders.",
        examples=[["scripts/**", "*.sql"]],
    )
    exclude: list[str] | None = Field(default=None, description="Glob patterns of the files left out.", examples=[["**/*.md"]])
    namespaces: list[str] | None = Field(
        default=None,
        description="Namespaces whose files are copied, in order (a later one wins on the same path); "
        "the flow's namespace when unset.",
        examples=[["company", "company.team"]],
    )

    def is_enabled(self, rendered: Any) -> bool:
        """Whether the rendered ``enabled`` value asks for namespace files."""
        if isinstance(rendered, str):
            return rendered.strip().lower() not in ("", "false", "0", "no")
        return bool(rendered)
