"""``lanner run FLOW.yml``: exit codes by final state, typed inputs, JSON on stdout, logs on stderr."""

from __future__ import annotations

import json
import re
import signal
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ._process import Proc, Result, cli_env, poll_until, processes_with_argument, start

SECRET = "s3cr3t-Value-42"

MAIN = """\
id: main
namespace: cli.test
labels:
  team: data
inputs:
  - id: count
    type: INT
  - id: data
    type: FILE
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "token is {{ secret('API_TOKEN') }}"
  - id: read
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - cat {{ inputs.data }}
      - echo "shell sees {{ secret('API_TOKEN') }}"
      - echo '::{"outputs":{"lines":2}}::'
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["x", "y"]
    tasks:
      - id: item
        type: lanner.core.Log
        message: "item {{ taskrun.value }}"
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: cli.lib
    flowId: child
    inputs:
      word: hey
  - id: double
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.count * 2 }}"
outputs:
  - id: doubled
    type: STRING
    value: "{{ outputs.double.value }}"
"""

CHILD = """\
id: child
namespace: cli.lib
inputs:
  - id: word
    type: STRING
tasks:
  - id: shout
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.word | upper }}"
outputs:
  - id: shouted
    type: STRING
    value: "{{ outputs.shout.value }}"
"""

WARN = """\
id: warn
namespace: cli.test
tasks:
  - id: tolerated
    type: io.kestra.plugin.core.flow.AllowFailure
    tasks:
      - id: fail
        type: io.kestra.plugin.core.execution.Fail
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: still running
"""

FAIL = """\
id: fail
namespace: cli.test
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: it broke on purpose
"""

#: the sleep's argument marks the process, to check that killing the execution ends it
SLEEP = """\
id: {id}
namespace: cli.test
tasks:
  - id: nap
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - sleep {seconds}
"""
TIMEOUT_SLEEP = "29.123"
SIGINT_SLEEP = "28.456"

CANCEL = """\
id: cancel
namespace: cli.test
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0.1S
    behavior: CANCEL
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: not reached
"""

TYPED = """\
id: typed
namespace: cli.test
inputs:
  - id: count
    type: INT
tasks:
  - id: double
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.count * 2 }}"
"""

INVALID = """\
id: invalid
namespace: cli.test
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    mesage: typo
"""

LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} (?P<level>[A-Z]+) +(?P<task>\S+) (?P<message>.*)$")


def launch(root: Path) -> dict[str, Proc]:
    (root / "lib").mkdir()
    (root / "lib" / "child.yml").write_text(CHILD)
    (root / "data.txt").write_text("alpha\nbeta\n")
    flows = {
        "main.yml": MAIN,
        "warn.yml": WARN,
        "fail.yml": FAIL,
        "cancel.yml": CANCEL,
        "typed.yml": TYPED,
        "invalid.yml": INVALID,
        "timeout.yml": SLEEP.format(id="timeout", seconds=TIMEOUT_SLEEP),
        "sigint.yml": SLEEP.format(id="sigint", seconds=SIGINT_SLEEP),
    }
    for name, text in flows.items():
        (root / name).write_text(text)
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        "main": (
            ["main.yml", "--flows", "lib", "--input", "count=21", "--input", f"data={root / 'data.txt'}", "--json"],
            cli_env(LANNER_SECRET_API_TOKEN=SECRET),
        ),
        "warning": (["warn.yml"], cli_env()),
        "failed": (["fail.yml"], cli_env()),
        "killed": (["timeout.yml", "--timeout", "1", "--json"], cli_env()),
        "sigint": (["sigint.yml"], cli_env()),
        "cancelled": (["cancel.yml", "--json"], cli_env()),
        "bad_input": (["typed.yml", "--input", "count=abc"], cli_env()),
        "invalid": (["invalid.yml"], cli_env()),
        "bad_config": (["typed.yml", "--input", "count=1"], cli_env(LANNER_WORKER_THREADS="many")),
    }
    procs = {name: start("run", *args, cwd=root, folder=root / f"out-{name}", env=env) for name, (args, env) in commands.items()}
    # Ctrl-C while the others run, rather than once its test comes
    threading.Thread(target=interrupt_when_running, args=(procs["sigint"],), daemon=True).start()
    return procs


