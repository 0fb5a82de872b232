"""Walk raw flow data along the flow model: which model describes each node.

Semantic checks and error messages need to know, for a place in the YAML, whether it is a
task, a trigger, a Dag entry or an input, and which properties the model there allows. The
walk follows the pydantic annotations from ``Flow`` down, choosing task and trigger classes
by their ``type`` in the registry, so it works on data that does not validate.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from lanner.flows.source import ABSENT, Path, descend
from lanner.models.flow import Flow
from lanner.models.plugin import PluginModel
from lanner.models.registry import Registry

__all__ = ["Node", "Shape", "field_for", "property_names", "shape_at", "walk"]


@dataclass(frozen=True, slots=True)
class Shape:
    """What the model expects at one place of the data."""

    kind: Literal["model", "list", "dict", "leaf"]
    model: type[BaseModel] | None = None
    #: annotation of the items (list) or values (dict)
    item: Any = None
    #: "task" or "trigger" when the place holds a plugin, even one of an unknown type
    plugin_kind: str | None = None


@dataclass(frozen=True, slots=True)
class Node:
    path: Path
    value: Any
    shape: Shape


ROOT = Shape("model", Flow)
LEAF = Shape("leaf")


def _members(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [member for arg in get_args(annotation) for member in _members(arg)]
    return [annotation]


def _is_model(member: Any) -> bool:
    return isinstance(member, type) and issubclass(member, BaseModel)


def _pick_model(models: list[type[BaseModel]], value: Mapping[str, Any]) -> type[BaseModel] | None:
    if len(models) == 1:
        return models[0]
    tag = value.get("type")
    for model in models:
        field = model.model_fields.get("type")
        if field is not None and get_origin(field.annotation) is Literal and tag in get_args(field.annotation):
            return model
    if "type" not in value:
        for model in models:
            field = model.model_fields.get("type")
            if field is not None and not field.is_required():
                return model
    return None


def shape_of(annotation: Any, value: Any, registry: Registry) -> Shape:
    """The shape ``annotation`` gives to ``value``."""
    members = _members(annotation)
    models = [m for m in members if _is_model(m)]
    plugins = [m for m in models if issubclass(m, PluginModel) and m.plugin_kind]
    if plugins:
        kind = plugins[0].plugin_kind
        if not isinstance(value, Mapping):
            return Shape("leaf", plugin_kind=kind)
        table = registry.tasks if kind == "task" else registry.triggers
        tag = value.get("type")
        cls = table.get(tag) if isinstance(tag, str) else None
        return Shape("model", cls, plugin_kind=kind)
    if isinstance(value, Mapping):
        if models:
            return Shape("model", _pick_model(models, value))
        for member in members:
            if get_origin(member) in (dict, Mapping) and len(get_args(member)) == 2:
                return Shape("dict", item=get_args(member)[1])
    elif isinstance(value, list):
        for member in members:
            if get_origin(member) in (list, tuple, set) and get_args(member):
                return Shape("list", item=get_args(member)[0])
    return LEAF


def field_for(model: type[BaseModel], key: str) -> FieldInfo | None:
    """The field written ``key`` in YAML (its alias, or its name)."""
    for name, field in model.model_fields.items():
        if key in (field.alias, name):
            return field
    return None


def property_names(model: type[BaseModel]) -> list[str]:
    """The property names a user may write for ``model``, as in YAML."""
    return [field.alias or name for name, field in model.model_fields.items()]


def _child(shape: Shape, key: str | int, value: Any, registry: Registry) -> Shape:
    if shape.kind == "model" and shape.model is not None and isinstance(key, str):
        field = field_for(shape.model, key)
        return shape_of(field.annotation, value, registry) if field is not None else LEAF
    if (shape.kind == "list" and isinstance(key, int)) or (shape.kind == "dict" and isinstance(key, str)):
        return shape_of(shape.item, value, registry)
    return LEAF


def walk(data: Any, registry: Registry, root: Shape = ROOT) -> Iterator[Node]:
    """Every node of ``data`` with its shape, parents first."""
    stack: list[Node] = [Node((), data, root)]
    while stack:
        node = stack.pop()
        yield node
        value, shape = node.value, node.shape
        if shape.kind == "leaf":
            continue
        children: list[tuple[str | int, Any]]
        if isinstance(value, Mapping):
            children = [(k, v) for k, v in value.items() if isinstance(k, str)]
        elif isinstance(value, list):
            children = list(enumerate(value))
        else:
            continue
        for key, child in reversed(children):
            stack.append(Node((*node.path, key), child, _child(shape, key, child, registry)))


def shape_at(data: Any, path: Path, registry: Registry, root: Shape = ROOT) -> Shape:
    """The shape of the place ``path`` points to (``LEAF`` when the data does not get there)."""
    shape, value = root, data
    for key in path:
        value = descend(value, key)
        if value is ABSENT:
            return LEAF
        shape = _child(shape, key, value, registry)
    return shape
