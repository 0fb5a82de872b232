"""Retries, timeouts, kill, restart, replay, pause/resume, subflows, concurrency, labels, secrets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lanner.errors import ConflictError
from lanner.models.state import State

from ..harness import Harness


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_retry_records_every_attempt(harness: Harness, tmp_path: Path) -> None:
    marker = tmp_path / "count"
    result = await harness.run(f"""
id: flaky
namespace: test.engine
tasks:
  - id: flaky
    type: io.kestra.plugin.scripts.python.Script
    retry:
      type: constant
      interval: PT0.05S
      maxAttempts: 5
    script: |
      import pathlib, sys
      p = pathlib.Path("{marker}")
      n = int(p.read_text()) + 1 if p.exists() else 1
      p.write_text(str(n))
      sys.exit(0 if n >= 3 else 1)
""")
    assert result.state == State.SUCCESS
    attempts = result.run("flaky").attempts
    assert [a.state for a in attempts] == [State.FAILED, State.FAILED, State.SUCCESS]
    assert [a.number for a in attempts] == [1, 2, 3]
    assert marker.read_text() == "3"


async def test_attempts_count_grows_with_each_retry(harness: Harness) -> None:
    result = await harness.run("""
id: counted
namespace: test.engine
tasks:
  - id: third_time_lucky
    type: io.kestra.plugin.scripts.python.Script
    retry:
      type: constant
      interval: PT0.01S
      maxAttempts: 4
    script: |
      import sys
      from kestra import Kestra
      Kestra.outputs({"seen": {{ taskrun.attemptsCount }}})
      sys.exit(0 if {{ taskrun.attemptsCount }} >= 2 else 1)
""")
    assert result.state == State.SUCCESS
    run = result.run("third_time_lucky")
    assert len(run.attempts) == 3
    assert run.outputs is not None and run.outputs["vars"]["seen"] == 2


async def test_retry_gives_up_after_max_attempts(harness: Harness) -> None:
    result = await harness.run("""
id: hopeless
namespace: test.engine
retry:
  type: constant
  interval: PT0.01S
  maxAttempts: 2
tasks:
  - id: fail
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["exit 3"]
""")
    assert result.state == State.FAILED
    assert len(result.run("fail").attempts) == 2


async def test_flow_retry_can_create_new_executions(harness: Harness, tmp_path: Path) -> None:
    marker = tmp_path / "count"
    first = await harness.start(
        f"""
id: retried
namespace: test.engine
labels:
  team: data
retry:
  type: constant
  interval: PT0.05S
  maxAttempts: 3
  behavior: CREATE_NEW_EXECUTION
inputs:
  - id: who
    type: STRING
tasks:
  - id: flaky
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - n=$(( $(cat {marker} 2>/dev/null || echo 0) + 1 )); echo $n > {marker}; test $n -ge 3
""",
        {"who": "me"},
    )
    failed = await harness.wait(first.id)
    assert failed.state == State.FAILED
    assert len(failed.run("flaky").attempts) == 1  # not retried inside the execution
    chain = [failed.execution]
    while "retriedBy" in chain[-1].meta:
        chain.append((await harness.wait(chain[-1].meta["retriedBy"])).execution)
    assert [e.state for e in chain] == [State.FAILED, State.FAILED, State.SUCCESS]
    assert [e.meta.get("attemptNumber", 1) for e in chain] == [1, 2, 3]
    assert all(e.inputs == {"who": "me"} and e.labels["team"] == "data" for e in chain)
    assert {e.original_id for e in chain[1:]} == {first.id}
    assert marker.read_text().strip() == "3"


async def test_flow_retry_stops_at_max_attempts(harness: Harness) -> None:
    first = await harness.start("""
id: hopeless_new
namespace: test.engine
retry:
  type: constant
  interval: PT0.01S
  maxAttempts: 2
  behavior: CREATE_NEW_EXECUTION
tasks:
  - id: fail
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["exit 3"]
""")
    second_id = (await harness.wait(first.id)).execution.meta["retriedBy"]
    second = await harness.wait(second_id)
    assert second.state == State.FAILED
    assert "retriedBy" not in second.execution.meta


async def test_timeout_fails_the_attempt(harness: Harness) -> None:
    result = await harness.run("""
id: slow
namespace: test.engine
tasks:
  - id: slow
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT30S
    timeout: PT0.2S
