"""Run one subprocess for a task attempt: live output, and no process left behind.

The process starts in its own session, so it leads a new process group with everything it
spawns. When the attempt is killed (``ctx.killed()`` returns) or its coroutine is cancelled
(timeout), the whole group gets SIGTERM, then SIGKILL after a short grace period. When the
process ends while something it started still holds its output pipes open, that leftover is
stopped the same way, so an attempt never outlives its process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lanner.errors import TaskFailure
from lanner.tasks.context import RunContext
from lanner.tasks.scripts.protocol import Stream

__all__ = ["KILL_GRACE_SECONDS", "KilledError", "spawn_and_stream"]

#: How long a process group gets between SIGTERM and SIGKILL.
KILL_GRACE_SECONDS = 5.0
#: How long output pipes may stay open after the main process exited.
_DRAIN_SECONDS = 2.0
#: How often a running process is checked for an exit that left its output open.
_POLL_SECONDS = 0.1
#: Longest output line read at once; longer lines are cut (a JSON output line can be large).
_LINE_LIMIT = 16 * 1024 * 1024

LineSink = Callable[[Stream, str], None]


class KilledError(TaskFailure):
    """The attempt was killed while its process ran; the process group was stopped."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} was stopped: the attempt was killed", retryable=False)


async def spawn_and_stream(
    ctx: RunContext,
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    on_line: LineSink,
    grace: float = KILL_GRACE_SECONDS,
) -> int:
    """Run ``argv`` in ``cwd`` and feed each output line to ``on_line`` as it comes; return the exit code.

    Raises ``KilledError`` when the attempt is killed; re-raises ``CancelledError`` after
    stopping the process group when the coroutine is cancelled.
    """
    if not argv:
        raise TaskFailure("nothing to run: the command is empty", retryable=False)
    spawn = asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            limit=_LINE_LIMIT,
        )
    )
    try:
        # Shielded: cancelled mid-start, asyncio would kill the first process only and then wait
        # for the output pipes its children still hold (a kill right after the start would hang
        # until the commands end). The group is stopped once started instead.
        process = await asyncio.shield(spawn)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise TaskFailure(f"cannot start {argv[0]!r}: {reason}", retryable=False) from exc
    except asyncio.CancelledError:
        await _stop_when_started(spawn, grace)
        raise

    assert process.stdout is not None
    assert process.stderr is not None
    pumps = [
        asyncio.ensure_future(_pump(process.stdout, "stdout", on_line, ctx)),
        asyncio.ensure_future(_pump(process.stderr, "stderr", on_line, ctx)),
    ]
    finished = asyncio.ensure_future(_finish(process, pumps, grace))
    killed = asyncio.ensure_future(ctx.killed())
    try:
        await asyncio.wait({finished, killed}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        try:
            await _stop(process, pumps, grace)
        finally:
            finished.cancel()
        raise
    finally:
        killed.cancel()
    if finished.done():
        return finished.result()
    finished.cancel()
    await _stop(process, pumps, grace)
    raise KilledError(f"process {process.pid} ({argv[0]})")


async def _pump(stream: asyncio.StreamReader, name: Stream, on_line: LineSink, ctx: RunContext) -> None:
    while True:
        try:
            raw = await stream.readline()
        except ValueError:  # a line longer than the limit: its start was dropped by the reader
            ctx.logger.warning(f"an output line on {name} longer than {_LINE_LIMIT} bytes was dropped")
            continue
        if not raw:
            return
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        try:
            on_line(name, line)
        except Exception as exc:  # a faulty handler must not stop the draining of the pipe
            ctx.logger.warning(f"could not handle an output line: {exc!r}")


async def _finish(process: asyncio.subprocess.Process, pumps: Sequence[asyncio.Future[None]], grace: float) -> int:
    """Wait for the output to close and the process to exit; stop leftovers that hold the output open."""
    pending = set(pumps)
    while pending:
        _, pending = await asyncio.wait(pending, timeout=_POLL_SECONDS)
        if pending and process.returncode is not None:
            # The process exited but something it started still holds its output open.
            _, pending = await asyncio.wait(pending, timeout=_DRAIN_SECONDS)
            if pending:
                await _stop(process, pumps, grace)
            return await _exit_code(process)
    return await process.wait()


async def _exit_code(process: asyncio.subprocess.Process) -> int:
    # ``Process.wait()`` also waits for the output pipes to close, which a leftover may prevent,
    # and asyncio offers no other exit notification: poll.
    while process.returncode is None:  # noqa: ASYNC110
        await asyncio.sleep(_POLL_SECONDS)
    return process.returncode


async def _stop(process: asyncio.subprocess.Process, pumps: Sequence[asyncio.Future[None]], grace: float) -> None:
    """SIGTERM the process group, wait for it to let go of its output, then SIGKILL it.

    A cancellation arriving meanwhile is held back until the group is stopped, then re-raised:
    an attempt must not end while its processes still run.
    """
    _signal_group(process.pid, signal.SIGTERM)
    exited: asyncio.Future[Any] = asyncio.ensure_future(_exit_code(process))
    everything: list[asyncio.Future[Any]] = [exited, *pumps]
    cancelled = await _patiently(everything, grace)
    _signal_group(process.pid, signal.SIGKILL)
    cancelled |= await _patiently([exited], grace)
    # Pipes held by a process that left the group cannot be drained: stop reading them.
    cancelled |= await _patiently(pumps, _DRAIN_SECONDS)
    for future in everything:
        future.cancel()
    if cancelled:
        raise asyncio.CancelledError


async def _stop_when_started(spawn: asyncio.Future[asyncio.subprocess.Process], grace: float) -> None:
    """The attempt was cancelled while its process was starting: stop its group once it started."""
    await _patiently([spawn], grace)
    if spawn.done() and not spawn.cancelled() and spawn.exception() is None:
        with contextlib.suppress(asyncio.CancelledError):  # the caller re-raises the first one
            await _stop(spawn.result(), [], grace)


async def _patiently(futures: Sequence[asyncio.Future[Any]], timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``futures``, through cancellations; return whether one came."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    cancelled = False
    pending = {future for future in futures if not future.done()}
    while pending and (remaining := deadline - loop.time()) > 0:
        try:
            _, pending = await asyncio.wait(pending, timeout=remaining)
        except asyncio.CancelledError:
            cancelled = True
    return cancelled


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)
