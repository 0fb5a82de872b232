"""Real local Git repositories for the Git task tests: a bare "remote" filled from a dict of files."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, env=ENV, check=True, capture_output=True, text=True
    ).stdout.strip()


def remote(root: Path, files: dict[str, str] | None = None, *, branch: str = "main", name: str = "remote.git") -> Path:
    """A bare repository at ``root/name``; with ``files``, one commit of them on ``branch``."""
    bare = root / name
    git("init", "--bare", "--quiet", str(bare))
    if files:
        commit(bare, files, branch=branch, message="initial flows")
    return bare


def commit(bare: Path, files: Mapping[str, str | None], *, branch: str = "main", message: str = "change") -> str:
    """Commit ``files`` (None deletes) on ``branch`` of ``bare``; return the new commit id."""
    work = bare.parent / f"{bare.name}-work-{len(list(bare.parent.iterdir()))}"
    git("clone", "--quiet", str(bare), str(work))
    heads = git("ls-remote", "--heads", str(bare), branch)
    if heads:
        git("checkout", "--quiet", branch, cwd=work)
    else:
        git("checkout", "--quiet", "--orphan", branch, cwd=work)
    for name, content in files.items():
        path = work / name
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    git("add", "--all", cwd=work)
    git("commit", "--quiet", "-m", message, cwd=work)
    git("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", cwd=work)
    return git("rev-parse", "HEAD", cwd=work)


def show(bare: Path, branch: str, path: str) -> str:
    return git("--git-dir", str(bare), "show", f"{branch}:{path}")


def files(bare: Path, branch: str) -> list[str]:
    return git("--git-dir", str(bare), "ls-tree", "-r", "--name-only", branch).splitlines()


def flow(flow_id: str, namespace: str = "anything", message: str = "hi") -> str:
    tasks = f"tasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: {message}\n"
    return f"id: {flow_id}\nnamespace: {namespace}\n# kept comment\n{tasks}"
