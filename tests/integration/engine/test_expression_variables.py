"""Expression variables and functions at engine level: ``execution.startDate``, ``labels``,
``taskrun.id``, ``parent`` / ``parents``, ``render()``, ``flow.revision``, and render errors."""

from __future__ import annotations

from datetime import datetime

from lanner.models.state import State

from ..harness import Harness


async def test_execution_start_date_labels_and_taskrun_id(harness: Harness) -> None:
    result = await harness.run(
        """
id: context
namespace: test.engine
labels:
  team: data
tasks:
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ execution.startDate }}|{{ labels.team }}|{{ labels.env }}|{{ taskrun.id }}|{{ execution.id }}"
  - id: dated
    type: io.kestra.plugin.core.debug.Return
    format: "{{ execution.startDate | date('yyyy-MM-dd') }}"
""",
        labels={"env": "prod"},
    )
    assert result.state == State.SUCCESS, result.states()
    start, team, env, taskrun_id, execution_id = result.outputs("show")["value"].split("|")
    assert start.endswith("Z")
    assert datetime.fromisoformat(start.replace("Z", "+00:00")) == result.execution.start_date
    assert (team, env) == ("data", "prod")
    assert taskrun_id == result.run("show").id
    assert execution_id == result.execution.id
    assert result.outputs("dated")["value"] == result.execution.start_date.strftime("%Y-%m-%d")


async def test_labels_set_by_a_task_are_seen_by_later_tasks(harness: Harness) -> None:
    result = await harness.run("""
id: relabel
namespace: test.engine
tasks:
  - id: label
    type: io.kestra.plugin.core.execution.Labels
    labels:
      stage: loaded
  - id: read
    type: io.kestra.plugin.core.debug.Return
    format: "{{ labels.stage }}"
""")
    assert result.state == State.SUCCESS, result.states()
    assert result.outputs("read")["value"] == "loaded"


async def test_parent_and_parents_inside_nested_flowables(harness: Harness) -> None:
    result = await harness.run(
        """
id: family
namespace: test.engine
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: check
        type: io.kestra.plugin.core.flow.If
        condition: "{{ taskrun.value == 'b' or parent.taskrun.value == 'b' }}"
        then:
          - id: inner
            type: io.kestra.plugin.core.flow.ForEach
            values: [1, 2]
            tasks:
              - id: leaf
                type: io.kestra.plugin.core.debug.Return
                format: >-
                  {{ taskrun.value }}/{{ parent.taskrun.value }}/{{ parents | length }}/{{ parents[1].taskrun.value
                  }}/{{ parents[2].taskrun.id == parents[-1].taskrun.id }}
"""
    )
    assert result.state == State.SUCCESS, result.states()
    outer = result.run("outer")
    leaves = sorted(r.outputs["value"] for r in result.runs("leaf"))  # type: ignore[index]
    # a leaf's parents: the inner ForEach, the If, the outer ForEach
    assert len(result.runs("leaf")) == 2
    values = [leaf.split("/") for leaf in leaves]
    assert [v[0] for v in values] == ["1", "2"]
    assert {v[1] for v in values} == {"b"}
    assert {v[2] for v in values} == {"3"}
    assert {v[3] for v in values} == {"b"}
    assert {v[4] for v in values} == {"true"}
    assert outer.state == State.SUCCESS


async def test_parent_outputs_are_visible_to_children(harness: Harness) -> None:
    result = await harness.run("""
id: parent_outputs
namespace: test.engine
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["x"]
    tasks:
      - id: child
        type: io.kestra.plugin.core.debug.Return
        # the ForEach's own task run has no value (it is not inside a loop): only its children do
        format: "{{ taskrun.value }}-{{ parent.taskrun.value ?? 'none' }}-{{ parents[0].taskrun.id == parent.taskrun.id }}"
  - id: top
    type: io.kestra.plugin.core.debug.Return
    format: "{{ parent is none }}-{{ parents | length }}"
""")
    assert result.state == State.SUCCESS, result.states()
    assert result.outputs("top")["value"] == "true-0"
    assert result.outputs("child", "x")["value"] == "x-none-true"


