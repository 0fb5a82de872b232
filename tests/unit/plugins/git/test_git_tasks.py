"""Git tasks with the real `git` against real local repositories (file:// URLs, and smart HTTP with
basic authentication served by `git http-backend`)."""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from lanner.errors import TaskFailure
from lanner.flows import parse_flow
from lanner.plugins.git.clone import Clone
from lanner.plugins.git.flows import PushFlows, SyncFlows, with_namespace
from lanner.tasks.context import FlowSource
from tests.integration.plugins.git.repos import commit, files, flow, git, remote, show
from tests.unit.tasks.fake_context import FakeRunContext


class MemoryFlows:
    """Stored flows in memory, validated like the server does."""

    def __init__(self) -> None:
        self.flows: dict[tuple[str, str], FlowSource] = {}

    async def list(self, namespace: str, *, include_children: bool = False) -> list[FlowSource]:
        return sorted(
            (f for (ns, _), f in self.flows.items() if ns == namespace or (include_children and ns.startswith(namespace + "."))),
            key=lambda f: (f.namespace, f.id),
        )

    async def check(self, source: str, *, filename: str | None = None) -> tuple[str, str]:
        parsed = parse_flow(source, filename=filename)
        return parsed.namespace, parsed.id

    async def apply(self, sources: Sequence[str], *, delete: Sequence[tuple[str, str]] = ()) -> list[FlowSource]:
        keys = [await self.check(s) for s in sources]
        for key, source in zip(keys, sources, strict=True):
            old = self.flows.get(key)
            if old is None or old.source != source:
                self.flows[key] = FlowSource(key[0], key[1], (old.revision + 1) if old else 1, source)
        for key in delete:
            self.flows.pop(key, None)
        return [self.flows[k] for k in keys]

    def put(self, namespace: str, flow_id: str, source: str) -> None:
        self.flows[(namespace, flow_id)] = FlowSource(namespace, flow_id, 1, source)


class GitContext(FakeRunContext):
    def __init__(self, root: Path, **kwargs: Any) -> None:
        super().__init__(root, **kwargs)
        self.flows = MemoryFlows()


@pytest.fixture
def ctx(tmp_path: Path) -> GitContext:
    return GitContext(tmp_path / "ctx", namespace="company.ops", flow_id="git_sync")


def task(cls: Any, kind: str, **props: Any) -> Any:
    return cls.model_validate({"id": "g", "type": f"io.kestra.plugin.git.{kind}", **props})


# ---------------------------------------------------------------------------------------- Clone
async def test_clone_a_branch_shallow_and_keep_files(tmp_path: Path, ctx: GitContext) -> None:
    bare = remote(tmp_path, {"README.md": "v1", "sql/a.sql": "select 1"})
    head = commit(bare, {"sql/a.sql": "select 2", "sql/b.sql": "select 3"}, branch="dev")
    outputs = await task(Clone, "Clone", url=f"file://{bare}", branch="dev", directory="repo", outputFiles=["sql/*.sql"]).run(ctx)

    checkout = Path(outputs["directory"])
    assert (outputs["commit"], outputs["branch"]) == (head, "dev")
    assert (checkout / "sql/a.sql").read_text() == "select 2"
    assert git("rev-list", "--count", "HEAD", cwd=checkout) == "1"  # depth 1
    assert sorted(outputs["outputFiles"]) == ["sql/a.sql", "sql/b.sql"]
    assert ctx.storage.files[outputs["outputFiles"]["sql/b.sql"]] == b"select 3"
    assert any(m.startswith("git clone --depth 1 --branch dev") for m in ctx.logger.messages())


async def test_clone_errors_are_clear(tmp_path: Path, ctx: GitContext) -> None:
    bare = remote(tmp_path, {"README.md": "v1"})
    with pytest.raises(TaskFailure, match=r"(?s)git clone failed.*Remote branch nope not found") as failed:
        await task(Clone, "Clone", url=f"file://{bare}", branch="nope").run(ctx)
    assert not failed.value.retryable
    with pytest.raises(TaskFailure, match="must be a relative path inside the working directory"):
        await task(Clone, "Clone", url=f"file://{bare}", directory="../elsewhere").run(ctx)


