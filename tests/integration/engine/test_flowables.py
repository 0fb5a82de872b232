"""Control flow on both backends: sequence, parallel, loops, branches, DAG, errors/finally."""

from __future__ import annotations

from lanner.models.state import State

from ..harness import Harness


async def test_sequential_outputs_flow_between_tasks(harness: Harness) -> None:
    result = await harness.run(
        """
id: seq
namespace: test.engine
inputs:
  - id: name
    type: STRING
    defaults: world
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "hello {{ inputs.name }}"
  - id: second
    type: lanner.core.Return
    format: "{{ outputs.first.value | upper }}"
  - id: log
    type: io.kestra.core.tasks.log.Log
    message: "said {{ outputs.second.value }}"
outputs:
  - id: said
    type: STRING
    value: "{{ outputs.second.value }}"
""",
        {"name": "ada"},
    )
    assert result.state == State.SUCCESS
    assert result.outputs("second")["value"] == "HELLO ADA"
    assert result.execution.outputs == {"said": "HELLO ADA"}
    assert [r.task_id for r in sorted(result.task_runs, key=lambda r: r.seq)] == ["first", "second", "log"]
    assert "INFO said HELLO ADA" in await result.logs("log")
    attempt = result.run("first").attempts[0]
    assert attempt.number == 1 and attempt.state == State.SUCCESS


async def test_parallel_runs_children_and_fans_in(harness: Harness) -> None:
    children = "\n".join(
        f"      - id: p{i}\n        type: io.kestra.plugin.core.debug.Return\n        format: '{i}'" for i in range(6)
    )
    result = await harness.run(f"""
id: par
namespace: test.engine
tasks:
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    concurrent: 2
    tasks:
{children}
  - id: join
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ outputs.p0.value }}}}+{{{{ outputs.p5.value }}}}"
""")
    assert result.state == State.SUCCESS
    assert result.outputs("join")["value"] == "0+5"
    assert result.run("p3").parent_id == result.run("fan").id


async def test_parallel_limit_is_respected(harness: Harness, tmp_path: object) -> None:
    # each child records start/end times; with concurrent: 2 no three overlap
    children = "\n".join(
        f"      - id: s{i}\n        type: io.kestra.plugin.scripts.python.Script\n        script: |\n"
        f"          import time; from kestra import Kestra\n"
        f"          a = time.time(); time.sleep(0.3); Kestra.outputs({{'a': a, 'b': time.time()}})"
        for i in range(4)
    )
    result = await harness.run(f"""
id: parlimit
namespace: test.engine
tasks:
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    concurrent: 2
    tasks:
{children}
""")
    assert result.state == State.SUCCESS
    spans = [(result.outputs(f"s{i}")["vars"]["a"], result.outputs(f"s{i}")["vars"]["b"]) for i in range(4)]
    for a, _ in spans:
        overlapping = sum(1 for a2, b2 in spans if a2 <= a < b2)
        assert overlapping <= 2


async def test_foreach_outputs_per_value_and_nested(harness: Harness) -> None:
    result = await harness.run("""
id: loop
namespace: test.engine
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    concurrencyLimit: 0
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.ForEach
        values: "[1, 2]"
        tasks:
          - id: leaf
            type: io.kestra.plugin.core.debug.Return
            format: "{{ parents[0].taskrun.value }}{{ taskrun.value }}"
      - id: after
        type: io.kestra.plugin.core.debug.Return
        format: "done {{ taskrun.value }}"
  - id: read
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.leaf['b']['2'].value }} {{ outputs.after['a'].value }}"
""")
    assert result.state == State.SUCCESS, result.states()
    leaves = sorted(r.outputs["value"] for r in result.runs("leaf"))  # type: ignore[index]
    assert leaves == ["a1", "a2", "b1", "b2"]
    assert result.outputs("read")["value"] == "b2 done a"


async def test_foreach_stops_after_a_failure(harness: Harness) -> None:
    result = await harness.run("""
id: loopfail
namespace: test.engine
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["ok", "bad", "never"]
    tasks:
      - id: check
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ taskrun.value == 'bad' }}"
        errorMessage: "bad value"
""")
    assert result.state == State.FAILED
    assert {r.value for r in result.runs("check")} == {"ok", "bad"}


async def test_if_and_switch_choose_branches(harness: Harness) -> None:
    result = await harness.run("""
id: branches
namespace: test.engine
inputs:
  - id: region
    type: STRING
    defaults: eu
tasks:
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.region == 'us' }}"
    then:
      - id: is_us
        type: io.kestra.plugin.core.debug.Return
        format: us
    else:
      - id: not_us
        type: io.kestra.plugin.core.debug.Return
        format: "{{ inputs.region }}"
  - id: route
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.region }}"
    cases:
      eu:
        - id: eu_case
          type: io.kestra.plugin.core.debug.Return
          format: europe
    defaults:
      - id: other
        type: io.kestra.plugin.core.debug.Return
        format: other
""")
    assert result.state == State.SUCCESS
    assert result.runs("is_us") == []
    assert result.outputs("not_us")["value"] == "eu"
    assert result.outputs("eu_case")["value"] == "europe"
    assert result.runs("other") == []