""")
    assert result.state == State.FAILED
    assert "timed out" in (result.run("slow").attempts[-1].error or "")


async def test_kill_stops_running_subprocess(harness: Harness, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    execution = await harness.start(f"""
id: long
namespace: test.engine
tasks:
  - id: long
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo $$ > {pid_file}
      - sleep 60
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: nope
""")
    await harness.wait_until(execution.id, lambda r: pid_file.exists() and pid_file.read_text().strip() != "")
    pid = int(pid_file.read_text())
    await harness.engine.kill(execution.id)
    result = await harness.wait(execution.id, timeout=30)
    assert result.state == State.KILLED
    assert result.run("long").state == State.KILLED
    assert result.runs("never") == []
    assert not _pid_alive(pid)
    with pytest.raises(ConflictError):
        await harness.engine.kill(execution.id)


async def test_restart_reruns_failed_tasks_only(harness: Harness, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    execution = await harness.start(f"""
id: restartable
namespace: test.engine
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ execution.id }}}}"
  - id: gated
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["test -f {gate}"]
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "after {{{{ outputs.first.value }}}}"
""")
    failed = await harness.wait(execution.id)
    assert failed.state == State.FAILED
    first_attempts = len(failed.run("first").attempts)
    gate.write_text("open")
    await harness.engine.restart(execution.id)
    result = await harness.wait_until(execution.id, lambda r: r.state == State.SUCCESS)
    assert len(result.run("first").attempts) == first_attempts  # kept, not re-run
    assert [a.state for a in result.run("gated").attempts] == [State.FAILED, State.SUCCESS]
    assert result.outputs("last")["value"] == f"after {execution.id}"


async def test_replay_from_a_task_run(harness: Harness) -> None:
    first = await harness.run("""
id: replayable
namespace: test.engine
tasks:
  - id: a
    type: io.kestra.plugin.core.debug.Return
    format: "{{ execution.id }}"
  - id: b
    type: io.kestra.plugin.core.debug.Return
    format: "b saw {{ outputs.a.value }}"
""")
    assert first.state == State.SUCCESS
    replay = await harness.engine.replay(first.execution.id, first.run("b").id)
    result = await harness.wait(replay.id)
    assert result.state == State.SUCCESS
    assert result.execution.original_id == first.execution.id
    assert result.outputs("a")["value"] == first.execution.id  # copied, not re-run
    assert result.outputs("b")["value"] == f"b saw {first.execution.id}"
    assert result.run("b").id != first.run("b").id


async def test_pause_with_delay_resumes_by_itself(harness: Harness) -> None:
    result = await harness.run("""
id: pause_delay
namespace: test.engine
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0.3S
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: resumed
""")
    assert result.state == State.SUCCESS
    assert result.run("wait").state == State.SUCCESS
    assert State.PAUSED in [h.state for h in result.run("wait").history]


async def test_pause_until_manual_resume(harness: Harness) -> None:
    execution = await harness.start("""
id: pause_manual
namespace: test.engine
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: approved
""")
    paused = await harness.wait_until(execution.id, lambda r: r.state == State.PAUSED)
    assert paused.runs("after") == []
    await harness.engine.resume(execution.id)
    result = await harness.wait(execution.id)
    assert result.state == State.SUCCESS
    assert result.outputs("after")["value"] == "approved"


CHILD = """
id: child
namespace: test.sub
inputs:
  - id: n
    type: INT
tasks:
  - id: double
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n * 2 }}"
  - id: maybe_fail
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.n < 0 }}"
outputs:
  - id: doubled
    type: STRING
    value: "{{ outputs.double.value }}"
"""


async def test_subflow_waits_and_returns_outputs(harness: Harness) -> None:
    await harness.engine.deploy(CHILD)
    result = await harness.run("""
id: parent
namespace: test.engine
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test.sub
    flowId: child
    inputs:
      n: 21
  - id: use
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.call.outputs.doubled }}"
""")
    assert result.state == State.SUCCESS, result.states()
    assert result.outputs("use")["value"] == "42"
    child_id = result.outputs("call")["executionId"]
    child = await harness.engine.get(child_id)
    assert child.execution.parent_id == result.execution.id
    assert child.execution.state == State.SUCCESS


async def test_subflow_failure_is_transmitted_or_not(harness: Harness) -> None:
    await harness.engine.deploy(CHILD)
    result = await harness.run("""
