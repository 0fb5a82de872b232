"""JSON Schema of the flow format, for editors (monaco-yaml, VS Code) and the API.

pydantic gives the structure; this module makes it pleasant to edit with: every property
gets a title, a description (also as ``markdownDescription``, which monaco-yaml renders), a
type, its default and at least one example, and every union keyed by ``type`` gets a
discriminator mapping that lists each type name, Kestra aliases included.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from lanner.models.flow import Flow
from lanner.models.registry import Registry, default_registry

__all__ = ["flow_json_schema"]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_COMBINERS = ("anyOf", "oneOf", "allOf")
_DEPTH = 3
_ANY_JSON = ["string", "number", "integer", "boolean", "object", "array", "null"]
_STRING_FORMATS = {
    "duration": "PT1M",
    "date-time": "2024-01-31T10:00:00Z",
    "date": "2024-01-31",
    "time": "10:30:00",
    "uri": "https://example.com",
    "email": "someone@example.com",
}


def flow_json_schema(registry: Registry | None = None) -> dict[str, Any]:
    """The JSON Schema of a flow with every task and trigger type of ``registry``."""
    registry = registry or default_registry()
    schema = copy.deepcopy(Flow.model_json_schema(by_alias=True))
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    schema["$schema"] = _DIALECT
    schema["title"] = "Lanner flow"
    schema.setdefault(
        "description",
        "A flow: tasks run in a namespace, with inputs, triggers and outputs (Kestra's YAML format).",
    )
    schema["markdownDescription"] = schema["description"]
    for node in _schemas(schema):
        _add_discriminator(node, defs)
    _describe_plugins(defs, registry)
    for owner in [schema, *defs.values()]:
        for name, prop in (owner.get("properties") or {}).items():
            _complete_property(name, prop, defs)
    return schema


def _schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every sub-schema, depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _resolve(ref: str, defs: dict[str, Any]) -> dict[str, Any]:
    found = defs.get(ref.rsplit("/", 1)[-1])
    return found if isinstance(found, dict) else {}


def _type_names(definition: dict[str, Any]) -> list[str]:
    prop = (definition.get("properties") or {}).get("type") or {}
    if "const" in prop:
        return [prop["const"]]
    return [name for name in prop.get("enum", []) if isinstance(name, str)]


def _add_discriminator(node: dict[str, Any], defs: dict[str, Any]) -> None:
    """A union of models keyed by `type` (inputs, here) gets the mapping editors use to pick a model."""
    options = node.get("oneOf")
    if "discriminator" in node or not isinstance(options, list) or not options:
        return
    if not all(isinstance(o, dict) and "$ref" in o for o in options):
        return
    mapping: dict[str, str] = {}
    for option in options:
        names = _type_names(_resolve(option["$ref"], defs))
        if not names:
            return
        for name in names:
            mapping.setdefault(name, option["$ref"])
    node["discriminator"] = {"propertyName": "type", "mapping": mapping}


def _describe_plugins(defs: dict[str, Any], registry: Registry) -> None:
    """Task and trigger definitions say what they are and which names they answer to."""
    for definition in defs.values():
        names = _type_names(definition)
        cls = (registry.tasks.get(names[0]) or registry.triggers.get(names[0])) if names else None
        if cls is None or tuple(names) != cls.type_names():
            continue
        kind = cls.plugin_kind
        text = definition.get("description") or f"The {names[0]} {kind}."
        if len(names) > 1:
            text += "\n\nAlso written as " + ", ".join(f"`{n}`" for n in names[1:]) + " (Kestra)."
        definition["description"] = text
        definition["markdownDescription"] = text
        definition["title"] = names[0]
        more = " or one of its Kestra names" if len(names) > 1 else ""
        type_prop = definition["properties"]["type"]
        type_prop.setdefault("description", f"{kind.capitalize()} type: `{names[0]}`{more}.")
        type_prop["examples"] = [names[0]]


def _complete_property(name: str, prop: dict[str, Any], defs: dict[str, Any]) -> None:
    if "$ref" in prop and not any(k in prop for k in _COMBINERS):
        prop["allOf"] = [{"$ref": prop.pop("$ref")}]
    if not any(k in prop for k in ("type", *_COMBINERS)):
        if "const" in prop or "enum" in prop:
            values = [prop["const"]] if "const" in prop else prop["enum"]
            prop["type"] = _json_type(values[0])
        else:
            prop["type"] = list(_ANY_JSON)
    if not prop.get("description"):
        prop["description"] = _humanize(name) + "."
    prop["title"] = name
    prop.setdefault("markdownDescription", prop["description"])
    if not prop.get("examples"):
        prop["examples"] = [_example(prop, defs, 0)]


def _humanize(name: str) -> str:
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in name.strip("_")).strip()
    return words[:1].upper() + words[1:]


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if value is None:
        return "null"
    return "string"


def _example(schema: dict[str, Any], defs: dict[str, Any], depth: int) -> Any:
    """A plausible value for ``schema``: its default, else one built from its type."""
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("default") is not None:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "$ref" in schema:  # depth counts models entered: tasks nest tasks without end
        return _example(_resolve(schema["$ref"], defs), defs, depth + 1)
    for combiner in _COMBINERS:
        options = [o for o in schema.get(combiner, []) if isinstance(o, dict) and o.get("type") != "null"]
        if options:
            return _example(options[0], defs, depth)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "boolean":
        return True
    if kind == "integer":
        return int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "array":
        items = schema.get("items")
        return [_example(items, defs, depth)] if isinstance(items, dict) and depth < _DEPTH else []
    if kind == "object" or "properties" in schema:
        if depth > _DEPTH:
            return {}
        props = schema.get("properties") or {}
        required = schema.get("required") or []
        example = {key: _example(props[key], defs, depth) for key in required if key in props}
        if not props and isinstance(schema.get("additionalProperties"), dict):
            example = {"key": _example(schema["additionalProperties"], defs, depth)}
        return example
    if schema.get("format") in _STRING_FORMATS:
        return _STRING_FORMATS[schema["format"]]
    if "pattern" in schema:
        return "my_id"
    return "text"