async def test_dag_respects_dependencies(harness: Harness) -> None:
    result = await harness.run("""
id: dag
namespace: test.engine
tasks:
  - id: graph
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: load
          type: io.kestra.plugin.core.debug.Return
          format: "{{ outputs.left.value }}{{ outputs.right.value }}"
        dependsOn: [left, right]
      - task:
          id: left
          type: io.kestra.plugin.core.debug.Return
          format: L
        dependsOn: [root]
      - task:
          id: right
          type: io.kestra.plugin.core.debug.Return
          format: R
        dependsOn: [root]
      - task:
          id: root
          type: io.kestra.plugin.core.debug.Return
          format: start
""")
    assert result.state == State.SUCCESS
    seq = {r.task_id: r.seq for r in result.task_runs}
    assert seq["root"] < seq["left"] < seq["load"] and seq["right"] < seq["load"]
    assert result.outputs("load")["value"] == "LR"


async def test_errors_and_finally_branches(harness: Harness) -> None:
    result = await harness.run("""
id: failing
namespace: test.engine
tasks:
  - id: ok
    type: io.kestra.plugin.core.debug.Return
    format: fine
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "it broke"
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: unreachable
errors:
  - id: on_error
    type: io.kestra.plugin.core.log.Log
    message: "handling failure of {{ flow.id }}"
finally:
  - id: cleanup
    type: io.kestra.plugin.core.debug.Return
    format: cleaned
""")
    assert result.state == State.FAILED
    assert result.run("boom").state == State.FAILED
    assert result.runs("never") == []
    assert result.run("on_error").state == State.SUCCESS
    assert result.run("cleanup").state == State.SUCCESS
    assert any("it broke" in line for line in await result.logs("boom"))


async def test_finally_runs_on_success_and_errors_does_not(harness: Harness) -> None:
    result = await harness.run("""
id: fine
namespace: test.engine
tasks:
  - id: ok
    type: io.kestra.plugin.core.debug.Return
    format: fine
errors:
  - id: on_error
    type: io.kestra.plugin.core.log.Log
    message: nope
finally:
  - id: cleanup
    type: io.kestra.plugin.core.log.Log
    message: bye
""")
    assert result.state == State.SUCCESS
    assert result.runs("on_error") == []
    assert result.run("cleanup").state == State.SUCCESS


async def test_allow_failure_property_and_task(harness: Harness) -> None:
    result = await harness.run("""
id: tolerant
namespace: test.engine
tasks:
  - id: soft
    type: io.kestra.plugin.core.execution.Fail
    allowFailure: true
  - id: wrapper
    type: io.kestra.plugin.core.flow.AllowFailure
    tasks:
      - id: inner_fail
        type: io.kestra.plugin.core.execution.Fail
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: still here
""")
    assert result.state == State.WARNING
    assert result.run("soft").state == State.WARNING
    assert result.run("wrapper").state == State.WARNING
    assert result.run("inner_fail").state == State.FAILED
    assert result.run("after").state == State.SUCCESS


async def test_run_if_and_disabled_skip_tasks(harness: Harness) -> None:
    result = await harness.run("""
id: skipping
namespace: test.engine
inputs:
  - id: full
    type: BOOLEAN
    defaults: false
tasks:
  - id: maybe
    type: io.kestra.plugin.core.log.Log
    message: full refresh
    runIf: "{{ inputs.full }}"
  - id: off
    type: io.kestra.plugin.core.log.Log
    message: disabled
    disabled: true
  - id: always
    type: io.kestra.plugin.core.debug.Return
    format: ran
""")
    assert result.state == State.SUCCESS
    assert result.run("maybe").state == State.SKIPPED
    assert result.run("off").state == State.SKIPPED
    assert result.run("always").state == State.SUCCESS
    assert await result.logs("maybe") == []


async def test_loop_until_condition_reads_iteration_outputs(harness: Harness) -> None:
    result = await harness.run("""
id: loop_until
namespace: test.engine
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ outputs.count.value == '3' }}"
    checkFrequency:
      interval: PT0.05S
    tasks:
      - id: count
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.loop.iterationCount }}"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.loop.iterationCount }}"
""")
    assert result.state == State.SUCCESS, result.states()
    assert [r.outputs["value"] for r in result.runs("count")] == ["1", "2", "3"]  # type: ignore[index]
    assert result.outputs("after")["value"] == "3"


async def test_loop_until_gives_up_at_max_iterations(harness: Harness) -> None:
    result = await harness.run("""
id: loop_max
namespace: test.engine
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.LoopUntil
    condition: "{{ false }}"
    failOnMaxReached: true
    checkFrequency:
      interval: PT0S
      maxIterations: 2
    tasks:
      - id: step
        type: io.kestra.plugin.core.log.Log
        message: "iteration {{ taskrun.value }}"
""")
    assert result.state == State.FAILED
    assert len(result.runs("step")) == 2


async def test_a_large_foreach_completes_with_every_output(harness: Harness) -> None:
    # 600 task runs: past LARGE_EXECUTION, so the executor spaces out its passes
    result = await harness.run(
        """
id: big_loop
namespace: test.flowables
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(0, 599) | list | toJson }}"  # Pebble: the end is included
    concurrencyLimit: 0
    tasks:
      - id: square
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value | number * taskrun.value | number }}"
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.square['599'].value }}"
""",
        timeout=120,
    )
    assert result.state == State.SUCCESS
    squares = [run for run in result.task_runs if run.task_id == "square"]
    assert len(squares) == 600 and all(run.state == State.SUCCESS for run in squares)
    assert result.run("last").outputs == {"value": str(599 * 599)}