id: parent_fail
namespace: test.engine
tasks:
  - id: tolerant
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test.sub
    flowId: child
    transmitFailed: false
    inputs: {n: -1}
  - id: strict
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test.sub
    flowId: child
    inputs: {n: -1}
""")
    assert result.run("tolerant").state == State.SUCCESS
    assert result.outputs("tolerant")["state"] == "FAILED"
    assert result.run("strict").state == State.FAILED
    assert result.state == State.FAILED


async def test_subflow_without_wait(harness: Harness) -> None:
    await harness.engine.deploy(CHILD)
    result = await harness.run("""
id: fire_and_forget
namespace: test.engine
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test.sub
    flowId: child
    wait: false
    inputs: {n: 1}
""")
    assert result.state == State.SUCCESS
    child = await harness.wait(result.outputs("call")["executionId"])
    assert child.state == State.SUCCESS


async def test_concurrency_queue_runs_one_at_a_time(harness: Harness, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    source = f"""
id: single
namespace: test.engine
concurrency:
  limit: 1
tasks:
  - id: hold
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["while [ ! -f {gate} ]; do sleep 0.05; done"]
"""
    first = await harness.start(source)
    await harness.wait_until(first.id, lambda r: r.state == State.RUNNING)
    second = await harness.engine.submit("test.engine", "single")
    await harness.wait_until(second.id, lambda r: r.state == State.QUEUED)
    gate.write_text("go")
    assert (await harness.wait(first.id)).state == State.SUCCESS
    assert (await harness.wait(second.id)).state == State.SUCCESS


@pytest.mark.parametrize(("behavior", "expected"), [("CANCEL", State.CANCELLED), ("FAIL", State.FAILED)])
async def test_concurrency_cancel_or_fail(harness: Harness, tmp_path: Path, behavior: str, expected: State) -> None:
    gate = tmp_path / "gate"
    source = f"""
id: limited_{behavior.lower()}
namespace: test.engine
concurrency:
  limit: 1
  behavior: {behavior}
tasks:
  - id: hold
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["while [ ! -f {gate} ]; do sleep 0.05; done"]
"""
    first = await harness.start(source)
    await harness.wait_until(first.id, lambda r: r.state == State.RUNNING)
    second = await harness.engine.submit("test.engine", f"limited_{behavior.lower()}")
    assert (await harness.wait(second.id)).state == expected
    gate.write_text("go")
    assert (await harness.wait(first.id)).state == State.SUCCESS


async def test_labels_task_updates_execution(harness: Harness) -> None:
    result = await harness.run("""
id: labelled
namespace: test.engine
labels:
  team: data
tasks:
  - id: tag
    type: io.kestra.plugin.core.execution.Labels
    labels:
      stage: "{{ 'loaded' }}"
""")
    assert result.state == State.SUCCESS
    assert result.execution.labels == {"team": "data", "stage": "loaded"}


async def test_secrets_are_masked_in_logs_and_outputs(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANNER_SECRET_DB_PASSWORD", "hunter2-very-secret")
    result = await harness.run("""
id: secretive
namespace: test.engine
tasks:
  - id: leak
    type: io.kestra.plugin.core.log.Log
    message: "password is {{ secret('DB_PASSWORD') }}"
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: "{{ secret('DB_PASSWORD') }}"
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      PW: "{{ secret('DB_PASSWORD') }}"
    commands: ["echo got $PW"]
""")
    assert result.state == State.SUCCESS
    logs = "\n".join(await result.logs())
    assert "hunter2-very-secret" not in logs
    assert "password is ******" in logs and "got ******" in logs
    assert "hunter2" not in str(result.outputs("ret"))


async def test_kv_tasks_and_function(harness: Harness) -> None:
    result = await harness.run("""
id: kv
namespace: test.kv
tasks:
  - id: put
    type: io.kestra.plugin.core.kv.Set
    key: last_run
    value: "{{ execution.id }}"
  - id: read
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('last_run') }}"
  - id: get
    type: io.kestra.plugin.core.kv.Get
    key: last_run
""")
    assert result.state == State.SUCCESS, result.states()
    assert result.outputs("read")["value"] == result.execution.id
    assert result.outputs("get")["value"] == result.execution.id
