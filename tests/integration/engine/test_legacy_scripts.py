"""Kestra's deprecated script tasks run unchanged: ``io.kestra.core.tasks.scripts.Bash`` / ``…Python``."""

from __future__ import annotations

from lanner.models.state import State

from ..harness import Harness


async def test_legacy_bash_and_python_run_as_shell_and_python_commands(harness: Harness) -> None:
    result = await harness.run("""
id: legacy
namespace: test.engine
tasks:
  - id: bash
    type: io.kestra.core.tasks.scripts.Bash
    interpreter: /bin/bash
    exitOnFailed: true
    outputFiles:
      - first
    inputFiles:
      script.sh: |
        echo "bash ${BASH_VERSINFO[0]:+yes}"
    commands:
      - bash script.sh
      - echo 1 >> {{ outputFiles.first }}
      - 'echo "::{\\"outputs\\": {\\"n\\": 3}}::"'
  - id: py
    type: io.kestra.core.tasks.scripts.Python
    requirements: [kestra]
    args: [data.json]
    inputFiles:
      data.json: '{"status": "OK"}'
      main.py: |
        import json, sys
        from kestra import Kestra
        Kestra.outputs({"status": json.load(open(sys.argv[1]))["status"], "n": {{ outputs.bash.vars.n }}})
  - id: stderr
    type: io.kestra.core.tasks.scripts.Bash
    commands: ["echo oops >&2"]
""")
    assert result.run("bash").state == State.SUCCESS
    assert "INFO bash yes" in await result.logs("bash")
    assert result.outputs("bash")["outputFiles"]["first"].startswith("lanner://")
    assert result.outputs("py")["vars"] == {"status": "OK", "n": 3}
    # as in Kestra, standard error ends a legacy script task in WARNING
    assert result.run("stderr").state == State.WARNING
    assert result.state == State.WARNING
