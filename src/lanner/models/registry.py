"""The plugin registry: every task and trigger type, loaded from the ``lanner.plugins`` entry points.

An entry point names a module (every plugin class defined in it is registered) or one class.
Loading resolves the ``AnyTask`` / ``AnyTrigger`` unions in every model that nests tasks, so
the flow model validates any registered type, Kestra aliases included.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import sys
import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field

from lanner.errors import ConfigError
from lanner.models.flow import Flow
from lanner.models.plugin import PluginModel, type_names

__all__ = ["ENTRY_POINT_GROUP", "Registry", "default_registry"]

ENTRY_POINT_GROUP = "lanner.plugins"


@dataclass
class Registry:
    """Task and trigger types by name (canonical names and aliases)."""

    tasks: dict[str, type[PluginModel]] = field(default_factory=dict)
    triggers: dict[str, type[PluginModel]] = field(default_factory=dict)
    #: entry point that registered each canonical name (plugin documentation)
    origin: dict[str, str] = field(default_factory=dict)
    #: helper models of plugin modules (e.g. a Dag entry) that may nest tasks too
    models: list[type[BaseModel]] = field(default_factory=list)

    def register(self, cls: type[PluginModel], origin: str = "") -> None:
        names = type_names(cls)
        if not names:
            raise ConfigError(f"{cls.__qualname__} has no `type: Literal[...]` names")
        table = self.tasks if cls.plugin_kind == "task" else self.triggers
        for name in names:
            existing = table.get(name)
            if existing is not None and existing is not cls:
                raise ConfigError(f"type {name!r} is registered twice: {existing.__qualname__} and {cls.__qualname__}")
            table[name] = cls
        self.origin[names[0]] = origin

    def register_module(self, module: types.ModuleType, origin: str = "") -> None:
        """Register every plugin class defined in ``module`` or, for a package, its imported submodules."""
        prefix = module.__name__ + "."
        modules = [module] + [m for name, m in sorted(sys.modules.items()) if name.startswith(prefix)]
        for mod in modules:
            self._register_members(mod, origin)

    def _register_members(self, module: types.ModuleType, origin: str) -> None:
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ != module.__name__:
                continue
            if issubclass(obj, BaseModel):
                self.models.append(obj)
            if issubclass(obj, PluginModel) and obj.plugin_kind in ("task", "trigger") and type_names(obj):
                self.register(obj, origin)

    def task_type(self, name: str) -> type[PluginModel] | None:
        return self.tasks.get(name)

    def task_classes(self) -> list[type[PluginModel]]:
        return _unique(self.tasks.values())

    def trigger_classes(self) -> list[type[PluginModel]]:
        return _unique(self.triggers.values())

    def canonical(self, name: str) -> str:
        cls = self.tasks.get(name) or self.triggers.get(name)
        return type_names(cls)[0] if cls is not None else name

    def freeze(self) -> Registry:
        """Resolve the task/trigger unions in every model; call once, after registering."""
        namespace = {"AnyTask": _union(self.task_classes()), "AnyTrigger": _union(self.trigger_classes())}
        # each class once: task and trigger classes are among ``models`` too
        for cls in dict.fromkeys([*self.models, *self.task_classes(), *self.trigger_classes()]):
            cls.model_rebuild(force=True, _types_namespace=namespace)
        Flow.model_rebuild(force=True, _types_namespace=namespace)
        return self


def _unique(classes: Iterable[type[PluginModel]]) -> list[type[PluginModel]]:
    return list(dict.fromkeys(classes))


def _union(classes: list[type[PluginModel]]) -> Any:
    if not classes:
        return Annotated[PluginModel, Field()]
    if len(classes) == 1:
        return classes[0]
    return Annotated[Union[tuple(classes)], Field(discriminator="type")]  # noqa: UP007 - built at run time


def load_entry_points(registry: Registry) -> Registry:
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
        except Exception as exc:  # a broken plugin must not hide the others; say which one
            raise ConfigError(f"plugin entry point {entry.name!r} ({entry.value}) failed to load: {exc}") from exc
        if isinstance(loaded, types.ModuleType):
            registry.register_module(loaded, entry.name)
        elif isinstance(loaded, type) and issubclass(loaded, BaseModel) and issubclass(loaded, PluginModel):
            registry.register(loaded, entry.name)
        else:
            raise ConfigError(f"plugin entry point {entry.name!r} is neither a module nor a task/trigger class")
    return registry


@cache
def default_registry() -> Registry:
    """The registry of every installed plugin, loaded once per process."""
    return load_entry_points(Registry()).freeze()
