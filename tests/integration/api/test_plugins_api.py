"""Plugins over HTTP: the type list, one type's documentation and schema, the editor schemas."""

from __future__ import annotations

import httpx


async def test_list_of_types_with_docs_and_unknown_type(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/plugins")

    assert response.status_code == 200
    plugins = response.json()
    tasks = {name for plugin in plugins for name in plugin["tasks"]}
    triggers = {name for plugin in plugins for name in plugin["triggers"]}
    aliases = {name for plugin in plugins for name in plugin["aliases"]}
    assert "lanner.core.Log" in tasks and "io.kestra.plugin.core.log.Log" in aliases
    assert "lanner.trigger.Schedule" in triggers
    log = next(t for plugin in plugins for t in plugin["types"] if t["type"] == "lanner.core.Log")
    assert log["kind"] == "task" and "io.kestra.plugin.core.log.Log" in log["aliases"]
    assert log["title"] and log["description"].startswith(log["title"])
    unknown = await client.get("/api/v1/plugins/lanner.core.Logg")
    assert unknown.status_code == 404
    assert "did you mean 'lanner.core.Log'" in unknown.json()["message"]


async def test_one_type_by_alias_and_editor_schemas(client: httpx.AsyncClient) -> None:
    canonical = await client.get("/api/v1/plugins/lanner.core.Log")
    alias = await client.get("/api/v1/main/plugins/io.kestra.plugin.core.log.Log")

    assert canonical.status_code == alias.status_code == 200
    assert canonical.json() == alias.json()
    body = alias.json()
    assert body["type"] == "lanner.core.Log" and body["kind"] == "task"
    assert body["markdown"].startswith("# lanner.core.Log")
    assert "## Properties" in body["markdown"] and "| `message` |" in body["markdown"]
    properties = body["schema"]["properties"]
    assert set(properties["required"]) >= {"id", "type", "message"}
    assert properties["properties"]["message"]["description"]
    assert "WorkerGroup" in body["schema"]["definitions"]  # what `properties` refers to comes along
    assert alias.headers["cache-control"] == "public, max-age=3600"

    flow = await client.get("/api/v1/plugins/schemas/flow")
    task = await client.get("/api/v1/plugins/schemas/task")
    triggers = await client.get("/api/v1/plugins/schemas/trigger", params={"arrayOf": "true"})
    unknown = await client.get("/api/v1/plugins/schemas/dashboard")

    assert flow.status_code == 200
    assert flow.json()["title"] == "Lanner flow" and "tasks" in flow.json()["properties"]
    mapping = task.json()["discriminator"]["mapping"]
    assert (
        "io.kestra.plugin.core.log.Log" in mapping
        and mapping["io.kestra.plugin.core.log.Log"].split("/")[-1] in task.json()["$defs"]
    )
    assert triggers.json()["type"] == "array" and "lanner.trigger.Schedule" in str(triggers.json()["items"])
    assert unknown.status_code == 404 and "flow, task, trigger" in unknown.json()["message"]
