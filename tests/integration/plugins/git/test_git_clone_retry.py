"""Git Clone retries in flows run by the real engine (both backends): a transient failure (the Git
server answers 503) is retried and the next attempt clones, as is a repository path that appears
after the first attempt."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from lanner.models.state import State

from ...harness import Harness
from .repos import git, remote


class FlakyGitServer:
    """Serves a bare repository over Git's "dumb" HTTP protocol (static files); the first
    ``failures`` requests are answered 503, as a Git host being restarted would."""

    def __init__(self, root: Path, failures: int) -> None:
        self.failures = failures
        self.lock = threading.Lock()
        self.requests: list[tuple[int, str]] = []
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with server.lock:
                    failing = server.failures > 0
                    server.failures -= int(failing)
                if failing:
                    server.requests.append((503, self.path))
                    self.send_error(503, "Service Unavailable")
                    return
                server.requests.append((200, self.path))
                self.path = self.path.split("?", 1)[0]  # `info/refs?service=…` is a plain file here
                super().do_GET()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def flaky(tmp_path: Path) -> Iterator[FlakyGitServer]:
    bare = remote(tmp_path, {"README.md": "hello from git\n", "sql/orders.sql": "select 1\n"})
    git("--git-dir", str(bare), "update-server-info")  # what the dumb protocol reads
    server = FlakyGitServer(tmp_path, failures=1)
    thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join(timeout=5)


def clone_flow(url: str) -> str:
    return f"""
id: clone_retry
namespace: company.team
tasks:
  - id: clone
    type: io.kestra.plugin.git.Clone
    url: {url}
    branch: main
    depth: null
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 3
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "cloned {{{{ outputs.clone.commit }}}} on {{{{ outputs.clone.branch }}}}"
"""


async def test_a_transient_git_failure_is_retried(flaky: FlakyGitServer, harness: Harness) -> None:
    result = await harness.run(clone_flow(f"{flaky.url}/remote.git"))

    assert result.state == State.SUCCESS, (result.states(), await result.logs())
    clone = result.run("clone")
    assert [a.state for a in clone.attempts] == [State.FAILED, State.SUCCESS]
    assert flaky.requests[0][0] == 503 and any(code == 200 for code, _ in flaky.requests[1:])
    logs = await result.logs("clone")
    assert any("503" in line for line in logs), logs
    assert len(result.outputs("clone")["commit"]) == 40
    assert result.outputs("clone")["branch"] == "main"


async def test_a_repository_that_appears_after_the_first_attempt_is_cloned_on_retry(tmp_path: Path, harness: Harness) -> None:
    """A path that is not a repository yet (a volume still mounting, a mirror being created) counts as
    transient: the retry clones it once it exists."""
    url = f"file://{tmp_path}/late.git"
    source = clone_flow(url).replace("interval: PT0.1S", "interval: PT3S")  # room to create it between attempts
    execution = await harness.start(source)
    await harness.wait_until(
        execution.id, lambda r: any(a.state == State.FAILED for run in r.runs("clone") for a in run.attempts)
    )
    remote(tmp_path, {"README.md": "late\n"}, name="late.git")

    result = await harness.wait(execution.id)
    assert result.state == State.SUCCESS, (result.states(), await result.logs())
    assert [a.state for a in result.run("clone").attempts] == [State.FAILED, State.SUCCESS]
    assert any("does not appear to be a git repository" in line for line in await result.logs("clone"))
