"""Git SyncNamespaceFiles / PushNamespaceFiles in flows run by the real engine, with real repositories."""

from __future__ import annotations

from pathlib import Path

from lanner.engine.engine import Engine
from lanner.models.state import State
from lanner.storage.namespace_files import NamespaceFiles

from ...harness import Harness
from .repos import commit, files, git, remote, show


def sync_flow(url: str, *, dry_run: bool = False, delete: bool = True) -> str:
    return f"""
id: files_sync
namespace: company.ops
tasks:
  - id: sync
    type: io.kestra.plugin.git.SyncNamespaceFiles
    url: {url}
    branch: main
    namespace: company.team
    gitDirectory: scripts
    delete: {str(delete).lower()}
    dryRun: {str(dry_run).lower()}
"""


async def namespace_files(engine: Engine, namespace: str = "company.team") -> dict[str, bytes]:
    store = NamespaceFiles(engine.files, namespace)
    return {path: await store.read(path) for path in await store.all_files()}


async def test_sync_creates_updates_and_deletes_namespace_files(tmp_path: Path, harness: Harness) -> None:
    bare = remote(tmp_path, {"scripts/etl.py": "print('v1')\n", "scripts/sql/orders.sql": "select 1\n", "README.md": "x"})
    store = NamespaceFiles(harness.engine.files, "company.team")
    await store.put("notes.txt", b"not in git")
    url = f"file://{bare}"

    planned = await harness.run(sync_flow(url, dry_run=True))
    assert planned.state == State.SUCCESS, planned.states()
    outputs = planned.outputs("sync")
    assert (outputs["created"], outputs["deleted"], outputs["dryRun"]) == (["etl.py", "sql/orders.sql"], ["notes.txt"], True)
    assert await namespace_files(harness.engine) == {"notes.txt": b"not in git"}

    synced = await harness.run(sync_flow(url))
    assert synced.state == State.SUCCESS, synced.states()
    assert await namespace_files(harness.engine) == {"etl.py": b"print('v1')\n", "sql/orders.sql": b"select 1\n"}
    assert "INFO DELETED  notes.txt" in await synced.logs("sync")

    commit(bare, {"scripts/etl.py": "print('v2')\n", "scripts/sql/orders.sql": None, "scripts/new.sh": "echo hi\n"})
    again = (await harness.run(sync_flow(url))).outputs("sync")
    assert (again["created"], again["updated"], again["deleted"], again["unchanged"]) == (
        ["new.sh"],
        ["etl.py"],
        ["sql/orders.sql"],
        [],
    )
    assert await namespace_files(harness.engine) == {"etl.py": b"print('v2')\n", "new.sh": b"echo hi\n"}

    kept = (await harness.run(sync_flow(url, delete=False))).outputs("sync")
    assert kept["unchanged"] == ["etl.py", "new.sh"] and kept["deleted"] == []


