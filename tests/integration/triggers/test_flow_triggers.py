"""Flow triggers on a running engine: conditions, outputs, and a two-upstream precondition."""

from __future__ import annotations

import asyncio
from typing import Any

from lanner.engine.engine import Engine
from lanner.models.state import State

from .conftest import EngineFactory, FakeClock, executions_of


def upstream(flow_id: str) -> str:
    return f"""
id: {flow_id}
namespace: company.sync
tasks:
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "42"
outputs:
  - id: rows
    type: STRING
    value: "{{{{ outputs.count.value }}}}"
"""


REPORT = """
id: report
namespace: company.team
inputs:
  - id: rows
    type: STRING
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.rows }}"
triggers:
  - id: after_sync
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      rows: "{{ trigger.outputs.rows }}"
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionLabels
        labels: {env: prod}
    preconditions:
      id: sync
      flows:
        - {namespace: company.sync, flowId: airbyte_a, states: [SUCCESS]}
"""

DBT = """
id: dbt
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "after {{ trigger.executionId }}"
triggers:
  - id: all_synced
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: syncs
      timeWindow: {type: SLIDING_WINDOW, window: PT1H}
      flows:
        - {namespace: company.sync, flowId: airbyte_a, states: [SUCCESS]}
        - {namespace: company.sync, flowId: airbyte_b, states: [SUCCESS]}
"""


async def settle(engine: Engine, timeout: float = 30) -> None:
    """Wait until the scheduler handled every trigger event (polling with a deadline)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await engine.store.trigger_events(1):
        assert loop.time() < deadline, "trigger events not handled in time"
        engine.scheduler.wake()
        await asyncio.sleep(0.05)


async def run(engine: Engine, flow_id: str, labels: dict[str, str] | None = None) -> None:
    execution = await engine.submit("company.sync", flow_id, labels=labels)
    assert (await engine.wait(execution.id, timeout=30, poll=0.05)).execution.state == State.SUCCESS
    await settle(engine)


async def test_conditions_and_upstream_outputs(engine: Engine) -> None:
    await engine.deploy(upstream("airbyte_a"))
    await engine.deploy(REPORT)
    await run(engine, "airbyte_a", {"env": "dev"})
    assert await executions_of(engine.store, "company.team", "report") == []
    await run(engine, "airbyte_a", {"env": "prod"})
    [report] = await executions_of(engine.store, "company.team", "report")
    variables: dict[str, Any] = report["trigger"]["variables"]  # type: ignore[index]
    assert report["inputs"] == {"rows": "42"}
    assert (variables["namespace"], variables["flowId"], variables["state"]) == ("company.sync", "airbyte_a", "SUCCESS")
    assert variables["outputs"] == {"rows": "42"}
    done = await engine.wait(str(report["id"]), timeout=30, poll=0.05)
    assert done.execution.state == State.SUCCESS


async def test_waits_for_both_upstream_flows(engine: Engine) -> None:
    for flow_id in ("airbyte_a", "airbyte_b"):
        await engine.deploy(upstream(flow_id))
    await engine.deploy(DBT)
    await run(engine, "airbyte_a")
    await run(engine, "airbyte_a")
    assert await executions_of(engine.store, "company.team", "dbt") == []
    state = await engine.store.get_trigger_state("company.team", "dbt", "all_synced")
    assert state is not None and list(state.data["preconditions"]["met"]) == ["flows.0"]  # partial progress is stored
    await run(engine, "airbyte_b")
    assert len(await executions_of(engine.store, "company.team", "dbt")) == 1
    await run(engine, "airbyte_b")  # met again from scratch: A has to succeed again first
    assert len(await executions_of(engine.store, "company.team", "dbt")) == 1


async def test_events_wait_for_a_scheduler_and_stop_after_disables(new_engine: EngineFactory, clock: FakeClock) -> None:
    engine = await new_engine()
    await engine.deploy("""
id: fragile
namespace: company.team
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
triggers:
  - id: every_minute
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
    stopAfter: [FAILED]
""")  # fmt: skip
    await engine.scheduler.run_once()
    clock.advance(minutes=1)
    assert await engine.scheduler.run_once() == 1
    [execution] = await executions_of(engine.store, "company.team", "fragile")
    await engine.start()  # executor and worker only: nobody handles trigger events meanwhile
    try:
        ended = await engine.wait(str(execution["id"]), timeout=30, poll=0.05)
    finally:
        await engine.stop()
    assert ended.execution.state == State.FAILED
    assert len(await engine.store.trigger_events(10)) == 1
    await engine.scheduler.run_once()  # the event is still there: the trigger stops
    assert await engine.store.trigger_events(10) == []
    state = await engine.store.get_trigger_state("company.team", "fragile", "every_minute")
    assert state is not None and state.disabled
    clock.advance(minutes=5)
    assert await engine.scheduler.run_once() == 0
