"""``lanner server local``: serves its flows and health, stops cleanly on a signal, keeps its flows."""

from __future__ import annotations

import re
import signal
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ._process import REPO, Proc, Result, cli_env, poll_until, start

EXAMPLES = REPO / "examples"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def example_flows() -> set[str]:
    """``namespace.id`` of each example, read from its top-level keys."""
    names = set()
    for file in EXAMPLES.glob("*.yml"):
        text = file.read_text()
        keys = dict(re.findall(r"^(id|namespace): *(\S+)$", text, re.MULTILINE))
        names.add(f"{keys['namespace']}.{keys['id']}")
    return names


def listed_flows(search: httpx.Response) -> dict[str, int]:
    """Flow name → revision, as the API's flow search lists them."""
    return {f"{flow['namespace']}.{flow['id']}": int(flow["revision"]) for flow in search.json()["results"]}


def registered_workers(data_dir: Path) -> list[str]:
    """Workers still registered in the server's database (a clean stop unregisters its own)."""
    with sqlite3.connect(data_dir / "lanner.db") as db:
        return [row[0] for row in db.execute("SELECT id FROM workers")]


@dataclass
class Server:
    proc: Proc

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proc.args[self.proc.args.index('--port') + 1]}"

    def wait_ready(self, timeout: float = 180) -> httpx.Response:
        """Polls ``/health``. The deadline is generous: the CLI tests start some thirty commands at
        once (``conftest.py``) while other test processes share the two cores."""

        def health() -> httpx.Response | None:
            assert self.proc.popen.poll() is None, f"the server exited:\n{self.proc.result(0).describe()}"
            try:
                response = httpx.get(f"{self.url}/health", timeout=2)
            except httpx.TransportError:
                return None
            return response if response.status_code == 200 else None

        return poll_until(health, timeout, f"{self.url}/health")

    def stop(self, sig: signal.Signals, timeout: float = 20) -> tuple[Result, float]:
        began = time.monotonic()
        self.proc.send(sig)
        result = self.proc.result(timeout)
        return result, time.monotonic() - began


def serve(data_dir: Path, folder: Path, *flows: Path) -> Proc:
    args: list[str | Path] = ["server", "local", "--port", str(free_port()), "--data-dir", data_dir]
    for flow_dir in flows:
        args += ["--flows", flow_dir]
    return start(*args, cwd=folder.parent, folder=folder)


def launch(root: Path) -> dict[str, Proc]:
    """The first server starts with the other modules' commands; ``first_run`` talks to it."""
    return {
        "first": serve(root / "data", root / "first", EXAMPLES),
        "bad_config": start(
            "server",
            "local",
            "--port",
            str(free_port()),
            "--data-dir",
            root / "unused",
            cwd=root,
            folder=root / "bad_config",
            env=cli_env(LANNER_WORKER_THREADS="many"),
        ),
    }


@dataclass
class FirstRun:
    data_dir: Path
    health: httpx.Response
    home: httpx.Response
    flows: httpx.Response
    stopped: Result
    seconds_to_stop: float
    workers_left: list[str]


@pytest.fixture(scope="module")
def first_run(launched: dict[str, dict[str, Proc]]) -> FirstRun:
    """The server on the examples: asked for its pages, then stopped with SIGTERM."""
    server = Server(launched[__name__]["first"])
    data_dir = server.proc.cwd / "data"
    try:
        health = server.wait_ready()
        home = httpx.get(f"{server.url}/", timeout=5)
        flows = httpx.get(f"{server.url}/api/v1/flows/search", params={"size": 100}, timeout=5)
        stopped, seconds = server.stop(signal.SIGTERM)
    finally:
        server.proc.stop()
    return FirstRun(data_dir, health, home, flows, stopped, seconds, registered_workers(data_dir))


def test_health_answers(first_run: FirstRun) -> None:
    assert first_run.health.status_code == 200
    assert first_run.health.json()["status"] == "UP"


def test_the_example_flows_are_loaded_and_home_leads_to_the_ui(first_run: FirstRun) -> None:
    assert first_run.home.status_code in (302, 307) and first_run.home.headers["location"].rstrip("/") == "/ui"
    assert first_run.flows.status_code == 200
    flows = listed_flows(first_run.flows)
    assert set(flows) == example_flows(), first_run.flows.text
    assert set(flows.values()) == {1}


def test_sigterm_stops_the_server_cleanly(first_run: FirstRun) -> None:
    result = first_run.stopped
    # 0, or killed by SIGTERM: uvicorn raises the signal again once it has shut down gracefully
    assert result.code in (0, -signal.SIGTERM), result.describe()
    assert first_run.seconds_to_stop < 20
    assert "Traceback" not in result.output, result.describe()
    assert first_run.workers_left == [], "the engine did not stop: its worker is still registered"


def test_restart_on_the_same_data_dir_keeps_the_flows(first_run: FirstRun, tmp_path: Path) -> None:
    before = set(registered_workers(first_run.data_dir))
    server = Server(serve(first_run.data_dir, tmp_path / "second"))  # no --flows this time
    try:
        server.wait_ready()
        flows = httpx.get(f"{server.url}/api/v1/flows/search", params={"size": 100}, timeout=5)
        result, seconds = server.stop(signal.SIGINT)
    finally:
        server.proc.stop()
    # the same flows, not redeployed: still revision 1
    assert listed_flows(flows) == listed_flows(first_run.flows)
    assert result.code in (0, -signal.SIGINT), result.describe()
    assert seconds < 20
    assert "Traceback" not in result.output, result.describe()
    assert set(registered_workers(first_run.data_dir)) <= before, "the restarted server left its worker registered"


def test_invalid_setting_is_reported_not_raised(launched: dict[str, dict[str, Proc]]) -> None:
    result = launched[__name__]["bad_config"].result()
    assert result.code == 1, result.describe()
    assert "invalid configuration: worker.threads" in result.stderr, result.describe()
    assert "Traceback" not in result.output, result.describe()
