"""Every built-in work task registers under its Kestra names and documents itself."""

from __future__ import annotations

import importlib

import pytest

from lanner.models.plugin import PluginModel
from lanner.models.registry import Registry
from lanner.tasks.base import RunnableTask

MODULES = ["log", "outputs", "sleep", "execution", "kv", "http", "shell", "python"]

KESTRA_NAMES = {
    "io.kestra.plugin.core.log.Log": "Log",
    "io.kestra.core.tasks.log.Log": "Log",
    "io.kestra.plugin.core.debug.Return": "Return",
    "io.kestra.core.tasks.debugs.Return": "Return",
    "io.kestra.plugin.core.output.OutputValues": "OutputValues",
    "io.kestra.core.tasks.outputs.OutputValues": "OutputValues",
    "io.kestra.plugin.core.flow.Sleep": "Sleep",
    "io.kestra.plugin.core.execution.Fail": "Fail",
    "io.kestra.core.tasks.executions.Fail": "Fail",
    "io.kestra.plugin.core.execution.Labels": "Labels",
    "io.kestra.plugin.core.kv.Set": "KVSet",
    "io.kestra.plugin.core.kv.Get": "KVGet",
    "io.kestra.plugin.core.kv.Delete": "KVDelete",
    "io.kestra.plugin.core.http.Request": "Request",
    "io.kestra.plugin.fs.http.Request": "Request",
    "io.kestra.plugin.core.http.Download": "Download",
    "io.kestra.plugin.fs.http.Download": "Download",
    "io.kestra.plugin.scripts.shell.Commands": "ShellCommands",
    "io.kestra.plugin.scripts.shell.Script": "ShellScript",
    "io.kestra.plugin.scripts.python.Script": "PythonScript",
    "io.kestra.plugin.scripts.python.Commands": "PythonCommands",
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    registry = Registry()
    for name in MODULES:
        registry.register_module(importlib.import_module(f"lanner.tasks.core.{name}"), "core")
    return registry


def test_kestra_names_resolve(registry: Registry) -> None:
    for name, class_name in KESTRA_NAMES.items():
        cls = registry.task_type(name)
        assert cls is not None, name
        assert cls.__name__ == class_name
        assert cls.canonical_type().startswith("lanner.")


def test_every_task_is_documented(registry: Registry) -> None:
    classes: list[type[PluginModel]] = registry.task_classes()
    assert len(classes) == len(set(KESTRA_NAMES.values()))
    for cls in classes:
        assert issubclass(cls, RunnableTask)
        assert cls.__doc__ and cls.__doc__.strip(), cls.__name__
        schema = cls.model_json_schema()
        for field, spec in schema["properties"].items():
            if field == "type":  # the type names are the documentation
                continue
            assert spec.get("description"), f"{cls.__name__}.{field} has no description"