def execution_json(result: Result) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"stdout is not one JSON document: {exc}\n{result.describe()}") from None
    return data


def task_runs(execution: dict[str, Any], task_id: str) -> list[dict[str, Any]]:
    return [run for run in execution["taskRunList"] if run["taskId"] == task_id]


def log_lines(result: Result) -> list[tuple[str, str, str]]:
    found = (LOG_LINE.match(line) for line in result.stderr.splitlines())
    return [(m["level"], m["task"], m["message"]) for m in found if m]


# ---------------------------------------------------------------------------------- exit codes
@pytest.mark.parametrize(
    ("name", "code", "state"),
    [
        ("main", 0, "SUCCESS"),
        ("warning", 0, "WARNING"),
        ("failed", 1, "FAILED"),
        ("killed", 2, "KILLED"),
        ("cancelled", 3, "CANCELLED"),
    ],
)
def test_exit_code_follows_the_final_state(runs: dict[str, Proc], name: str, code: int, state: str) -> None:
    result = runs[name].result()
    assert result.code == code, result.describe()
    assert re.search(rf"^{state} in \d+\.\d{{3}}s$", result.stderr, re.MULTILINE), result.describe()


@pytest.mark.parametrize(
    "name", ["main", "warning", "failed", "killed", "sigint", "cancelled", "bad_input", "invalid", "bad_config"]
)
def test_no_traceback(runs: dict[str, Proc], name: str) -> None:
    result = runs[name].result()
    assert "Traceback" not in result.output, result.describe()


def test_failed_task_logs_its_message_with_the_task_id(runs: dict[str, Proc]) -> None:
    result = runs["failed"].result()
    assert ("ERROR", "boom", "it broke on purpose") in log_lines(result), result.describe()


def test_failure_message_is_logged_once(runs: dict[str, Proc]) -> None:
    result = runs["failed"].result()
    assert log_lines(result).count(("ERROR", "boom", "it broke on purpose")) == 1, result.describe()


# ---------------------------------------------------------------------------------- the JSON execution
def test_json_execution_has_kestras_shape(runs: dict[str, Proc]) -> None:
    result = runs["main"].result()
    execution = execution_json(result)
    assert isinstance(execution["id"], str) and execution["id"]
    assert (execution["namespace"], execution["flowId"]) == ("cli.test", "main")
    assert execution["state"]["current"] == "SUCCESS"
    assert {"key": "team", "value": "data"} in execution["labels"]
    assert all(set(label) == {"key", "value"} for label in execution["labels"]), execution["labels"]
    assert execution["outputs"] == {"doubled": "42"}
    for run in execution["taskRunList"]:
        assert run["executionId"] == execution["id"]
        assert run["state"]["current"] == "SUCCESS", run
        dates = [change["date"] for change in run["state"]["histories"]]
        assert dates == sorted(dates), run["state"]  # ISO-8601 UTC: text order is time order
    ids = [run["taskId"] for run in execution["taskRunList"]]
    assert set(ids) == {"greet", "read", "each", "item", "call", "double"}, ids


def test_json_task_runs_carry_values_attempts_and_outputs(runs: dict[str, Proc]) -> None:
    execution = execution_json(runs["main"].result())
    (read,) = task_runs(execution, "read")
    assert read["outputs"]["vars"] == {"lines": 2}
    assert read["outputs"]["exitCode"] == 0
    assert [attempt["state"]["current"] for attempt in read["attempts"]] == ["SUCCESS"]
    (each,) = task_runs(execution, "each")
    items = task_runs(execution, "item")
    assert sorted(item["value"] for item in items) == ["x", "y"]
    assert {item["parentTaskRunId"] for item in items} == {each["id"]}
    (double,) = task_runs(execution, "double")
    assert double["outputs"] == {"value": "42"}


def test_typed_input_is_coerced(runs: dict[str, Proc]) -> None:
    execution = execution_json(runs["main"].result())
    assert execution["inputs"]["count"] == 21  # an integer, not the text "21"


