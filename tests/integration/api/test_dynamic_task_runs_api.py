"""The execution JSON lists dynamic task runs (dbt nodes…) in ``taskRunList``, after their
parent, with their parent, state and times: what the UI's Gantt is built from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from lanner.engine.run_context import WorkerRunContext
from lanner.models.state import State
from lanner.storage.ports import WorkerJob
from lanner.tasks.context import DynamicTaskRun

from .conftest import LiveServer

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
FLOW = """
id: nodes
namespace: company.team
tasks:
  - id: dbt
    type: io.kestra.plugin.core.debug.Return
    format: unused
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: done
"""


async def test_the_execution_json_lists_the_dynamic_task_runs(server: LiveServer, client: httpx.AsyncClient) -> None:
    async def dbt(ctx: WorkerRunContext) -> Mapping[str, Any]:
        ctx.add_task_runs(
            [
                DynamicTaskRun("model.shop.orders", State.SUCCESS, T0, T0 + timedelta(seconds=2), outputs={"rows": 3}),
                DynamicTaskRun("test.shop.unique_id", State.WARNING, T0 + timedelta(seconds=2), T0 + timedelta(seconds=3)),
            ]
        )
        return {"value": "built"}

    def stand_in(job: WorkerJob) -> Any:
        return dbt if job.payload["taskId"] == "dbt" else None

    server.engine.worker.stand_in = stand_in
    await server.engine.deploy(FLOW)
    created = await client.post("/api/v1/executions/company.team/nodes", params={"wait": "true"})
    assert created.status_code == 200, created.text
    execution_id = created.json()["id"]

    body = (await client.get(f"/api/v1/executions/{execution_id}")).json()

    assert body["state"]["current"] == "SUCCESS"
    runs = body["taskRunList"]
    assert [(r["taskId"], r["state"]["current"]) for r in runs] == [
        ("dbt", "SUCCESS"),
        ("model.shop.orders", "SUCCESS"),
        ("test.shop.unique_id", "WARNING"),
        ("after", "SUCCESS"),
    ]
    parent, orders, test, _ = runs
    assert orders["parentTaskRunId"] == parent["id"] and test["parentTaskRunId"] == parent["id"]
    assert (orders["state"]["startDate"], orders["state"]["endDate"]) == ("2026-01-01T12:00:00Z", "2026-01-01T12:00:02Z")
    assert orders["outputs"] == {"rows": 3} and orders["executionId"] == execution_id
    assert orders["attempts"][0]["state"]["current"] == "SUCCESS"

    refused = await client.post(f"/api/v1/executions/{execution_id}/state", json={"taskRunId": orders["id"], "state": "FAILED"})
    assert refused.status_code == 409
    assert "was reported by task run" in refused.text
