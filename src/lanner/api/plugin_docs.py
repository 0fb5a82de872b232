"""Documentation of task and trigger types, built from the flow JSON Schema.

The schema (``lanner.flows.flow_json_schema``) already gives every property a description,
a type, a default and an example; this module cuts one type's part out of it, with the
definitions it refers to, and writes the same as markdown for people.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from typing import Any

from lanner.flows import flow_json_schema
from lanner.flows.suggest import suggestion
from lanner.models.plugin import PluginModel, type_names
from lanner.models.registry import Registry

__all__ = ["PluginDocs"]


class PluginDocs:
    """Documentation of the types of one registry; the flow schema is computed once."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._schema: dict[str, Any] | None = None

    def flow_schema(self) -> dict[str, Any]:
        """The flow JSON Schema (a few hundred milliseconds the first time: call off the event loop)."""
        if self._schema is None:
            self._schema = flow_json_schema(self.registry)
        return self._schema

    def plugin_class(self, name: str) -> type[PluginModel] | None:
        return self.registry.tasks.get(name) or self.registry.triggers.get(name)

    def unknown_hint(self, name: str) -> str:
        names = [*self.registry.tasks, *self.registry.triggers]
        return suggestion(name, names, list_all=False) or "GET /api/v1/plugins lists the installed types"

    def listing(self) -> list[dict[str, Any]]:
        """Kestra's plugin list: one entry per plugin package, with its types documented."""
        groups: dict[str, dict[str, Any]] = {}
        for kind, classes in (("task", self.registry.task_classes()), ("trigger", self.registry.trigger_classes())):
            for cls in classes:
                names = type_names(cls)
                origin = self.registry.origin.get(names[0], "") or "builtin"
                group = groups.setdefault(
                    origin,
                    {"name": origin, "title": origin, "group": origin, "tasks": [], "triggers": [], "aliases": [], "types": []},
                )
                group["tasks" if kind == "task" else "triggers"].append(names[0])
                group["aliases"].extend(names[1:])
                group["types"].append(
                    {
                        "type": names[0],
                        "kind": kind,
                        "aliases": list(names[1:]),
                        "title": _summary(cls),
                        "description": inspect.getdoc(cls) or "",
                    }
                )
        return list(groups.values())

    def type_schema(self, cls: type[PluginModel]) -> dict[str, Any]:
        """Kestra's ``{properties, outputs, definitions}`` for one type."""
        defs: dict[str, Any] = self.flow_schema().get("$defs", {})
        definition = self._definition(cls, defs)
        return {"properties": definition, "outputs": {}, "definitions": _referenced(definition, defs)}

    def markdown(self, cls: type[PluginModel]) -> str:
        names = type_names(cls)
        definition = self._definition(cls, self.flow_schema().get("$defs", {}))
        props: dict[str, Any] = definition.get("properties") or {}
        required = set(definition.get("required") or [])
        lines = [f"# {names[0]}", "", inspect.getdoc(cls) or "", ""]
        if len(names) > 1:
            lines += ["Also written as " + ", ".join(f"`{n}`" for n in names[1:]) + ".", ""]
        example = [f"id: my_{cls.plugin_kind}", f"type: {names[0]}"]
        example += [
            f"{key}: {json.dumps(_example(props[key]))}" for key in props if key in required and key not in ("id", "type")
        ]
        lines += ["## Example", "", "```yaml", *example, "```", "", "## Properties", ""]
        lines += ["| Property | Type | Required | Default | Description |", "| --- | --- | --- | --- | --- |"]
        for key, prop in props.items():
            default = json.dumps(prop["default"]) if "default" in prop else ""
            lines.append(
                f"| `{key}` | {_cell(_type_text(prop))} | {'yes' if key in required else 'no'} | {_cell(default)} "
                f"| {_cell(prop.get('description', ''))} |"
            )
        return "\n".join(lines) + "\n"

    def _definition(self, cls: type[PluginModel], defs: dict[str, Any]) -> dict[str, Any]:
        canonical = type_names(cls)[0]
        for definition in defs.values():
            if isinstance(definition, dict) and definition.get("title") == canonical:
                return definition
        found = defs.get(cls.__name__)  # a type the flow schema did not describe (should not happen)
        return found if isinstance(found, dict) else cls.model_json_schema(by_alias=True)


def _summary(cls: type[PluginModel]) -> str:
    doc = inspect.getdoc(cls) or ""
    return doc.split("\n\n", 1)[0].replace("\n", " ")


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _referenced(definition: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The definitions ``definition`` refers to, directly or through others."""
    found: dict[str, Any] = {}
    pending = list(_refs(definition))
    while pending:
        name = pending.pop()
        if name in found or name not in defs:
            continue
        found[name] = defs[name]
        pending.extend(_refs(defs[name]))
    return found


def _type_text(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return " | ".join(json.dumps(v) for v in prop["enum"])
    if "const" in prop:
        return json.dumps(prop["const"])
    for combiner in ("anyOf", "oneOf", "allOf"):
        if combiner in prop:
            options = [_type_text(option) for option in prop[combiner] if isinstance(option, dict)]
            return " | ".join(dict.fromkeys(o for o in options if o))
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    kind = prop.get("type", "")
    if kind == "array" and isinstance(prop.get("items"), dict):
        return f"list of {_type_text(prop['items'])}"
    return " | ".join(kind) if isinstance(kind, list) else str(kind)


def _example(prop: dict[str, Any]) -> Any:
    examples = prop.get("examples")
    return examples[0] if isinstance(examples, list) and examples else prop.get("default", "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
