"""Namespace files, kv(), secrets and envs in real executions, on both backends.

- a Python script task gets the namespace's files in its working directory (include/exclude);
- ``kv()`` works in worker-side properties and in executor-side ones (If, Switch, runIf, flow outputs);
- secrets are masked in logs and outputs, also transformed; ``envs`` shows only ``ENV_*`` variables.
"""

from __future__ import annotations

import base64

import pytest

from lanner.engine.engine import Engine
from lanner.models.state import State
from lanner.storage.namespace_files import NamespaceFiles
from lanner.storage.ports import KVEntry

from ..harness import Harness

SECRET = "s3cr3t-Value-42"


async def test_python_script_reads_namespace_files(engine: Engine, harness: Harness) -> None:
    files = NamespaceFiles(engine.files, "company.team")
    await files.put("scripts/helper.py", b"GREETING = 'hello from a namespace file'\n")
    await files.put("data/input.csv", b"a,b\n1,2\n")
    await files.put("data/notes.md", b"# not copied")
    await NamespaceFiles(engine.files, "company.other").put("scripts/helper.py", b"GREETING = 'wrong namespace'\n")

    result = await harness.run(
        """
id: nsfiles
namespace: company.team
tasks:
  - id: script
    type: io.kestra.plugin.scripts.python.Script
    namespaceFiles:
      enabled: true
      include: ["scripts/**", "data/*"]
      exclude: ["**.md"]
    script: |
      import os
      from kestra import Kestra
      from scripts.helper import GREETING
      rows = open("data/input.csv").read().splitlines()
      Kestra.outputs({"greeting": GREETING, "rows": len(rows), "notes": os.path.exists("data/notes.md")})
  - id: disabled
    type: io.kestra.plugin.scripts.shell.Commands
    namespaceFiles:
      enabled: "{{ 1 == 2 }}"
    commands:
      - test ! -e scripts/helper.py
"""
    )

    assert result.state == State.SUCCESS, await result.logs()
    assert result.outputs("script")["vars"] == {"greeting": "hello from a namespace file", "rows": 2, "notes": False}


async def test_kv_in_worker_and_executor_expressions(engine: Engine, harness: Harness) -> None:
    await engine.store.kv_set(KVEntry("company.team", "mode", "fast"))
    await engine.store.kv_set(KVEntry("shared", "limit", 3))

    result = await harness.run(
        """
id: kvflow
namespace: company.team
tasks:
  - id: set
    type: io.kestra.plugin.core.kv.Set
    key: enabled
    value: "true"
    kvType: BOOLEAN
  - id: branch
    type: io.kestra.plugin.core.flow.If
    condition: "{{ kv('enabled') }}"
    then:
      - id: on
        type: io.kestra.plugin.core.debug.Return
        format: "mode {{ kv('mode') }}, limit {{ kv('limit', 'shared') }}"
    else:
      - id: off
        type: io.kestra.plugin.core.debug.Return
        format: "off"
  - id: switch
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ kv('mode') }}"
    cases:
      fast:
        - id: fast
          type: io.kestra.plugin.core.debug.Return
          format: "went fast"
    defaults:
      - id: slow
        type: io.kestra.plugin.core.debug.Return
        format: "went slow"
  - id: skipped
    type: io.kestra.plugin.core.debug.Return
    runIf: "{{ kv('missing') is not null }}"
    format: "never"
outputs:
  - id: mode
    type: STRING
    value: "{{ kv('mode') }}"
"""
    )

    assert result.state == State.SUCCESS, await result.logs()
    assert result.outputs("on")["value"] == "mode fast, limit 3"
    assert result.outputs("fast")["value"] == "went fast"
    assert result.run("skipped").state == State.SKIPPED
    assert not result.runs("off") and not result.runs("slow")
    assert result.execution.outputs == {"mode": "fast"}


async def test_kv_error_on_missing_fails_the_branch(harness: Harness) -> None:
    result = await harness.run(
        """
id: kvmissing
namespace: company.team
tasks:
  - id: branch
    type: io.kestra.plugin.core.flow.If
    condition: "{{ kv('absent', errorOnMissing=true) }}"
    then:
      - id: never
        type: io.kestra.plugin.core.debug.Return
        format: "x"
"""
    )
    assert result.state == State.FAILED
    assert any("absent" in line for line in await result.logs())


async def test_secrets_are_masked_and_envs_are_limited(monkeypatch: pytest.MonkeyPatch, engine: Engine, harness: Harness) -> None:
    monkeypatch.setenv("LANNER_SECRET_API_TOKEN", SECRET)
    monkeypatch.setenv("ENV_REGION", "eu-west-1")
    monkeypatch.setenv("LANNER_PRIVATE_SETTING", "server-only")
    await engine.store.kv_set(KVEntry("company.team", "leaked", f"copy of {SECRET}"))

    result = await harness.run(
        """
id: secrets
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message:
      - "plain {{ secret('API_TOKEN') }}"
      - "upper {{ secret('API_TOKEN') | upper }}"
      - "basic {{ ('user:' ~ secret('API_TOKEN')) | base64encode }}"
      - "kv {{ kv('leaked') }}"
      - "region {{ envs.region }}"
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: "{{ secret('API_TOKEN') | lower }}"
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      TOKEN: "{{ secret('API_TOKEN') }}"
    commands:
      - echo "token=$TOKEN"
      - echo "lanner=${LANNER_PRIVATE_SETTING:-unset} secret_env=${LANNER_SECRET_API_TOKEN:-unset}"
      - echo "::{\\"outputs\\":{\\"t\\":\\"$TOKEN\\"}}::"
  - id: gate
    type: io.kestra.plugin.core.debug.Return
    runIf: "{{ secret('API_TOKEN') == '"""
        + SECRET
        + """' and envs.region == 'eu-west-1' }}"
    format: "gate passed"
outputs:
  - id: token
    type: STRING
    value: "{{ secret('API_TOKEN') }}"
"""
    )

    assert result.state == State.SUCCESS, await result.logs()
    logs = await result.logs()
    text = "\n".join(logs) + repr([run.outputs for run in result.task_runs]) + repr(result.execution.outputs)
    for leak in (SECRET, SECRET.upper(), SECRET.lower(), base64.b64encode(f"user:{SECRET}".encode()).decode()):
        assert leak not in text
    assert "INFO region eu-west-1" in logs
    assert "INFO kv copy of ******" in logs
    assert "INFO token=******" in logs
    assert "INFO lanner=unset secret_env=unset" in logs
    assert result.outputs("ret")["value"] == "******"
    assert result.outputs("script")["vars"] == {"t": "******"}
    assert result.outputs("gate")["value"] == "gate passed"
    assert result.execution.outputs == {"token": "******"}


async def test_server_settings_are_not_envs(monkeypatch: pytest.MonkeyPatch, harness: Harness) -> None:
    monkeypatch.setenv("LANNER_DATABASE_URL", "postgresql://admin:pw@db/x")
    result = await harness.run(
        """
id: noenv
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ envs.database_url ?? 'hidden' }} {{ envs.lanner_database_url ?? 'hidden' }}"
"""
    )
    assert result.state == State.SUCCESS
    assert "INFO hidden hidden" in await result.logs()
