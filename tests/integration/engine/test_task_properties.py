"""Common task properties at engine level: ``warningOnRetry``, ``allowWarning``, ``logLevel``."""

from __future__ import annotations

from pathlib import Path

from lanner.models.state import State

from ..harness import Harness


def _flaky(marker: Path, *, warning_on_retry: bool, allow_warning: bool = False) -> str:
    """A Python script failing at its first attempt, succeeding at its second."""
    return f"""
id: flaky_warning
namespace: test.engine
tasks:
  - id: flaky
    type: io.kestra.plugin.scripts.python.Script
    allowWarning: {str(allow_warning).lower()}
    retry:
      type: constant
      interval: PT0.01S
      maxAttempts: 3
      warningOnRetry: {str(warning_on_retry).lower()}
    script: |
      import pathlib, sys
      p = pathlib.Path("{marker}")
      first = not p.exists()
      p.write_text("seen")
      sys.exit(1 if first else 0)
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "after {{{{ outputs.flaky.exitCode }}}}"
"""


async def test_warning_on_retry_ends_a_task_that_succeeded_on_retry_in_warning(harness: Harness, tmp_path: Path) -> None:
    result = await harness.run(_flaky(tmp_path / "m", warning_on_retry=True))
    run = result.run("flaky")
    assert [a.state for a in run.attempts] == [State.FAILED, State.SUCCESS]
    assert run.state == State.WARNING
    assert result.run("after").state == State.SUCCESS  # a WARNING does not stop the flow
    assert result.state == State.WARNING


async def test_without_warning_on_retry_a_retried_success_is_a_success(harness: Harness, tmp_path: Path) -> None:
    result = await harness.run(_flaky(tmp_path / "m", warning_on_retry=False))
    assert [a.state for a in result.run("flaky").attempts] == [State.FAILED, State.SUCCESS]
    assert result.run("flaky").state == State.SUCCESS
    assert result.state == State.SUCCESS


async def test_allow_warning_turns_a_retry_warning_into_success(harness: Harness, tmp_path: Path) -> None:
    result = await harness.run(_flaky(tmp_path / "m", warning_on_retry=True, allow_warning=True))
    assert [a.state for a in result.run("flaky").attempts] == [State.FAILED, State.SUCCESS]
    assert result.run("flaky").state == State.SUCCESS
    assert result.state == State.SUCCESS


async def test_allow_warning_counts_a_warning_task_as_success(harness: Harness) -> None:
    result = await harness.run("""
id: stderr_warning
namespace: test.engine
tasks:
  - id: tolerated
    type: io.kestra.plugin.scripts.shell.Commands
    warningOnStdErr: true
    allowWarning: true
    commands: ["echo tolerated >&2"]
  - id: noisy
    type: io.kestra.plugin.scripts.shell.Commands
    warningOnStdErr: true
    commands: ["echo noisy >&2"]
""")
    assert result.run("tolerated").state == State.SUCCESS
    assert result.run("noisy").state == State.WARNING
    assert result.state == State.WARNING


async def test_allow_warning_alone_leaves_the_execution_successful(harness: Harness) -> None:
    result = await harness.run("""
id: stderr_allowed
namespace: test.engine
tasks:
  - id: tolerated
    type: io.kestra.plugin.scripts.shell.Commands
    warningOnStdErr: true
    allowWarning: true
    commands: ["echo tolerated >&2"]
""")
    assert result.run("tolerated").state == State.SUCCESS
    assert result.state == State.SUCCESS


async def test_log_level_drops_lower_levels(harness: Harness) -> None:
    result = await harness.run("""
id: levels
namespace: test.engine
tasks:
  - id: quiet
    type: io.kestra.plugin.core.log.Log
    logLevel: WARN
    message: ["{{ 'debug line' }}"]
    level: DEBUG
  - id: quiet_info
    type: io.kestra.plugin.core.log.Log
    logLevel: WARN
    message: info line
  - id: quiet_error
    type: io.kestra.plugin.core.log.Log
    logLevel: WARN
    message: error line
    level: ERROR
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    logLevel: WARN
    commands:
      - echo stdout line
      - echo stderr line >&2
  - id: chatty
    type: io.kestra.plugin.core.log.Log
    message: kept info line
""")
    assert result.state == State.SUCCESS
    assert not [line for line in await result.logs("quiet") if "debug line" in line]
    assert not [line for line in await result.logs("quiet_info") if "info line" in line]
    assert "ERROR error line" in await result.logs("quiet_error")
    script = await result.logs("script")
    assert not [line for line in script if "stdout line" in line]
    assert "WARN stderr line" in script
    assert "INFO kept info line" in await result.logs("chatty")