async def test_render_evaluates_an_expression_held_in_a_variable(harness: Harness) -> None:
    result = await harness.run(
        """
id: rendering
namespace: test.engine
inputs:
  - id: name
    type: STRING
variables:
  greeting: "hello {{ inputs.name }}"
  nested: "{{ vars.greeting }}!"
  wanted: "{{ inputs.name == 'ada' }}"
tasks:
  - id: plain
    type: io.kestra.plugin.core.debug.Return
    format: "{{ vars.greeting }}"
  - id: rendered
    type: io.kestra.plugin.core.debug.Return
    format: "{{ render(vars.greeting) }}"
  - id: recursive
    type: io.kestra.plugin.core.debug.Return
    format: "{{ render(vars.nested) }}"
  - id: once
    type: io.kestra.plugin.core.debug.Return
    format: "{{ render(vars.nested, recursive=false) }}"
  - id: branch
    type: io.kestra.plugin.core.flow.If
    condition: "{{ render(vars.wanted) }}"
    then:
      - id: chosen
        type: io.kestra.plugin.core.debug.Return
        format: "{{ render(vars.greeting) }}"
  - id: guarded
    type: io.kestra.plugin.core.debug.Return
    runIf: "{{ render(vars.wanted) }}"
    format: ran
""",
        {"name": "ada"},
    )
    assert result.state == State.SUCCESS, result.states()
    assert result.outputs("plain")["value"] == "hello {{ inputs.name }}"
    assert result.outputs("rendered")["value"] == "hello ada"
    assert result.outputs("recursive")["value"] == "hello ada!"
    assert result.outputs("once")["value"] == "hello {{ inputs.name }}!"
    assert result.outputs("chosen")["value"] == "hello ada"
    assert result.run("guarded").state == State.SUCCESS


async def test_flow_revision_is_the_revision_that_runs(harness: Harness) -> None:
    source = """
id: revised
namespace: test.engine
description: {text}
tasks:
  - id: rev
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ flow.revision }}}} {{{{ flow.id }}}} {{{{ flow.namespace }}}}"
"""
    first = await harness.run(source.format(text="first"))
    second = await harness.run(source.format(text="second"))
    assert first.outputs("rev")["value"] == "1 revised test.engine"
    assert second.outputs("rev")["value"] == "2 revised test.engine"
    assert second.execution.flow_revision == 2


async def test_a_render_error_fails_the_task_naming_the_expression_task_and_reason(harness: Harness) -> None:
    result = await harness.run("""
id: broken
namespace: test.engine
tasks:
  - id: fine
    type: io.kestra.plugin.core.debug.Return
    format: ok
  - id: bad_render
    type: io.kestra.plugin.core.debug.Return
    format: "value: {{ outputs.fine.nothere }}"
  - id: never
    type: io.kestra.plugin.core.debug.Return
    format: no
""")
    assert result.state == State.FAILED
    assert result.run("bad_render").state == State.FAILED
    assert result.runs("never") == []
    errors = [line for line in await result.logs("bad_render") if line.startswith("ERROR")]
    assert errors, await result.logs()
    message = "\n".join(errors)
    assert "outputs.fine.nothere" in message
    assert "'bad_render'" in message
    assert "nothere" in message and ("undefined" in message or "no " in message or "unknown" in message), message


async def test_a_render_error_in_a_flowable_names_the_expression_task_and_reason(harness: Harness) -> None:
    result = await harness.run("""
id: broken_if
namespace: test.engine
tasks:
  - id: branch
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.missing == 1 }}"
    then:
      - id: never
        type: io.kestra.plugin.core.debug.Return
        format: no
""")
    assert result.state == State.FAILED
    assert result.run("branch").state == State.FAILED
    logs = await result.logs_when("branch", lambda lines: any(line.startswith("ERROR") for line in lines))
    message = "\n".join(line for line in logs if line.startswith("ERROR"))
    assert "inputs.missing" in message
    assert "'branch'" in message
    assert "missing" in message
