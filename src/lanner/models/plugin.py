"""Base of every pluggable type (tasks and triggers): a pydantic model keyed by ``type``.

A type declares its names as ``type: Literal["lanner.core.Log", "io.kestra.plugin.core.log.Log"]``:
the first name is canonical, the others are accepted aliases (Kestra's names).
"""

from __future__ import annotations

import inspect
import typing
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["PluginModel", "type_names"]


class PluginModel(BaseModel):
    """A task or trigger definition; subclasses are registered through entry points."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    #: "task" or "trigger"; set by the base classes in lanner.tasks / lanner.triggers.
    plugin_kind: ClassVar[str] = ""

    type: str

    @classmethod
    def type_names(cls) -> tuple[str, ...]:
        return type_names(cls)

    @classmethod
    def canonical_type(cls) -> str:
        return type_names(cls)[0]

    def definition(self) -> dict[str, Any]:
        """The definition as it would be written in YAML (aliases, unset defaults left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def type_names(cls: type[BaseModel]) -> tuple[str, ...]:
    """Names a concrete plugin class answers to, canonical first; empty for abstract bases."""
    field = cls.model_fields.get("type")
    annotation = field.annotation if field is not None else None
    if annotation is None or typing.get_origin(annotation) is not Literal:
        raw = inspect.get_annotations(cls).get("type")
        if isinstance(raw, str) and raw.startswith("Literal["):
            return tuple(part.strip().strip("\"'") for part in raw[len("Literal[") : -1].split(","))
        return ()
    return tuple(str(arg) for arg in typing.get_args(annotation))
