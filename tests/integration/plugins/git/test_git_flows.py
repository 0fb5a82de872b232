"""Git SyncFlows / PushFlows in flows run by the real engine (both backends), with real repositories."""

from __future__ import annotations

from pathlib import Path

from lanner.models.state import State

from ...harness import Harness
from .repos import commit, files, flow, git, remote, show


def sync_flow(url: str, dry_run: bool = False) -> str:
    return f"""
id: git_sync
namespace: company.ops
tasks:
  - id: sync
    type: io.kestra.plugin.git.SyncFlows
    url: {url}
    branch: main
    gitDirectory: flows
    targetNamespace: company.team
    includeChildNamespaces: true
    delete: true
    dryRun: {str(dry_run).lower()}
"""


async def test_sync_flows_deploys_runnable_flows_and_follows_git(tmp_path: Path, harness: Harness) -> None:
    bare = remote(tmp_path, {"flows/hello.yml": flow("hello", message="from git"), "flows/etl/load.yml": flow("load")})
    url = f"file://{bare}"

    planned = await harness.run(sync_flow(url, dry_run=True))
    assert planned.state == State.SUCCESS and planned.outputs("sync")["added"] == 2
    assert await harness.engine.store.list_flows("company.team") == []

    result = await harness.run(sync_flow(url))
    assert result.state == State.SUCCESS, result.states()
    stored = {(f.namespace, f.id): f for f in await harness.engine.store.list_flows("company.team")}
    assert sorted(stored) == [("company.team", "hello"), ("company.team.etl", "load")]
    assert any(line.startswith("INFO git clone --depth 1 --branch main") for line in await result.logs("sync"))
    assert "INFO ADDED     company.team.etl.load flows/etl/load.yml" in await result.logs("sync")

    submitted = await harness.engine.submit("company.team", "hello")
    done = await harness.wait(submitted.id)
    assert done.state == State.SUCCESS and "INFO from git" in await done.logs("log")

    commit(bare, {"flows/hello.yml": flow("hello", message="changed"), "flows/etl/load.yml": None})
    again = await harness.run(sync_flow(url))
    outputs = again.outputs("sync")
    assert (outputs["updated"], outputs["deleted"], outputs["unchanged"]) == (1, 1, 0)
    hello = await harness.engine.store.get_flow("company.team", "hello")
    assert hello is not None and hello.revision == 2 and "message: changed" in hello.source
    assert await harness.engine.store.get_flow("company.team.etl", "load") is None


async def test_push_flows_commits_the_namespace(tmp_path: Path, harness: Harness) -> None:
    bare = remote(tmp_path, {"README.md": "flows of the team"})
    await harness.engine.deploy(flow("orders", "company.dev", "v1"))
    source = f"""
id: release
namespace: company.dev
tasks:
  - id: push
    type: io.kestra.plugin.git.PushFlows
    url: file://{bare}
    branch: prod
    targetNamespace: company.prod
    flows: orders
    commitMessage: "release {{{{ execution.id }}}}"
"""
    result = await harness.run(source)

    assert result.state == State.SUCCESS, result.states()
    outputs = result.outputs("push")
    assert outputs["added"] == 1 and outputs["commitId"] == git("--git-dir", str(bare), "rev-parse", "prod")
    assert files(bare, "prod") == ["README.md", "_flows/orders.yml"]
    assert "namespace: company.prod" in show(bare, "prod", "_flows/orders.yml")
    assert git("--git-dir", str(bare), "log", "-1", "--format=%s", "prod") == f"release {result.execution.id}"