def test_flows_folder_makes_a_subflow_available(runs: dict[str, Proc]) -> None:
    execution = execution_json(runs["main"].result())
    (call,) = task_runs(execution, "call")
    assert call["outputs"]["outputs"] == {"shouted": "HEY"}
    assert call["outputs"]["executionId"] != execution["id"]


def test_file_input_is_uploaded_and_read_by_a_shell_task(runs: dict[str, Proc]) -> None:
    result = runs["main"].result()
    uri = execution_json(result)["inputs"]["data"]
    assert uri.startswith("lanner:///") and uri.endswith("data.txt"), uri
    logs = log_lines(result)
    assert ("INFO", "read", "alpha") in logs, result.describe()
    assert ("INFO", "read", "beta") in logs, result.describe()


def test_logs_go_to_stderr_with_the_task_id(runs: dict[str, Proc]) -> None:
    result = runs["main"].result()
    logs = log_lines(result)
    assert ("INFO", "item", "item x") in logs, result.describe()
    assert ("INFO", "item", "item y") in logs, result.describe()
    assert "alpha" not in result.stdout  # stdout holds the JSON only


def test_secrets_are_masked(runs: dict[str, Proc]) -> None:
    result = runs["main"].result()
    assert SECRET not in result.output, result.describe()
    logs = log_lines(result)
    assert ("INFO", "greet", "token is ******") in logs, result.describe()
    assert ("INFO", "read", "shell sees ******") in logs, result.describe()


# ---------------------------------------------------------------------------------- kill and cancel
def test_timeout_kills_the_execution_and_its_process(runs: dict[str, Proc]) -> None:
    result = runs["killed"].result()
    execution = execution_json(result)
    assert execution["state"]["current"] == "KILLED"
    (nap,) = task_runs(execution, "nap")
    assert nap["state"]["current"] == "KILLED"
    # killed about a second after it started, long before the sleep would have ended
    state = execution["state"]
    start, end = (datetime.fromisoformat(state[key].replace("Z", "+00:00")) for key in ("startDate", "endDate"))
    assert 1 <= (end - start).total_seconds() < 15, state
    poll_until(lambda: not processes_with_argument(TIMEOUT_SLEEP), 10, f"`sleep {TIMEOUT_SLEEP}` to end")


def interrupt_when_running(proc: Proc) -> None:
    """Ctrl-C once the task runs (its `sleep` is there), as a user would; no fixed delay."""
    ended = proc.popen.poll
    poll_until(lambda: processes_with_argument(SIGINT_SLEEP) or ended() is not None, 60, "the task to start")
    if ended() is None:
        proc.send(signal.SIGINT)


def test_ctrl_c_kills_the_execution(runs: dict[str, Proc]) -> None:
    result = runs["sigint"].result()
    assert result.code == 2, result.describe()
    assert "interrupted: killing the execution" in result.stderr
    assert re.search(r"^KILLED in ", result.stderr, re.MULTILINE), result.describe()
    poll_until(lambda: not processes_with_argument(SIGINT_SLEEP), 10, f"`sleep {SIGINT_SLEEP}` to end")


def test_cancelled_execution_skips_the_rest(runs: dict[str, Proc]) -> None:
    execution = execution_json(runs["cancelled"].result())
    (wait,) = task_runs(execution, "wait")
    assert wait["state"]["current"] == "CANCELLED"
    assert task_runs(execution, "never") == []


# ---------------------------------------------------------------------------------- refused before running
def test_invalid_input_value_names_the_input(runs: dict[str, Proc]) -> None:
    result = runs["bad_input"].result()
    assert result.code == 1, result.describe()
    assert "inputs.count: expected an integer, got 'abc'" in result.stderr, result.describe()
    assert result.stdout == ""


def test_invalid_flow_is_refused_with_located_errors(runs: dict[str, Proc]) -> None:
    result = runs["invalid"].result()
    assert result.code == 1, result.describe()
    assert "invalid.yml:6:5: tasks[0].mesage: unknown property 'mesage'" in result.stderr.splitlines(), result.describe()
    assert " execution " not in result.stderr  # nothing ran


def test_invalid_setting_is_reported_not_raised(runs: dict[str, Proc]) -> None:
    result = runs["bad_config"].result()
    assert result.code == 1, result.describe()
    assert "invalid configuration: worker.threads" in result.stderr, result.describe()
