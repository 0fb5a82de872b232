"""Webhook calls to one flow arriving together are answered in one round (one read of the flow
and trigger states, one transaction), each with its own outcome, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json

from lanner.engine.engine import Engine
from lanner.engine.trigger_admin import set_disabled
from lanner.engine.webhooks import Outcome, WebhookCall, WebhookRequest, WebhookStarter
from lanner.errors import InputError
from lanner.storage.ports import ExecutionQuery

FLOW = """
id: counted
namespace: company.team
inputs:
  - id: n
    type: INT
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n }}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: round-key-0123
    inputs:
      n: "{{ trigger.body.n }}"
    conditions:
      - type: io.kestra.plugin.core.condition.Expression
        expression: "{{ trigger.parameters.skip is not defined }}"
"""


def _call(n: object, *, skip: bool = False) -> WebhookRequest:
    return WebhookRequest(json.dumps({"n": n}).encode(), [("content-type", "application/json")], [("skip", "1")] if skip else [])


async def test_calls_arriving_together_each_get_their_own_outcome(engine: Engine) -> None:
    await engine.deploy(FLOW)
    await set_disabled(engine, "company.team", "counted", "hook", False)  # the trigger has its stored state
    starter = WebhookStarter(engine)
    calls = [starter.call("company.team", "counted", "round-key-0123", _call(n)) for n in range(10)]
    calls.insert(3, starter.call("company.team", "counted", "round-key-0123", _call("not a number")))
    calls.insert(5, starter.call("company.team", "counted", "wrong-key", _call(1)))
    calls.insert(7, starter.call("company.team", "counted", "round-key-0123", _call(1, skip=True)))
    calls.append(starter.call("company.team", "nowhere", "round-key-0123", _call(1)))

    answers = await asyncio.gather(*calls, return_exceptions=True)

    assert isinstance(answers[3], InputError)  # this call alone: the others of its round started
    outcomes = [a.outcome if isinstance(a, WebhookCall) else type(a).__name__ for a in answers]
    assert outcomes.count(Outcome.STARTED) == 10
    assert (outcomes[5], outcomes[7], outcomes[-1]) == (Outcome.NOT_FOUND, Outcome.SKIPPED, Outcome.NOT_FOUND)
    started = [a.execution for a in answers if isinstance(a, WebhookCall) and a.execution is not None]
    assert sorted(execution.inputs["n"] for execution in started) == list(range(10))
    stored = await engine.store.search_executions(ExecutionQuery(namespace="company.team", flow_id="counted", size=50))
    assert sorted(e.id for e in stored.results) == sorted(e.id for e in started)
    state = await engine.store.get_trigger_state("company.team", "counted", "hook")
    assert state is not None and state.execution_id == started[-1].id  # the last start is recorded


async def test_a_disabled_trigger_answers_not_found_to_every_call(engine: Engine) -> None:
    await engine.deploy(FLOW)
    await set_disabled(engine, "company.team", "counted", "hook", True)
    starter = WebhookStarter(engine)

    answers = await asyncio.gather(*(starter.call("company.team", "counted", "round-key-0123", _call(n)) for n in range(5)))

    assert {a.outcome for a in answers} == {Outcome.NOT_FOUND}
    stored = await engine.store.search_executions(ExecutionQuery(namespace="company.team", flow_id="counted", size=1))
    assert stored.total == 0


async def test_rounds_follow_each_other(engine: Engine) -> None:
    """Calls arriving while a round is written are answered by the next one."""
    await engine.deploy(FLOW)
    starter = WebhookStarter(engine)

    first = asyncio.gather(*(starter.call("company.team", "counted", "round-key-0123", _call(n)) for n in range(3)))
    await asyncio.sleep(0)  # the first round has begun
    second = asyncio.gather(*(starter.call("company.team", "counted", "round-key-0123", _call(n)) for n in range(3, 6)))
    answers = [*await first, *await second]

    assert [a.execution.inputs["n"] for a in answers if a.execution is not None] == list(range(6))
    stored = await engine.store.search_executions(ExecutionQuery(namespace="company.team", flow_id="counted", size=1))
    assert stored.total == 6
