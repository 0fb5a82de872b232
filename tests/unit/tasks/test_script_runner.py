"""The command runner: real subprocesses, live output, line protocol, kill and timeout."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from lanner.errors import TaskFailure
from lanner.tasks.scripts import KilledError, process_env, run_commands, run_process

from .conftest import eventually, process_gone
from .fake_context import FakeRunContext


async def test_stdout_is_info_and_stderr_is_warn(ctx: FakeRunContext, tmp_path: Path) -> None:
    result = await run_commands(ctx, ["echo hello", "echo oops >&2"], cwd=tmp_path)

    assert result.exit_code == 0
    assert ("INFO", "hello") in ctx.logger.records
    assert ("WARN", "oops") in ctx.logger.records
    assert (result.stdout_lines, result.stderr_lines) == (1, 1)


async def test_line_protocol_sets_outputs_metrics_and_logs(ctx: FakeRunContext, tmp_path: Path) -> None:
    commands = [
        """echo '::{"outputs": {"test": "value", "int": 2}}::'""",
        """echo '::{"outputs": {"bool": true}}::'""",
        """echo '::{"metrics": [{"name": "rows", "type": "counter", "value": 3, "tags": {"t": "x"}}]}::'""",
        """echo '::{"logs": [{"level": "ERROR", "message": "bad thing"}]}::'""",
        "echo '::not json::'",
    ]
    result = await run_commands(ctx, commands, cwd=tmp_path)

    assert result.vars == {"test": "value", "int": 2, "bool": True}
    assert ctx.metrics == [("rows", 3.0, "counter", {"t": "x"})]
    assert ("ERROR", "bad thing") in ctx.logger.records
    assert ctx.logger.messages("INFO") == ["::not json::"]  # only protocol lines are swallowed


async def test_non_zero_exit_fails_with_code_and_stderr(ctx: FakeRunContext, tmp_path: Path) -> None:
    with pytest.raises(TaskFailure) as failure:
        await run_commands(ctx, ["echo 'no such table' >&2", "exit 3"], cwd=tmp_path)

    assert "exit code 3" in str(failure.value)
    assert "no such table" in str(failure.value)
    assert failure.value.retryable


async def test_fail_fast_stops_at_the_first_failing_command(ctx: FakeRunContext, tmp_path: Path) -> None:
    with pytest.raises(TaskFailure, match="exit code 1"):
        await run_commands(ctx, ["false", "echo after"], cwd=tmp_path)
    assert "after" not in ctx.logger.messages()

    result = await run_commands(ctx, ["false", "echo after"], cwd=tmp_path, fail_fast=False)
    assert result.exit_code == 0
    assert "after" in ctx.logger.messages()


async def test_check_false_returns_the_exit_code(ctx: FakeRunContext, tmp_path: Path) -> None:
    result = await run_commands(ctx, ["exit 7"], cwd=tmp_path, check=False)
    assert result.exit_code == 7


async def test_before_commands_run_first_and_log_at_debug(ctx: FakeRunContext, tmp_path: Path) -> None:
    await run_commands(ctx, ["echo main"], cwd=tmp_path, before_commands=["echo setup"])

    assert ctx.logger.records.index(("DEBUG", "setup")) < ctx.logger.records.index(("INFO", "main"))


async def test_environment_is_minimal_plus_env(ctx: FakeRunContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANNER_WORKER_SECRET", "do-not-leak")
    env = process_env({"GREETING": "hi", "COUNT": 3})
    await run_commands(ctx, ['echo "$GREETING $COUNT [${LANNER_WORKER_SECRET:-}] $HOME"'], cwd=tmp_path, env=env)

    assert f"hi 3 [] {os.environ['HOME']}" in ctx.logger.messages("INFO")


async def test_output_is_streamed_live(ctx: FakeRunContext, tmp_path: Path) -> None:
    run = asyncio.ensure_future(run_commands(ctx, ["echo first", "sleep 30"], cwd=tmp_path))
    try:
        await eventually(lambda: "first" in ctx.logger.messages(), what="the first line while the process runs")
        assert not run.done()
    finally:
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run


async def _child_pid(ctx: FakeRunContext) -> int:
    def found() -> bool:
        return any(m.startswith("child=") for m in ctx.logger.messages())

    await eventually(found, what="the child pid")
    line = next(m for m in ctx.logger.messages() if m.startswith("child="))
    return int(line.split("=", 1)[1])


async def test_kill_stops_the_whole_process_group(ctx: FakeRunContext, tmp_path: Path) -> None:
    run = asyncio.ensure_future(run_commands(ctx, ['sleep 30 & echo "child=$!"', "wait"], cwd=tmp_path))
    child = await _child_pid(ctx)
    assert not process_gone(child)

    ctx.kill()
    with pytest.raises(KilledError) as failure:
        await asyncio.wait_for(run, timeout=10)

    assert not failure.value.retryable
    await eventually(lambda: process_gone(child), what=f"child {child} to be gone")


async def test_timeout_cancellation_stops_the_process_group(ctx: FakeRunContext, tmp_path: Path) -> None:
    run = asyncio.ensure_future(run_commands(ctx, ['sleep 30 & echo "child=$!"', "wait"], cwd=tmp_path))
    child = await _child_pid(ctx)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(run, timeout=0.2)

    await eventually(lambda: process_gone(child), what=f"child {child} to be gone")


async def test_sigterm_is_given_a_grace_period_before_sigkill(ctx: FakeRunContext, tmp_path: Path) -> None:
    script = tmp_path / "graceful.py"
    script.write_text(
        "import signal, sys, time\n"
        "def stop(*_):\n"
        "    print('cleaning up', flush=True)\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "print('ready', flush=True)\n"
        "time.sleep(30)\n"
    )
    run = asyncio.ensure_future(run_process(ctx, [sys.executable, str(script)], cwd=tmp_path))
    await eventually(lambda: "ready" in ctx.logger.messages(), what="the script to start")

    ctx.kill()
    with pytest.raises(KilledError):
        await asyncio.wait_for(run, timeout=10)
    assert "cleaning up" in ctx.logger.messages()


async def test_leftover_background_process_does_not_hang_the_task(ctx: FakeRunContext, tmp_path: Path) -> None:
    result = await asyncio.wait_for(run_commands(ctx, ['sleep 30 & echo "child=$!"'], cwd=tmp_path), timeout=15)
    child = int(re.sub(r"\D", "", next(m for m in ctx.logger.messages() if m.startswith("child="))))

    assert result.exit_code == 0
    await eventually(lambda: process_gone(child), what="the leftover process to be stopped")


async def test_on_line_hook_sees_lines_first(ctx: FakeRunContext, tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []

    def hook(stream: str, line: str) -> bool:
        seen.append((stream, line))
        return line.startswith("{")

    await run_commands(ctx, ["echo '{\"event\": 1}'", "echo plain"], cwd=tmp_path, on_line=hook)  # type: ignore[arg-type]

    assert seen == [("stdout", '{"event": 1}'), ("stdout", "plain")]
    assert ctx.logger.messages("INFO") == ["plain"]


async def test_run_process_runs_argv_without_a_shell(ctx: FakeRunContext, tmp_path: Path) -> None:
    result = await run_process(ctx, [sys.executable, "-c", "import sys; print(sys.argv[1:])", "$HOME", "a b"], cwd=tmp_path)

    assert result.exit_code == 0
    assert "['$HOME', 'a b']" in ctx.logger.messages("INFO")


async def test_missing_program_fails_clearly(ctx: FakeRunContext, tmp_path: Path) -> None:
    with pytest.raises(TaskFailure, match="cannot start 'no-such-program-xyz'"):
        await run_process(ctx, ["no-such-program-xyz"], cwd=tmp_path)


async def test_long_scripts_go_through_a_file(ctx: FakeRunContext, tmp_path: Path) -> None:
    commands = [f"echo line{i} > /dev/null" for i in range(20_000)] + ["echo done"]

    result = await run_commands(ctx, commands, cwd=tmp_path)

    assert result.exit_code == 0
    assert ctx.logger.messages("INFO") == ["done"]


async def test_large_output_line_is_parsed(ctx: FakeRunContext, tmp_path: Path) -> None:
    code = "import json; print('::' + json.dumps({'outputs': {'big': 'x' * 500_000}}) + '::')"

    result = await run_process(ctx, [sys.executable, "-c", code], cwd=tmp_path)

    assert len(result.vars["big"]) == 500_000


async def test_a_cancellation_while_the_process_starts_stops_its_group(
    ctx: FakeRunContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A kill right after the start: asyncio alone would kill the shell only and then wait for
    # the pipes its background child holds, until that child ends.
    real_spawn = asyncio.create_subprocess_exec
    spawned, release = asyncio.Event(), asyncio.Event()

    async def slow_spawn(*args: object, **kwargs: object) -> asyncio.subprocess.Process:
        process = await real_spawn(*args, **kwargs)  # type: ignore[arg-type]
        spawned.set()
        await release.wait()  # the cancellation lands while the start is still in progress
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_exec", slow_spawn)
    pid_file = tmp_path / "child.pid"
    run = asyncio.ensure_future(run_process(ctx, ["sh", "-c", f"sleep 30 & echo $! > {pid_file}; wait"], cwd=tmp_path))
    await spawned.wait()
    await eventually(lambda: pid_file.exists() and pid_file.read_text().strip() != "", what="the child pid")
    child = int(pid_file.read_text())

    run.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(run, timeout=10)
    await eventually(lambda: process_gone(child), what=f"child {child} to be gone")
