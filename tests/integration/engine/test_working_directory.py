"""WorkingDirectory: children share one folder on one worker, each reported as a child task run."""

from __future__ import annotations

from pathlib import Path

from lanner.flows import validate_flow
from lanner.models.state import State

from ..harness import Harness
from ..plugins.git.repos import remote


async def test_children_share_the_folder_and_their_outputs(harness: Harness) -> None:
    result = await harness.run("""
id: shared
namespace: test.engine
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      seed.txt: "seeded\\n"
    outputFiles: ["*.txt"]
    tasks:
      - id: write
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - cat seed.txt
          - echo hello > data.txt
          - 'echo "::{\\"outputs\\": {\\"lines\\": 1}}::"'
      - id: read
        type: io.kestra.plugin.scripts.python.Script
        script: |
          from kestra import Kestra
          Kestra.outputs({"text": open("data.txt").read().strip(), "lines": {{ outputs.write.vars.lines }}})
      - id: skipped
        type: io.kestra.plugin.core.debug.Return
        runIf: "{{ outputs.read.vars.text == 'nope' }}"
        format: never
      - id: ident
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.id }} {{ taskrun.parentId }} {{ task.id }}"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.read.vars.text }} {{ outputs.write.vars.lines }} {{ outputs.wdir.outputFiles | keys | join(',') }}"
""")
    assert result.state == State.SUCCESS, result.states()
    wdir = result.run("wdir")
    write, read, skipped = result.run("write"), result.run("read"), result.run("skipped")
    assert {write.parent_id, read.parent_id, skipped.parent_id} == {wdir.id}
    assert (write.state, read.state, skipped.state) == (State.SUCCESS, State.SUCCESS, State.SKIPPED)
    assert read.outputs is not None and read.outputs["vars"] == {"text": "hello", "lines": 1}
    assert result.outputs("after")["value"] == "hello 1 data.txt,seed.txt"
    assert result.outputs("ident")["value"] == f"{result.run('ident').id} {wdir.id} ident"
    assert "INFO seeded" in await result.logs("write")  # a child's log lines are its own task run's
    assert not [line for line in await result.logs("wdir") if "seeded" in line]


async def test_a_failing_child_stops_the_others_and_fails_the_working_directory(harness: Harness) -> None:
    result = await harness.run("""
id: failing
namespace: test.engine
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: tolerated
        type: io.kestra.plugin.scripts.shell.Commands
        allowFailure: true
        commands: ["exit 3"]
      - id: broken
        type: io.kestra.plugin.scripts.shell.Commands
        commands: ["exit 4"]
      - id: never
        type: io.kestra.plugin.core.debug.Return
        format: never
  - id: not_reached
    type: io.kestra.plugin.core.debug.Return
    format: no
""")
    assert result.state == State.FAILED
    assert result.run("wdir").state == State.FAILED
    assert result.run("tolerated").state == State.WARNING
    assert result.run("broken").state == State.FAILED
    assert result.runs("never") == [] and result.runs("not_reached") == []
    errors = [line for line in await result.logs("wdir") if line.startswith("ERROR")]
    assert any("task 'broken' failed" in line and "4" in line for line in errors), errors
    assert any(line.startswith("ERROR") and "4" in line for line in await result.logs("broken"))


async def test_a_child_retry_runs_in_the_same_folder(harness: Harness) -> None:
    result = await harness.run("""
id: child_retry
namespace: test.engine
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: flaky
        type: io.kestra.plugin.scripts.shell.Commands
        retry: {type: constant, interval: PT0.01S, maxAttempts: 3, warningOnRetry: true}
        commands:
          - if [ -f marker ]; then exit 0; fi
          - touch marker
          - exit 1
""")
    assert result.run("flaky").state == State.WARNING
    assert result.run("wdir").state == State.WARNING
    assert result.state == State.WARNING


async def test_git_clone_then_a_script_reading_the_clone(harness: Harness, tmp_path: Path) -> None:
    repo = remote(tmp_path, {"etl/main.py": "from kestra import Kestra\nKestra.outputs({'rows': 42})\n"})
    result = await harness.run(
        f"""
id: clone_then_run
namespace: test.engine
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: clone
        type: io.kestra.plugin.git.Clone
        url: {repo}
        branch: main
      - id: etl
        type: io.kestra.plugin.scripts.python.Commands
        commands: ["python etl/main.py"]
  - id: report
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ outputs.etl.vars.rows }}}} from {{{{ outputs.clone.commit | length }}}}-char commit"
""",
        timeout=60,
    )
    assert result.state == State.SUCCESS, (result.states(), await result.logs())
    assert result.outputs("report")["value"] == "42 from 40-char commit"


async def test_inside_a_foreach_children_outputs_are_per_value(harness: Harness) -> None:
    result = await harness.run("""
id: wd_loop
namespace: test.engine
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: wdir
        type: io.kestra.plugin.core.flow.WorkingDirectory
        tasks:
          - id: make
            type: io.kestra.plugin.scripts.shell.Commands
            commands: ["echo {{ taskrun.value }} > v.txt"]
          - id: echo
            type: io.kestra.plugin.core.debug.Return
            format: "{{ taskrun.value }}"
  - id: read
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.echo['a'].value }}{{ outputs.echo['b'].value }}"
""")
    assert result.state == State.SUCCESS, result.states()
    assert result.outputs("read")["value"] == "ab"


def test_a_flowable_inside_is_a_located_error() -> None:
    issues = validate_flow(
        """id: nested
namespace: test.engine
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: par
        type: io.kestra.plugin.core.flow.Parallel
        tasks:
          - id: x
            type: io.kestra.plugin.core.log.Log
            message: x
""",
        filename="nested.yml",
    )
    assert len(issues) == 1, [i.format() for i in issues]
    assert issues[0].line is not None and issues[0].line >= 4
    assert "'par'" in issues[0].message and "WorkingDirectory" in issues[0].message
