"""Real ``lanner`` processes for the CLI tests: started together, read when needed, never left behind.

Each process starts the installed console script next to ``sys.executable`` (a second or two of
imports), so the commands of every module start together (see ``conftest.py``) and the tests read
the results: the commands overlap instead of queueing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

__all__ = ["LANNER", "REPO", "Proc", "Result", "cli_env", "poll_until", "processes_with_argument", "start"]

LANNER = Path(sys.executable).with_name("lanner")
REPO = Path(__file__).resolve().parents[3]

T = TypeVar("T")


def cli_env(**extra: str) -> dict[str, str]:
    """The test's environment without Lanner settings or secrets, so the machine cannot change a result."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANNER_", "SECRET_"))}
    # what rich assumes when the output is not a terminal; fixed, so a wide CI terminal hides no wrapping
    env["COLUMNS"] = "80"
    env.update(extra)
    return env


@dataclass(frozen=True, slots=True)
class Result:
    args: list[str]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        return f"$ {' '.join(self.args)}\nexit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


class Proc:
    """One ``lanner`` process; its output goes to files, so it can be read while it runs."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], folder: Path, wrapper: Sequence[str] = ()) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        # ``wrapper``: a command that runs the rest in place (``exec``s it, keeping the pid), such as
        # ``ip netns exec NAME``
        self.args = [*wrapper, str(LANNER), *args]
        self.cwd = cwd
        self._out = folder / "stdout"
        self._err = folder / "stderr"
        with self._out.open("wb") as out, self._err.open("wb") as err:
            # a session of its own: a signal sent to the test runner's group never reaches it by accident
            self.popen = subprocess.Popen(self.args, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stderr_so_far(self) -> str:
        return self._err.read_text(errors="replace")

    def send(self, sig: signal.Signals) -> None:
        self.popen.send_signal(sig)

    def result(self, timeout: float = 60) -> Result:
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"still running after {timeout}s:\n{self._read(-9).describe()}") from None
        return self._read(code)

    def stop(self) -> None:
        """Kill the process and whatever it started, if it is still running."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def _read(self, code: int) -> Result:
        return Result(self.args, code, self._out.read_text(errors="replace"), self._err.read_text(errors="replace"))


def start(*args: str | Path, cwd: Path, folder: Path, env: dict[str, str] | None = None, wrapper: Sequence[str] = ()) -> Proc:
    return Proc([str(a) for a in args], cwd, env if env is not None else cli_env(), folder, wrapper)


def poll_until(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """The first true value of ``condition()``, polled until ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def processes_with_argument(argument: str) -> list[int]:
    """Pids of the processes whose command line holds ``argument`` (Linux ``/proc``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # the process ended meanwhile
            continue
        if argument.encode() in words:
            found.append(int(entry.name))
    return found
