"""Changing the state of a task run inside a container task (Parallel, Sequential) by hand: the
containers around it run again, so the execution is worked out anew and continues after them."""

from __future__ import annotations

from lanner.models.state import State

from ..harness import Harness

FLOW = """
id: nested
namespace: test.engine
tasks:
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: fine
        type: io.kestra.plugin.core.debug.Return
        format: ok
      - id: steps
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: broken
            type: io.kestra.plugin.core.execution.Fail
            errorMessage: upstream broke
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.fine.value }} then after"
"""


async def test_a_failed_task_set_to_success_inside_containers_lets_the_execution_continue(harness: Harness) -> None:
    failed = await harness.run(FLOW)
    assert failed.state == State.FAILED
    assert failed.run("fan").state == State.FAILED and failed.run("steps").state == State.FAILED
    assert failed.runs("after") == []

    await harness.engine.change_state(failed.execution.id, failed.run("broken").id, State.SUCCESS)
    done = await harness.wait_until(failed.execution.id, lambda r: r.state.is_terminal and r.runs("after"))

    assert done.state == State.SUCCESS, done.states()
    assert done.run("broken").state == State.SUCCESS
    assert done.run("steps").state == State.SUCCESS
    assert done.run("fan").state == State.SUCCESS
    assert done.outputs("after") == {"value": "ok then after"}
    # the containers ran again from where they were: nothing started twice
    assert [len(done.runs(task)) for task in ("fan", "fine", "steps", "broken")] == [1, 1, 1, 1]


async def test_a_successful_task_set_to_failed_inside_a_container_fails_it(harness: Harness) -> None:
    source = FLOW.replace(
        "type: io.kestra.plugin.core.execution.Fail\n            errorMessage: upstream broke",
        "type: io.kestra.plugin.core.debug.Return\n            format: fixed",
    )
    succeeded = await harness.run(source)
    assert succeeded.state == State.SUCCESS, succeeded.states()

    await harness.engine.change_state(succeeded.execution.id, succeeded.run("fine").id, State.FAILED)
    done = await harness.wait_until(succeeded.execution.id, lambda r: r.state.is_terminal and r.run("fine").state == State.FAILED)

    assert done.state == State.FAILED, done.states()
    assert done.run("fan").state == State.FAILED
    assert done.run("steps").state == State.SUCCESS
