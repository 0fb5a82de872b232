"""Shell and Python script tasks, run for real against the fake run context."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from lanner.errors import TaskFailure
from lanner.tasks.core.python import PythonCommands, PythonScript
from lanner.tasks.core.shell import ShellCommands, ShellScript
from lanner.tasks.scripts import KilledError

from .conftest import eventually, process_gone
from .fake_context import FakeRunContext


def shell(**props: Any) -> ShellCommands:
    return ShellCommands.model_validate({"id": "sh", "type": "io.kestra.plugin.scripts.shell.Commands", **props})


def python_script(script: str, **props: Any) -> PythonScript:
    return PythonScript.model_validate({"id": "py", "type": "io.kestra.plugin.scripts.python.Script", "script": script, **props})


async def test_commands_outputs_follow_kestra(ctx: FakeRunContext) -> None:
    task = shell(commands=["""echo '::{"outputs":{"test":"value","int":2,"bool":true,"float":3.65}}::'"""])

    outputs = await task.run(ctx)

    assert outputs == {
        "vars": {"test": "value", "int": 2, "bool": True, "float": 3.65},
        "exitCode": 0,
        "outputFiles": {},
    }


async def test_commands_are_rendered_with_script_variables(tmp_path: Path) -> None:
    ctx = FakeRunContext(tmp_path, variables={"inputs": {"name": "world"}})
    task = shell(commands=['echo "hello {{ inputs.name }}"', 'echo "dir={{ workingDir }}"'], env={"WHO": "{{ inputs.name }}"})
    task.commands.append('echo "env=$WHO"')

    await task.run(ctx)

    working_dir = await ctx.working_dir()
    assert ctx.logger.messages("INFO") == ["hello world", f"dir={working_dir}", "env=world"]


async def test_commands_run_in_the_attempt_working_dir(ctx: FakeRunContext) -> None:
    await shell(commands=["pwd", 'echo "$WORKING_DIR"']).run(ctx)

    working_dir = str(await ctx.working_dir())
    assert ctx.logger.messages("INFO") == [working_dir, working_dir]


async def test_failure_reports_exit_code_and_stderr(ctx: FakeRunContext) -> None:
    task = shell(commands=["echo 'disk full' >&2", "exit 4"])

    with pytest.raises(TaskFailure) as failure:
        await task.run(ctx)

    assert "exit code 4" in str(failure.value)
    assert "disk full" in str(failure.value)
    assert ("WARN", "disk full") in ctx.logger.records


async def test_stderr_warns_the_task_only_when_asked(ctx: FakeRunContext) -> None:
    await shell(commands=["echo note >&2"]).run(ctx)
    assert ctx.warnings == []

    await shell(commands=["echo note >&2"], warningOnStdErr=True).run(ctx)
    assert ctx.warnings == ["the commands wrote 1 line(s) to standard error"]


async def test_shell_script_runs_multi_line_script(ctx: FakeRunContext) -> None:
    task = ShellScript.model_validate(
        {
            "id": "s",
            "type": "io.kestra.plugin.scripts.shell.Script",
            "beforeCommands": ["export GREETING=hi"],
            "script": 'for n in 1 2; do\n  echo "$GREETING $n"\ndone\n',
        }
    )

    outputs = await task.run(ctx)

    assert outputs["exitCode"] == 0
    assert ctx.logger.messages("INFO") == ["hi 1", "hi 2"]


async def test_input_and_output_files(ctx: FakeRunContext) -> None:
    stored = await ctx.storage.put_bytes(b"a,b\n1,2\n", "orders.csv")
    task = shell(
        inputFiles={"data/orders.csv": stored, "query.sql": "SELECT {{ 40 + 2 }}"},
        outputFiles=["*.txt", "reports/**"],
        commands=[
            "cat query.sql > out.txt",
            "mkdir -p reports/daily && wc -l < data/orders.csv > reports/daily/count.txt",
            "echo ignored > other.log",
            "echo spaced > 'my notes.txt'",
        ],
    )

    outputs = await task.run(ctx)

    files = outputs["outputFiles"]
    assert set(files) == {"out.txt", "my notes.txt", "reports/daily/count.txt"}
    assert files["my notes.txt"].endswith("/my_notes.txt")
    assert await ctx.storage.get_bytes(files["out.txt"]) == b"SELECT 42"
    assert (await ctx.storage.get_bytes(files["reports/daily/count.txt"])).strip() == b"2"


async def test_output_dir_files_are_collected(ctx: FakeRunContext) -> None:
    outputs = await shell(commands=['echo hi > "{{ outputDir }}/hello.txt"', 'echo x > "$OUTPUT_DIR/x.txt"']).run(ctx)

    assert set(outputs["outputFiles"]) == {"hello.txt", "x.txt"}


async def test_output_files_variable_gives_paths(ctx: FakeRunContext) -> None:
    outputs = await shell(outputFiles=["result.json"], commands=["echo '{}' > {{ outputFiles['result.json'] }}"]).run(ctx)

    assert list(outputs["outputFiles"]) == ["result.json"]


async def test_storage_uris_in_commands_become_local_files(ctx: FakeRunContext) -> None:
    uri = await ctx.storage.put_bytes(b"line1\nline2\n", "download.csv")
    ctx._variables["outputs"] = {"download": {"uri": uri}}

    await shell(commands=["wc -l < {{ outputs.download.uri }}", "cat {{ outputs.download.uri }} | head -1"]).run(ctx)

    assert ctx.logger.messages("INFO") == ["2", "line1"]


async def test_missing_storage_file_fails_clearly(ctx: FakeRunContext) -> None:
    task = shell(inputFiles={"x.csv": "lanner:///company/team/flow/missing.csv"}, commands=["cat x.csv"])

    with pytest.raises(TaskFailure, match=re.escape("input file 'x.csv': cannot read lanner:///company/team/flow/missing.csv")):
        await task.run(ctx)


async def test_input_file_names_must_stay_inside(ctx: FakeRunContext) -> None:
    with pytest.raises(TaskFailure, match="relative path"):
        await shell(inputFiles={"../escape.txt": "x"}, commands=["true"]).run(ctx)


async def test_input_files_as_json_string(ctx: FakeRunContext) -> None:
    task = shell(inputFiles=json.dumps({"a.txt": "A"}), commands=["cat a.txt"])

    await task.run(ctx)

    assert ctx.logger.messages("INFO") == ["A"]


def test_docker_task_runner_is_rejected_at_validation() -> None:
    with pytest.raises(ValidationError) as error:
        shell(commands=["true"], taskRunner={"type": "io.kestra.plugin.scripts.runner.docker.Docker", "pullPolicy": "ALWAYS"})
    assert "Docker task runner is not available here; use io.kestra.plugin.core.runner.Process" in str(error.value)

    with pytest.raises(ValidationError, match="Docker task runner is not available here"):
        shell(commands=["true"], runner="DOCKER")

    with pytest.raises(ValidationError, match=re.escape("'io.kestra.plugin.ee.aws.runner.Batch' is not available")):
        shell(commands=["true"], taskRunner={"type": "io.kestra.plugin.ee.aws.runner.Batch"})


async def test_process_task_runner_and_container_image_are_accepted(ctx: FakeRunContext) -> None:
    task = shell(
        commands=["echo ok"],
        taskRunner={"type": "io.kestra.plugin.core.runner.Process"},
        containerImage="ubuntu:22.04",
    )

    assert (await task.run(ctx))["exitCode"] == 0


class _NamespaceFiles:
    """Namespace files in memory (the engine's implementation is tested in integration tests)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    async def list(self, namespace: str | None = None) -> list[str]:
        return sorted(self.files)

    async def fetch(self, path: str, destination: Path, namespace: str | None = None) -> Path:
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(self.files[path])
        return destination


async def test_namespace_files_are_copied_with_include_and_exclude(ctx: FakeRunContext) -> None:
    ctx.namespace_files = _NamespaceFiles({"q/a.sql": b"select 1", "b.sql": b"x", "c.txt": b"y"})  # type: ignore[attr-defined]
    task = shell(
        commands=["find . -type f -not -path './.lanner-*' | sort"], namespaceFiles={"include": ["**.sql"], "exclude": ["b.*"]}
    )

    await task.run(ctx)

    assert ctx.logger.messages("INFO") == ["./q/a.sql"]
    await shell(commands=["true"], namespaceFiles={"enabled": False}).run(ctx)


async def test_kill_stops_a_running_script(ctx: FakeRunContext) -> None:
    run = asyncio.ensure_future(shell(commands=['sleep 30 & echo "child=$!"', "wait"]).run(ctx))
    await eventually(lambda: any(m.startswith("child=") for m in ctx.logger.messages()), what="the script to start")
    child = int(next(m for m in ctx.logger.messages() if m.startswith("child=")).split("=")[1])

    ctx.kill()
    with pytest.raises(KilledError):
        await asyncio.wait_for(run, timeout=10)
    await eventually(lambda: process_gone(child), what="the child to be gone")


async def test_execution_context_file(tmp_path: Path) -> None:
    ctx = FakeRunContext(tmp_path, variables={"inputs": {"dataset": "orders"}, "envs": {"secret": "x"}})
    task = python_script(
        "from kestra import context\nprint(context.inputs.dataset)\nprint('envs' in context)\n",
        executionContext=True,
        outputFiles=["*", ".*"],
    )

    outputs = await task.run(ctx)

    assert ctx.logger.messages("INFO") == ["orders", "False"]
    assert outputs["outputFiles"] == {}
    assert not (await ctx.working_dir() / ".kestra-execution-context.json").exists()


async def test_python_script_uses_the_kestra_package(ctx: FakeRunContext) -> None:
    script = """
from kestra import Kestra

Kestra.outputs({"total": 79 + 91, "name": "marks"})
Kestra.counter("rows", 5, {"table": "orders"})
Kestra.timer("load", 1.5)
logger = Kestra.logger()
logger.info("loaded")
logger.warning("careful")
logger.error("broken")
print("plain print")
"""
    outputs = await python_script(script).run(ctx)

    assert outputs["vars"] == {"total": 170, "name": "marks"}
    assert ("rows", 5.0, "counter", {"table": "orders"}) in ctx.metrics
    assert ("load", 1.5, "timer", {}) in ctx.metrics
    levels = {message.rsplit(" - ", 1)[-1]: level for level, message in ctx.logger.records}
    assert levels["loaded"] == "INFO"
    assert levels["careful"] == "WARN"
    assert levels["broken"] == "ERROR"
    assert ("INFO", "plain print") in ctx.logger.records
    assert ctx.warnings == []


async def test_python_script_exception_fails_the_task(ctx: FakeRunContext) -> None:
    with pytest.raises(TaskFailure) as failure:
        await python_script("raise ValueError('bad input')").run(ctx)

    assert "exit code 1" in str(failure.value)
    assert "ValueError: bad input" in str(failure.value)


async def test_python_script_output_is_live(ctx: FakeRunContext) -> None:
    run = asyncio.ensure_future(python_script("import time\nprint('started')\ntime.sleep(30)\n").run(ctx))
    try:
        await eventually(lambda: "started" in ctx.logger.messages(), what="unbuffered output")
    finally:
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run


async def test_python_script_can_import_input_files(ctx: FakeRunContext) -> None:
    task = python_script(
        "import helpers\nprint(helpers.double(21))\n", inputFiles={"helpers.py": "def double(x):\n    return 2 * x\n"}
    )

    await task.run(ctx)

    assert ctx.logger.messages("INFO") == ["42"]


async def test_python_script_opens_stored_files_by_uri(ctx: FakeRunContext) -> None:
    uri = await ctx.storage.put_bytes(b"id\n1\n2\n", "orders.csv")
    ctx._variables["outputs"] = {"download": {"uri": uri}}

    await python_script("with open('{{ outputs.download.uri }}') as f:\n    print(len(f.readlines()))\n").run(ctx)

    assert ctx.logger.messages("INFO") == ["3"]


async def test_python_commands_use_lanners_python(ctx: FakeRunContext) -> None:
    task = PythonCommands.model_validate(
        {
            "id": "pc",
            "type": "io.kestra.plugin.scripts.python.Commands",
            "inputFiles": {"main.py": "import sys, kestra\nprint(sys.executable)\n"},
            "commands": ["python main.py", "python3 -c 'import sys; print(sys.prefix)'"],
        }
    )

    await task.run(ctx)

    assert ctx.logger.messages("INFO") == [sys.executable, sys.prefix]


async def test_installed_dependencies_are_used_as_is(ctx: FakeRunContext) -> None:
    task = python_script("import httpx\nprint('ok')\n", dependencies=["kestra", "httpx>=0.20"])

    await task.run(ctx)

    assert ctx.logger.messages("INFO") == ["ok"]
    assert not any("installing" in m for m in ctx.logger.messages())


async def test_unavailable_python_version_fails_clearly(ctx: FakeRunContext) -> None:
    with pytest.raises(TaskFailure, match=re.escape("Python 2.1 is not installed on this worker")) as failure:
        await python_script("print(1)", pythonVersion="2.1").run(ctx)
    assert not failure.value.retryable


async def test_running_python_version_is_accepted(ctx: FakeRunContext) -> None:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"

    await python_script("import sys; print(sys.version_info[:2])", pythonVersion=version).run(ctx)

    assert ctx.logger.messages("INFO") == [str(sys.version_info[:2])]


def _wheel(folder: Path) -> Path:
    """A minimal local wheel, so installing a missing dependency needs no network."""
    import zipfile

    path = folder / "lannertestpkg-1.0-py3-none-any.whl"
    files = {
        "lannertestpkg/__init__.py": "VALUE = 42\n",
        "lannertestpkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: lannertestpkg\nVersion: 1.0\n",
        "lannertestpkg-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{name},,\n" for name in files) + "lannertestpkg-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, content in files.items():
            wheel.writestr(name, content)
        wheel.writestr("lannertestpkg-1.0.dist-info/RECORD", record)
    return path


async def test_missing_dependencies_are_installed_for_the_attempt_only(ctx: FakeRunContext, tmp_path: Path) -> None:
    wheel = _wheel(tmp_path)
    task = python_script("import lannertestpkg\nprint(lannertestpkg.VALUE)\n", dependencies=[str(wheel)])

    await task.run(ctx)

    assert ctx.logger.messages("INFO")[-1] == "42"
    assert any(m.startswith("installing Python packages") for m in ctx.logger.messages("INFO"))
    with pytest.raises(ImportError):
        import lannertestpkg  # noqa: F401  (installed in the working directory, not in Lanner's environment)


async def test_failed_installation_fails_clearly(ctx: FakeRunContext, tmp_path: Path) -> None:
    missing = tmp_path / "nothere-1.0-py3-none-any.whl"

    with pytest.raises(TaskFailure, match="could not install Python packages"):
        await python_script("print(1)", dependencies=[str(missing)]).run(ctx)