@pytest.fixture
def http_git(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`git http-backend` behind basic authentication (user `ada`, password `tok-3f9`)."""
    root = tmp_path / "served"
    root.mkdir()
    bare = remote(root, {"flows/hello.yml": flow("hello")}, name="repo.git")
    git("--git-dir", str(bare), "config", "http.receivepack", "true")
    expected = "Basic " + base64.b64encode(b"ada:tok-3f9").decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _cgi(self) -> None:
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path, _, query = self.path.partition("?")
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            env = {
                **os.environ,
                "GIT_PROJECT_ROOT": str(root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "REQUEST_METHOD": self.command,
                "REMOTE_USER": "ada",
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
            }
            out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=True).stdout
            head, _, payload = out.partition(b"\r\n\r\n")
            status = 200
            headers = []
            for line in head.decode().split("\r\n"):
                name, _, value = line.partition(": ")
                if name.lower() == "status":
                    status = int(value.split()[0])
                else:
                    headers.append((name, value))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _cgi

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/repo.git", bare
    finally:
        server.shutdown()
        server.server_close()


async def test_clone_over_http_with_credentials_that_never_reach_the_checkout(
    http_git: tuple[str, Path], ctx: GitContext
) -> None:
    url, _ = http_git
    with pytest.raises(TaskFailure, match="git clone failed") as failed:
        await task(Clone, "Clone", url=url, username="ada", password="wrong").run(ctx)
    assert not failed.value.retryable
    outputs = await task(Clone, "Clone", url=url, username="ada", password="tok-3f9", directory="ok").run(ctx)
    checkout = Path(outputs["directory"])
    assert (checkout / "flows/hello.yml").exists()
    assert "tok-3f9" not in (checkout / ".git/config").read_text()
    assert "tok-3f9" in ctx.masked


async def test_push_flows_over_http_with_credentials(http_git: tuple[str, Path], ctx: GitContext) -> None:
    url, bare = http_git
    ctx.flows.put("company.ops", "report", flow("report", "company.ops"))
    outputs = await task(
        PushFlows,
        "PushFlows",
        url=url,
        username="ada",
        password="tok-3f9",
        gitDirectory="flows",
        delete=False,
        sourceNamespace="company.ops",
    ).run(ctx)
    assert outputs["added"] == 1 and files(bare, "main") == ["flows/hello.yml", "flows/report.yml"]


# ------------------------------------------------------------------------------------ SyncFlows
def test_the_namespace_line_is_rewritten_in_place() -> None:
    assert with_namespace("id: a\nnamespace: dev  # x\ntasks: []\n", "prod") == "id: a\nnamespace: prod\ntasks: []\n"
    assert with_namespace("id: a\ntasks: []\n", "prod") == "namespace: prod\nid: a\ntasks: []\n"


async def test_sync_flows_dry_run_then_apply_with_children_and_delete(tmp_path: Path, ctx: GitContext) -> None:
    bare = remote(
        tmp_path,
        {
            "_flows/a.yml": flow("a", message="new"),
            "_flows/b.yml": flow("b"),
            "_flows/etl/c.yaml": flow("c"),
            "_flows/notes.txt": "not a flow",
            "README.md": "x",
        },
    )
    ctx.flows.put("company.team", "a", with_namespace(flow("a", message="old"), "company.team"))
    ctx.flows.put("company.team", "b", with_namespace(flow("b"), "company.team"))
    ctx.flows.put("company.team", "gone", with_namespace(flow("gone"), "company.team"))
    ctx.flows.put("company.team.etl", "stale", with_namespace(flow("stale"), "company.team.etl"))
    props = {"url": f"file://{bare}", "targetNamespace": "company.team", "includeChildNamespaces": True, "delete": True}

    planned = await task(SyncFlows, "SyncFlows", **props, dryRun=True).run(ctx)
    assert (planned["added"], planned["updated"], planned["deleted"], planned["unchanged"]) == (1, 1, 2, 1)
    assert ("company.team", "gone") in ctx.flows.flows  # nothing written

    outputs = await task(SyncFlows, "SyncFlows", **props).run(ctx)
    states = {(r["namespace"], r["flowId"]): (r["syncState"], r["gitPath"], r["revision"]) for r in outputs["flows"]}
    assert states == {
        ("company.team", "a"): ("UPDATED", "_flows/a.yml", 2),
        ("company.team", "b"): ("UNCHANGED", "_flows/b.yml", 1),
        ("company.team.etl", "c"): ("ADDED", "_flows/etl/c.yaml", 1),
        ("company.team", "gone"): ("DELETED", "", 1),
        ("company.team.etl", "stale"): ("DELETED", "", 1),
    }
    assert sorted(ctx.flows.flows) == [("company.team", "a"), ("company.team", "b"), ("company.team.etl", "c")]
    assert ctx.flows.flows[("company.team.etl", "c")].source == with_namespace(flow("c"), "company.team.etl")
    assert "# kept comment" in ctx.flows.flows[("company.team", "a")].source
    assert any(m.startswith("ADDED     company.team.etl.c _flows/etl/c.yaml") for m in ctx.logger.messages())


async def test_sync_flows_never_deletes_the_flow_running_it(tmp_path: Path, ctx: GitContext) -> None:
    bare = remote(tmp_path, {"_flows/a.yml": flow("a")})
    ctx.flows.put("company.ops", "git_sync", with_namespace(flow("git_sync"), "company.ops"))
    outputs = await task(SyncFlows, "SyncFlows", url=f"file://{bare}", targetNamespace="company.ops", delete=True).run(ctx)
    assert outputs["deleted"] == 0 and ("company.ops", "git_sync") in ctx.flows.flows
    assert any("runs this sync: it is kept" in m for m in ctx.logger.messages("WARN"))


async def test_invalid_flows_stop_the_sync_before_any_change(tmp_path: Path, ctx: GitContext) -> None:
    bad = "id: bad\nnamespace: x\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Nope\n"
    bare = remote(tmp_path, {"_flows/good.yml": flow("good"), "_flows/bad.yml": bad})
    props = {"url": f"file://{bare}", "targetNamespace": "company.team"}
    with pytest.raises(
        TaskFailure, match=r"invalid flows in Git, nothing was changed:\n_flows/bad.yml:5:11: tasks\[0\].type"
    ) as failed:
        await task(SyncFlows, "SyncFlows", **props).run(ctx)
    assert not failed.value.retryable and ctx.flows.flows == {}
    outputs = await task(SyncFlows, "SyncFlows", **props, ignoreInvalidFlows=True).run(ctx)
    assert outputs["added"] == 1 and list(ctx.flows.flows) == [("company.team", "good")]
    with pytest.raises(TaskFailure, match="`gitDirectory` 'missing' is not a folder"):
        await task(SyncFlows, "SyncFlows", **props, gitDirectory="missing").run(ctx)


# ------------------------------------------------------------------------------------ PushFlows
async def test_push_flows_creates_the_branch_rewrites_namespaces_and_deletes_stale_files(tmp_path: Path, ctx: GitContext) -> None:
    bare = remote(tmp_path)  # empty: the first push creates the branch
    ctx.flows.put("dev", "orders", with_namespace(flow("orders"), "dev"))
    ctx.flows.put("dev.etl", "load", with_namespace(flow("load"), "dev.etl"))
    ctx.flows.put("dev", "scratch", with_namespace(flow("scratch"), "dev"))
    props = {
        "url": f"file://{bare}",
        "branch": "release",
        "sourceNamespace": "dev",
        "targetNamespace": "prod",
        "includeChildNamespaces": True,
        "flows": ["orders", "load"],
        "commitMessage": "release {{ flow.id }}",
        "authorName": "Bot",
        "authorEmail": "bot@example.com",
    }

    first = await task(PushFlows, "PushFlows", **props).run(ctx)
    assert first["added"] == 2 and first["commitId"] == git("--git-dir", str(bare), "rev-parse", "release")
    assert files(bare, "release") == ["_flows/etl/load.yml", "_flows/orders.yml"]
    assert "namespace: prod.etl" in show(bare, "release", "_flows/etl/load.yml")
    assert (
        git("--git-dir", str(bare), "log", "-1", "--format=%an <%ae> %s", "release") == "Bot <bot@example.com> release git_sync"
    )

    again = await task(PushFlows, "PushFlows", **props).run(ctx)
    assert again["flows"] == [] and again["commitId"] == first["commitId"]

    del ctx.flows.flows[("dev.etl", "load")]
    ctx.flows.put("dev", "orders", with_namespace(flow("orders", message="v2"), "dev"))
    planned = await task(PushFlows, "PushFlows", **props, dryRun=True).run(ctx)
    assert (planned["updated"], planned["deleted"], planned["commitId"]) == (1, 1, first["commitId"])
    third = await task(PushFlows, "PushFlows", **props).run(ctx)
    assert third["commitId"] != first["commitId"] and files(bare, "release") == ["_flows/orders.yml"]
