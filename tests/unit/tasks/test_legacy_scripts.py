"""Kestra's deprecated ``io.kestra.core.tasks.scripts.Bash`` / ``…Python`` read as Shell / Python Commands."""

from __future__ import annotations

from lanner.flows import parse_flow
from lanner.tasks.core.python import PythonCommands
from lanner.tasks.core.shell import ShellCommands
from tests.unit.flows.conftest import at, check, only

HEAD = "id: legacy\nnamespace: company.team\ntasks:\n"


def test_bash_maps_interpreter_exit_on_failed_and_defaults_warning_on_stderr() -> None:
    flow = parse_flow(
        HEAD
        + """  - id: bash
    type: io.kestra.core.tasks.scripts.Bash
    interpreter: /bin/bash
    interpreterArgs: ["-e", "-c"]
    exitOnFailed: false
    outputFiles: [first]
    commands: ["echo 1 >> {{ outputFiles.first }}"]
"""
    )
    task = flow.tasks[0]
    assert isinstance(task, ShellCommands)
    assert task.interpreter == ["/bin/bash", "-e", "-c"]
    assert task.failFast is False
    assert task.warningOnStdErr is True
    assert task.outputFiles == ["first"]


def test_bash_keeps_an_explicit_warning_on_stderr_and_the_default_interpreter() -> None:
    flow = parse_flow(
        HEAD + "  - id: bash\n    type: io.kestra.core.tasks.scripts.Bash\n    warningOnStdErr: false\n    commands: [ls]\n"
    )
    task = flow.tasks[0]
    assert isinstance(task, ShellCommands)
    assert task.warningOnStdErr is False
    assert task.interpreter == ShellCommands.model_fields["interpreter"].get_default(call_default_factory=True)


def test_python_runs_main_py_with_args_and_installs_requirements() -> None:
    flow = parse_flow(
        HEAD
        + """  - id: py
    type: io.kestra.core.tasks.scripts.Python
    requirements: [requests]
    virtualEnv: true
    args: [data.json, "two words"]
    inputFiles:
      main.py: print(1)
"""
    )
    task = flow.tasks[0]
    assert isinstance(task, PythonCommands)
    assert task.commands == ["python main.py data.json 'two words'"]
    assert task.dependencies == ["requests"]
    assert task.warningOnStdErr is True


def test_python_commands_lose_the_virtualenv_path() -> None:
    flow = parse_flow(
        HEAD + "  - id: py\n    type: io.kestra.core.tasks.scripts.Python\n    commands: ['./bin/python main.py x']\n"
    )
    task = flow.tasks[0]
    assert isinstance(task, PythonCommands)
    assert task.commands == ["python main.py x"]


def test_an_unsupported_python_path_is_a_located_error_with_a_hint() -> None:
    issue = only(
        check(
            HEAD
            + """  - id: py
    type: io.kestra.core.tasks.scripts.Python
    pythonPath: /opt/python3.8/bin/python
"""
        )
    )
    assert at(issue) == (4, 5)
    assert "pythonPath" in issue.message and "pythonVersion" in issue.message
