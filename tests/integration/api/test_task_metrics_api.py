"""``lanner_task_run_duration_seconds`` is fed by the attempts the server's worker runs."""

from __future__ import annotations

import httpx

from lanner.models.state import State

from .conftest import LiveServer
from .test_metrics_api import samples

FLOW = """
id: measured
namespace: company.team
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hi
  - id: again
    type: lanner.core.Log
    message: again
  - id: broken
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: on purpose
"""


async def test_attempt_durations_are_counted_by_canonical_type_and_state(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(FLOW)
    execution = await server.engine.submit("company.team", "measured")
    assert (await server.engine.wait(execution.id, timeout=30)).execution.state == State.FAILED

    found = samples((await client.get("/metrics")).text)

    log_success = (("state", "SUCCESS"), ("type", "lanner.core.Log"))
    assert found[("lanner_task_run_duration_seconds_count", log_success)] == 2  # the Kestra alias counts as lanner.core.Log
    assert found[("lanner_task_run_duration_seconds_sum", log_success)] >= 0
    assert found[("lanner_task_run_duration_seconds_bucket", (("le", "+Inf"), *log_success))] == 2
    assert found[("lanner_task_run_duration_seconds_count", (("state", "FAILED"), ("type", "lanner.core.Fail")))] == 1
