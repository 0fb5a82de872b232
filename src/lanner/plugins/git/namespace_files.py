"""Namespace files as code with Git: SyncNamespaceFiles (a Git folder → a namespace's files) and
PushNamespaceFiles (a namespace's files → a commit on a branch), under Kestra's names.

A file's path below `gitDirectory` is its path in the namespace: `<gitDirectory>/sql/orders.sql`
is the namespace file `sql/orders.sql`. Both tasks output the paths they `created`, `updated`,
`deleted` and left `unchanged`, also in a dry run (which writes nothing).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

from pydantic import Field

from lanner.errors import LannerError, TaskFailure
from lanner.plugins.api_client import render_bool, render_text
from lanner.plugins.git.base import GitTask, changes, fresh_folder, inside
from lanner.plugins.git.runner import display_url
from lanner.tasks.base import Output
from lanner.tasks.context import RunContext
from lanner.tasks.scripts.files import glob_regex

__all__ = ["PushNamespaceFiles", "SyncNamespaceFiles"]

_STATES = ("created", "updated", "deleted", "unchanged")
_BY_GIT_STATE = {"ADDED": "created", "UPDATED": "updated", "DELETED": "deleted"}


def _files_below(folder: Path) -> dict[str, Path]:
    """Relative path → file, for every regular file below ``folder``: Git's own files and symbolic
    links are left out (a link in a repository could point at any file of the worker)."""
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink() and ".git" not in path.relative_to(folder).parts
    }


def _target(repo: Path, folder: Path, path: str) -> Path:
    """Where a namespace file goes in the checkout; never through a symbolic link leading out of it."""
    target = folder / path
    if not target.resolve().is_relative_to(repo.resolve()):
        raise TaskFailure(f"cannot write {path!r}: a symbolic link of the repository leads out of it", retryable=False)
    return target


def _same_content(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


def _report(ctx: RunContext, found: dict[str, list[str]], what: str, dry_run: bool) -> None:
    for state in ("created", "updated", "deleted"):
        for path in found[state]:
            ctx.logger.info(f"{state.upper():<8} {path}")
    count = sum(len(found[state]) for state in ("created", "updated", "deleted"))
    ctx.logger.info(f"{'would change' if dry_run else 'changed'} {count} file(s) {what}, {len(found['unchanged'])} unchanged")


class _NamespaceFilesTask(GitTask):
    branch: str | None = Field(default="main", description="The branch to read or write.", examples=["main"])
    namespace: str = Field(
        default="{{ flow.namespace }}",
        description="Namespace whose files are synced or pushed (the flow's own namespace by default).",
        examples=["company.team"],
    )
    gitDirectory: str = Field(
        default="_files",
        description="Folder of the repository holding the namespace files; `.` for the repository's root.",
        examples=["scripts"],
    )
    dryRun: bool | str = Field(
        default=False, description="Only compute and output what would change (and log it); write nothing."
    )

    async def _namespace(self, ctx: RunContext) -> str:
        namespace = await render_text(ctx, self.namespace, "namespace")
        if not namespace:
            raise TaskFailure("`namespace` is empty", retryable=False)
        return namespace

    async def _namespace_files(self, ctx: RunContext, namespace: str) -> list[str]:
        try:
            return await ctx.namespace_files.list(namespace)
        except LannerError as exc:
            raise TaskFailure(f"`namespace`: {exc}", retryable=False) from exc


class SyncNamespaceFiles(_NamespaceFilesTask):
    """Create or update a namespace's files from the files of a folder of a Git branch.

    Git is the source of truth: a file whose content differs is replaced, a new one is created
    and, with `delete`, the namespace's files that are not in Git any more are deleted. Outputs
    the paths `created`, `updated`, `deleted` and `unchanged` (namespace paths), `commit` (the
    synced commit) and `dryRun`.
    """

    type: Literal["lanner.git.SyncNamespaceFiles", "io.kestra.plugin.git.SyncNamespaceFiles"]
    delete: bool | str = Field(
        default=False, description="Delete the namespace's files that are not in `gitDirectory` (off by default: destructive)."
    )
    failOnMissingDirectory: bool | str = Field(
        default=True,
        description="Fail when `gitDirectory` does not exist on the branch; when false, warn and change nothing.",
    )

    async def run(self, ctx: RunContext) -> Output:
        namespace = await self._namespace(ctx)
        dry_run = await render_bool(ctx, self.dryRun, "dryRun")
        url = await self._url(ctx)
        repo = await fresh_folder(ctx)
        async with self._git(ctx) as git:
            await self._clone(ctx, git, url, repo, depth=1, branch=await render_text(ctx, self.branch, "branch") or None)
            commit = await self.head(git, repo)
        directory = await render_text(ctx, self.gitDirectory, "gitDirectory")
        folder = inside(repo, directory, "gitDirectory")
        found: dict[str, list[str]] = {state: [] for state in _STATES}
        if not folder.is_dir():
            if await render_bool(ctx, self.failOnMissingDirectory, "failOnMissingDirectory"):
                raise TaskFailure(f"`gitDirectory` {directory!r} is not a folder of {display_url(url)}", retryable=False)
            ctx.logger.warning(f"`gitDirectory` {directory!r} is not a folder of {display_url(url)}: nothing to sync")
            return {**found, "commit": commit, "dryRun": dry_run}
        if not folder.resolve().is_relative_to(repo.resolve()):
            raise TaskFailure(f"`gitDirectory` {directory!r} is a symbolic link leading out of the repository", retryable=False)
        in_git = await asyncio.to_thread(_files_below, folder)
        existing = set(await self._namespace_files(ctx, namespace))
        current = Path(await ctx.working_dir()) / "current"
        for path, file in in_git.items():
            if path not in existing:
                found["created"].append(path)
                continue
            local = await ctx.namespace_files.fetch(path, current / path, namespace)
            same = await asyncio.to_thread(_same_content, local, file)
            found["unchanged" if same else "updated"].append(path)
        if await render_bool(ctx, self.delete, "delete"):
            found["deleted"] = sorted(existing - in_git.keys())
        if not dry_run:
            await self._apply(ctx, namespace, found, in_git)
        _report(ctx, found, f"of namespace {namespace} from commit {commit}", dry_run)
        return {**found, "commit": commit, "dryRun": dry_run}

    @staticmethod
    async def _apply(ctx: RunContext, namespace: str, found: dict[str, list[str]], in_git: dict[str, Path]) -> None:
        for path in found["created"] + found["updated"]:
            data = await asyncio.to_thread(in_git[path].read_bytes)
            try:
                await ctx.namespace_files.put(path, data, namespace)
            except LannerError as exc:
                raise TaskFailure(f"cannot write namespace file {path!r} of {namespace}: {exc}", retryable=False) from exc
        for path in found["deleted"]:
            await ctx.namespace_files.delete(path, namespace)


class PushNamespaceFiles(_NamespaceFilesTask):
    """Commit a namespace's files to a Git branch (created when missing) and push it.

    Each selected file is written as `<gitDirectory>/<its path in the namespace>`. With `delete`,
    files of `gitDirectory` matching `files` that are no longer in the namespace are removed.
    Nothing is committed when nothing changed. Outputs `commitId`, `branch`, the Git paths
    `created`, `updated`, `deleted` and `unchanged`, and `dryRun`.
    """

    type: Literal["lanner.git.PushNamespaceFiles", "io.kestra.plugin.git.PushNamespaceFiles"]
    files: str | list[str] = Field(
        default="**",
        description="Glob patterns of the namespace files to push, relative to the namespace root: `*` stays in "
        "one folder, `**` crosses folders (`**`: every file).",
        examples=[["sql/**", "scripts/*.py"]],
    )
    delete: bool | str = Field(
        default=True, description="Remove the files of `gitDirectory` matching `files` that no longer exist in the namespace."
    )
    commitMessage: str | None = Field(
        default=None,
        description="The commit message (default: `Add files from <namespace> namespace`).",
        examples=["Release scripts {{ now() }}"],
    )
    authorName: str | None = Field(default=None, description="Commit author name (default: `username`, else Lanner).")
    authorEmail: str | None = Field(default=None, description="Commit author e-mail.", examples=["data-bot@example.com"])

    async def run(self, ctx: RunContext) -> Output:
        namespace = await self._namespace(ctx)
        dry_run = await render_bool(ctx, self.dryRun, "dryRun")
        branch = await render_text(ctx, self.branch, "branch") or "main"
        patterns = [self.files] if isinstance(self.files, str) else list(self.files)
        selectors = [glob_regex(str(p).strip().lstrip("/")) for p in await ctx.render(patterns)]
        selected = [p for p in await self._namespace_files(ctx, namespace) if any(r.match(p) for r in selectors)]
        url = await self._url(ctx)
        repo = await fresh_folder(ctx)
        async with self._git(ctx) as git:
            await self._checkout(ctx, git, url, repo, branch)
            folder = inside(repo, await render_text(ctx, self.gitDirectory, "gitDirectory"), "gitDirectory")
            for path in selected:
                await ctx.namespace_files.fetch(path, _target(repo, folder, path), namespace)
            if await render_bool(ctx, self.delete, "delete"):
                for path, file in (await asyncio.to_thread(_files_below, folder)).items():
                    if path not in selected and any(r.match(path) for r in selectors):
                        await asyncio.to_thread(file.unlink)
            scope = folder.relative_to(repo).as_posix()
            await git("add", "--all", "--", scope, cwd=repo, quiet=True)
            _, status = await git("status", "--porcelain", "--", scope, cwd=repo, quiet=True)
            found: dict[str, list[str]] = {state: [] for state in _STATES}
            for state, git_path in changes(status):
                found[_BY_GIT_STATE[state]].append(git_path)
            changed = {p for state in ("created", "updated") for p in found[state]}
            found["unchanged"] = [(Path(scope) / p).as_posix() for p in selected if (Path(scope) / p).as_posix() not in changed]
            commit = await self.head(git, repo)
            if changes(status) and not dry_run:
                message = await render_text(ctx, self.commitMessage, "commitMessage") or f"Add files from {namespace} namespace"
                commit = await self._commit_and_push(
                    ctx, git, repo, branch, message=message, author_name=self.authorName, author_email=self.authorEmail
                )
        _report(ctx, found, f"of namespace {namespace} on branch {branch}", dry_run)
        return {"commitId": commit, "branch": branch, **found, "dryRun": dry_run}
