"""The flow's JSON Schema: complete enough for an editor, every task and trigger documented."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lanner.flows import flow_json_schema
from lanner.models.registry import default_registry


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return flow_json_schema()


def resolve(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    return schema["$defs"][ref.rsplit("/", 1)[-1]]  # type: ignore[no-any-return]


def plugin_definitions(schema: dict[str, Any], union: dict[str, Any]) -> dict[str, dict[str, Any]]:
    items = union["anyOf"][0]["items"] if "anyOf" in union else union["items"]
    return {name: resolve(schema, ref) for name, ref in items["discriminator"]["mapping"].items()}


def test_schema_is_json_with_a_dialect_and_a_title(schema: dict[str, Any]) -> None:
    json.dumps(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Lanner flow"
    assert schema["markdownDescription"]
    assert set(schema["required"]) == {"id", "namespace", "tasks"}


def test_task_union_maps_every_registered_name_including_aliases(schema: dict[str, Any]) -> None:
    registry = default_registry()
    tasks = plugin_definitions(schema, schema["properties"]["tasks"])
    assert set(tasks) == set(registry.tasks)
    assert tasks["io.kestra.plugin.core.log.Log"] is tasks["lanner.core.Log"]
    triggers = plugin_definitions(schema, schema["properties"]["triggers"])
    assert set(triggers) == set(registry.triggers)
    assert "io.kestra.core.models.triggers.types.Schedule" in triggers


def test_every_property_of_every_task_and_trigger_is_documented(schema: dict[str, Any]) -> None:
    undocumented = []
    definitions = {
        **plugin_definitions(schema, schema["properties"]["tasks"]),
        **plugin_definitions(schema, schema["properties"]["triggers"]),
    }
    assert definitions
    for type_name, definition in definitions.items():
        assert definition.get("description"), type_name
        type_property = definition["properties"]["type"]  # a type with one name is a `const`
        assert definition["title"] == (type_property["enum"][0] if "enum" in type_property else type_property["const"])
        for name, prop in definition["properties"].items():
            problems = [key for key in ("description", "markdownDescription", "title", "examples") if not prop.get(key)]
            if not any(key in prop for key in ("type", "anyOf", "oneOf", "allOf")):
                problems.append("type")
            if problems:
                undocumented.append(f"{type_name}.{name}: {problems}")
    assert undocumented == []


def test_every_property_anywhere_is_documented(schema: dict[str, Any]) -> None:
    owners = [("flow", schema), *schema["$defs"].items()]
    missing = [
        f"{owner}.{name}"
        for owner, definition in owners
        for name, prop in (definition.get("properties") or {}).items()
        if not (prop.get("description") and prop.get("examples"))
    ]
    assert missing == []


def test_defaults_and_examples(schema: dict[str, Any]) -> None:
    log = plugin_definitions(schema, schema["properties"]["tasks"])["lanner.core.Log"]
    assert log["properties"]["level"]["default"] == "INFO"
    assert log["properties"]["type"]["examples"] == ["lanner.core.Log"]
    assert "io.kestra.plugin.core.log.Log" in log["description"]
    assert schema["properties"]["disabled"]["default"] is False
    assert schema["properties"]["disabled"]["examples"] == [False]


def test_input_union_has_a_discriminator(schema: dict[str, Any]) -> None:
    items = schema["properties"]["inputs"]["anyOf"][0]["items"]
    mapping = items["discriminator"]["mapping"]
    assert resolve(schema, mapping["BOOL"]) is resolve(schema, mapping["BOOLEAN"])
    assert resolve(schema, mapping["INT"])["properties"]["min"]["description"]