async def test_push_commits_the_namespace_files(tmp_path: Path, harness: Harness) -> None:
    bare = remote(tmp_path, {"README.md": "team scripts", "_files/old.sql": "select 0\n"})
    store = NamespaceFiles(harness.engine.files, "company.dev")
    await store.put("sql/orders.sql", b"select * from orders\n")
    await store.put("scripts/load.py", b"print('load')\n")
    await store.put("scratch.txt", b"not pushed")
    source = f"""
id: push_files
namespace: company.dev
tasks:
  - id: push
    type: io.kestra.plugin.git.PushNamespaceFiles
    url: file://{bare}
    branch: release
    files: ["sql/**", "scripts/*.py", "old.sql"]
    authorName: Data Bot
    authorEmail: bot@example.com
    commitMessage: "scripts of {{{{ flow.namespace }}}}"
    dryRun: "{{{{ inputs.dry }}}}"
inputs:
  - id: dry
    type: BOOLEAN
    defaults: false
"""
    planned = await harness.run(source, {"dry": True})
    assert planned.state == State.SUCCESS, planned.states()
    assert planned.outputs("push")["created"] == ["_files/scripts/load.py", "_files/sql/orders.sql"]
    assert git("--git-dir", str(bare), "branch", "--list", "release") == ""

    result = await harness.run(source)
    assert result.state == State.SUCCESS, result.states()
    outputs = result.outputs("push")
    assert outputs["deleted"] == ["_files/old.sql"]
    assert outputs["commitId"] == git("--git-dir", str(bare), "rev-parse", "release")
    assert files(bare, "release") == ["README.md", "_files/scripts/load.py", "_files/sql/orders.sql"]
    assert show(bare, "release", "_files/sql/orders.sql") == "select * from orders"
    assert git("--git-dir", str(bare), "log", "-1", "--format=%an <%ae> %s", "release") == (
        "Data Bot <bot@example.com> scripts of company.dev"
    )

    again = (await harness.run(source)).outputs("push")
    assert again["commitId"] == outputs["commitId"]
    assert again["unchanged"] == ["_files/scripts/load.py", "_files/sql/orders.sql"]


async def test_a_bad_repository_url_fails_with_git_s_message(tmp_path: Path, harness: Harness) -> None:
    missing = f"file://{tmp_path}/no-such-repo.git"
    result = await harness.run(sync_flow(missing))

    assert result.state == State.FAILED
    logs = "\n".join(await result.logs("sync"))
    assert "git clone failed" in logs and "does not appear to be a git repository" in logs
    assert "Traceback" not in logs


async def test_symbolic_links_in_git_are_never_followed(tmp_path: Path, harness: Harness) -> None:
    outside = tmp_path / "worker-secret.txt"
    outside.write_text("do not upload")
    bare = remote(tmp_path, {"scripts/etl.py": "print(1)\n"})
    work = tmp_path / "work-link"
    git("clone", "--quiet", str(bare), str(work))
    (work / "scripts" / "leak.txt").symlink_to(outside)
    (work / "_files").symlink_to(tmp_path)
    git("add", "--all", cwd=work)
    git("commit", "--quiet", "-m", "links", cwd=work)
    git("push", "--quiet", "origin", "HEAD:refs/heads/main", cwd=work)

    synced = await harness.run(sync_flow(f"file://{bare}"))
    assert synced.state == State.SUCCESS, synced.states()
    assert await namespace_files(harness.engine) == {"etl.py": b"print(1)\n"}

    linked = await harness.run(sync_flow(f"file://{bare}").replace("gitDirectory: scripts", "gitDirectory: _files"))
    assert linked.state == State.FAILED
    assert "is a symbolic link leading out of the repository" in (linked.run("sync").attempts[-1].error or "")

    await NamespaceFiles(harness.engine.files, "company.team").put("escape.txt", b"x")
    push = (
        "id: push_links\nnamespace: company.team\ntasks:\n  - id: push\n"
        f"    type: io.kestra.plugin.git.PushNamespaceFiles\n    url: file://{bare}\n"
    )
    pushed = await harness.run(push)
    assert pushed.state == State.FAILED
    assert "a symbolic link of the repository leads out of it" in (pushed.run("push").attempts[-1].error or "")
    assert not (tmp_path / "escape.txt").exists()


async def test_a_bad_namespace_is_named_in_the_error(tmp_path: Path, harness: Harness) -> None:
    bare = remote(tmp_path, {"README.md": "x"})
    source = f"""
id: push_bad
namespace: company.dev
tasks:
  - id: push
    type: io.kestra.plugin.git.PushNamespaceFiles
    url: file://{bare}
    namespace: "Company Dev"
"""
    result = await harness.run(source)

    assert result.state == State.FAILED
    [attempt] = result.run("push").attempts
    assert attempt.error is not None and "`namespace`: 'Company Dev' is not a valid namespace" in attempt.error
