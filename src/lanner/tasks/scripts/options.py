"""Nested properties of script tasks: ``taskRunner`` and ``namespaceFiles``.

Lanner runs scripts as local processes, or in Kubernetes pods (``k8s/``). A flow asking for
another task runner (Docker, a cloud batch service) is rejected when it is validated, with the
fix in the message, instead of running somewhere the author did not intend.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from lanner.tasks.scripts.k8s.options import KUBERNETES_RUNNER_TYPES, KubernetesRunner

__all__ = [
    "DOCKER_UNAVAILABLE",
    "PROCESS_RUNNER_TYPES",
    "AnyTaskRunner",
    "NamespaceFiles",
    "TaskRunner",
    "check_runner_type",
]

PROCESS_RUNNER_TYPES = ("io.kestra.plugin.core.runner.Process", "lanner.core.runner.Process")
DOCKER_UNAVAILABLE = "Docker task runner is not available here; use io.kestra.plugin.core.runner.Process"
_AVAILABLE = "use io.kestra.plugin.core.runner.Process or io.kestra.plugin.ee.kubernetes.runner.Kubernetes"


def check_runner_type(value: str) -> str:
    """Return ``value`` when it names the process runner; raise ``ValueError`` with the fix otherwise."""
    if value in PROCESS_RUNNER_TYPES:
        return value
    if "docker" in value.lower():
        raise ValueError(DOCKER_UNAVAILABLE)
    raise ValueError(f"task runner {value!r} is not available here; {_AVAILABLE}")


class TaskRunner(BaseModel):
    """Run the commands as a subprocess of the worker: `io.kestra.plugin.core.runner.Process`."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{"type": PROCESS_RUNNER_TYPES[0]}]})

    type: str = Field(
        description="Task runner type: `io.kestra.plugin.core.runner.Process` (or `lanner.core.runner.Process`).",
        examples=[PROCESS_RUNNER_TYPES[0]],
    )

    @field_validator("type")
    @classmethod
    def _process_only(cls, value: str) -> str:
        return check_runner_type(value)


def _runner_tag(value: Any) -> str:
    # The tags contain dots, so located validation errors leave them out of the property path.
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return KUBERNETES_RUNNER_TYPES[0] if kind in KUBERNETES_RUNNER_TYPES else PROCESS_RUNNER_TYPES[0]


#: The ``taskRunner`` property: a local process, or a Kubernetes pod per attempt.
AnyTaskRunner = Annotated[
    Annotated[TaskRunner, Tag(PROCESS_RUNNER_TYPES[0])] | Annotated[KubernetesRunner, Tag(KUBERNETES_RUNNER_TYPES[0])],
    Discriminator(_runner_tag),
]


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
