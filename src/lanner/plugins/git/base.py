"""Properties shared by the Git tasks (Kestra's names), the clone they all start with, and the
checkout / commit / push steps of the Push tasks."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field

from lanner.errors import TaskFailure
from lanner.plugins.api_client import render_bool, render_text
from lanner.plugins.git.runner import Git
from lanner.tasks.base import RunnableTask
from lanner.tasks.context import RunContext

__all__ = ["GitTask", "changes", "fresh_folder", "inside"]


def inside(root: Path, relative: str, what: str) -> Path:
    """``root / relative``, refusing absolute paths and ``..`` (a task stays in its folder)."""
    path = PurePosixPath(relative.strip() or ".")
    if path.is_absolute() or ".." in path.parts:
        raise TaskFailure(f"`{what}` must be a relative path inside the working directory, got {relative!r}", retryable=False)
    return root / path


async def fresh_folder(ctx: RunContext) -> Path:
    """A new empty folder in the working directory, for one checkout."""
    return Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="repo-", dir=await ctx.working_dir())) / "repo"


def changes(status: str) -> list[tuple[str, str]]:
    """``(ADDED | UPDATED | DELETED, path)`` of each line of ``git status --porcelain`` (staged changes)."""
    states = {"A": "ADDED", "M": "UPDATED", "D": "DELETED", "R": "UPDATED"}
    found = []
    for line in status.splitlines():
        if len(line) < 4:
            continue
        found.append((states.get(line[0], "UPDATED"), line[3:].split(" -> ")[-1].strip('"')))
    return found


class GitTask(RunnableTask):
    """A Git repository and how to authenticate to it."""

    url: str = Field(
        description="Repository URL: `https://…`, `ssh://…`, `git@host:org/repo.git` or `file://…`.",
        examples=["https://github.com/my-org/data-flows"],
    )
    username: str | None = Field(default=None, description="User name for HTTPS authentication.", examples=["git_username"])
    password: str | None = Field(
        default=None,
        description="Password or personal access token for HTTPS authentication; given to `git` through "
        "`GIT_ASKPASS`, never written in the repository's configuration.",
        examples=["{{ secret('GITHUB_ACCESS_TOKEN') }}"],
    )
    privateKey: str | None = Field(
        default=None, description="PEM private key for SSH URLs.", examples=["{{ secret('GIT_SSH_KEY') }}"]
    )
    passphrase: str | None = Field(default=None, description="Passphrase of `privateKey`: not supported, use a key without one.")
    branch: str | None = Field(
        default=None, description="Branch to use; the repository's default branch when unset.", examples=["main"]
    )
    cloneSubmodules: bool | str = Field(default=False, description="Also clone the repository's submodules.")
    gitConfig: dict[str, Any] | None = Field(
        default=None, description="Git configuration for the commands, key → value.", examples=[{"core.longpaths": True}]
    )

    @asynccontextmanager
    async def _git(self, ctx: RunContext) -> AsyncIterator[Git]:
        """``git`` with the task's credentials, in a private home removed afterwards."""
        home = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="lanner-git-"))
        try:
            yield await self._make_git(ctx, home)
        finally:
            await asyncio.to_thread(shutil.rmtree, home, True)

    async def _make_git(self, ctx: RunContext, home: Path) -> Git:
        config = {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in (self.gitConfig or {}).items()}
        return Git(
            ctx,
            home,
            username=await render_text(ctx, self.username, "username"),
            password=await render_text(ctx, self.password, "password", secret=True),
            private_key=await render_text(ctx, self.privateKey, "privateKey", secret=True),
            passphrase=await render_text(ctx, self.passphrase, "passphrase", secret=True),
            config=config,
        )

    async def _url(self, ctx: RunContext) -> str:
        url = await render_text(ctx, self.url, "url")
        if not url:
            raise TaskFailure("`url` is empty", retryable=False)
        if "://" in url and urlsplit(url).password:
            ctx.mask(urlsplit(url).password or "")
        return url

    async def _clone(self, ctx: RunContext, git: Git, url: str, target: Path, *, depth: int | None, branch: str | None) -> None:
        args = ["clone"]
        if depth:
            args += ["--depth", str(depth)]
        if branch:
            args += ["--branch", branch]
        if await render_bool(ctx, self.cloneSubmodules, "cloneSubmodules"):
            args += ["--recurse-submodules"]
        await git(*args, "--", url, str(target))

    async def head(self, git: Git, repo: Path) -> str | None:
        code, output = await git("rev-parse", "HEAD", cwd=repo, quiet=True, check=False)
        return output.strip() if code == 0 else None

    async def _checkout(self, ctx: RunContext, git: Git, url: str, repo: Path, branch: str) -> None:
        """Clone ``branch`` of ``url`` into ``repo``; a missing branch is started from the default one."""
        code, _ = await git("ls-remote", "--exit-code", "--heads", url, branch, quiet=True, check=False)
        if code == 0:
            await self._clone(ctx, git, url, repo, depth=1, branch=branch)
            return
        if code != 2:  # 2: reachable, no such branch
            await git("ls-remote", "--heads", url)  # fails with git's own message
        ctx.logger.info(f"branch {branch} does not exist yet: it will be created")
        await self._clone(ctx, git, url, repo, depth=1, branch=None)
        if await self.head(git, repo) is None:  # an empty repository: the first commit starts the branch
            await git("symbolic-ref", "HEAD", f"refs/heads/{branch}", cwd=repo, quiet=True)
        else:
            await git("checkout", "-b", branch, cwd=repo, quiet=True)

    async def _commit_and_push(
        self,
        ctx: RunContext,
        git: Git,
        repo: Path,
        branch: str,
        *,
        message: str,
        author_name: str | None,
        author_email: str | None,
    ) -> str | None:
        """Commit what is staged in ``repo`` and push it to ``branch``; return the new commit id.

        The author defaults to ``username``, else Lanner."""
        name = await render_text(ctx, author_name, "authorName") or await render_text(ctx, self.username, "username") or "Lanner"
        email = await render_text(ctx, author_email, "authorEmail") or "lanner@localhost"
        identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
        await git(*identity, "commit", "--quiet", "--message", message, cwd=repo)
        await git("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", cwd=repo)
        return await self.head(git, repo)
