"""Flows as code with Git: SyncFlows (a Git folder → a namespace's flows) and PushFlows (a
namespace's flows → a commit on a branch), under Kestra's names.

Files map to namespaces by folder: with `includeChildNamespaces`, `<gitDirectory>/a/b/f.yml` is a
flow of `<namespace>.a.b`. The `namespace:` line of each flow is set to the namespace its file
maps to (only that line changes). Writes go through the server's validation: an invalid flow
stops a sync before anything is written, with every error located as `path:line:column`.
"""

from __future__ import annotations

import asyncio
import fnmatch
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from lanner.errors import FlowValidationError, TaskFailure
from lanner.plugins.api_client import render_bool, render_text
from lanner.plugins.git.base import GitTask, changes, fresh_folder, inside
from lanner.plugins.git.runner import display_url
from lanner.tasks.base import Output
from lanner.tasks.context import FlowSource, RunContext

__all__ = ["PushFlows", "SyncFlows", "with_namespace"]

_NAMESPACE = re.compile(r"^namespace:[^\n]*$", re.MULTILINE)
_ID = re.compile(r"""^id:[ \t]*["']?([A-Za-z0-9_.-]+)""", re.MULTILINE)
_SUFFIXES = (".yml", ".yaml")


def with_namespace(source: str, namespace: str) -> str:
    """``source`` whose top-level ``namespace:`` line says ``namespace`` (added when missing)."""
    line = f"namespace: {namespace}"
    if _NAMESPACE.search(source):
        return _NAMESPACE.sub(line, source, count=1)
    return f"{line}\n{source}"


def _child(namespace: str, root: str) -> str:
    """The folder, below the Git directory, of a flow of ``namespace`` (under ``root``)."""
    return namespace[len(root) + 1 :].replace(".", "/") if namespace != root else ""


def _flow_files(folder: Path, recursive: bool) -> list[Path]:
    found = folder.rglob("*") if recursive else folder.glob("*")
    return sorted(p for p in found if p.is_file() and p.suffix in _SUFFIXES and ".git" not in p.relative_to(folder).parts)


def _row(flow_id: str, namespace: str, git_path: str, state: str, revision: int | None = None) -> dict[str, Any]:
    return {"flowId": flow_id, "namespace": namespace, "gitPath": git_path, "syncState": state, "revision": revision}


def _counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {
        state.lower(): sum(1 for r in rows if r["syncState"] == state) for state in ("ADDED", "UPDATED", "DELETED", "UNCHANGED")
    }


class _FlowsTask(GitTask):
    branch: str | None = Field(default="main", description="The branch to read or write.", examples=["main"])
    gitDirectory: str = Field(default="_flows", description="Folder of the flows in the repository.", examples=["flows"])
    includeChildNamespaces: bool | str = Field(
        default=False, description="Also handle the namespaces below: subfolders of `gitDirectory` map to child namespaces."
    )
    dryRun: bool | str = Field(default=False, description="Only compute and output the changes; write nothing.")


class SyncFlows(_FlowsTask):
    """Create or update a namespace's flows from the YAML files of a folder of a Git branch.

    Git is the source of truth: a changed file makes a new revision of its flow; with `delete`,
    the namespace's flows that have no file any more are deleted (never the flow running this
    task). Outputs `flows` (one row per flow: `flowId`, `namespace`, `gitPath`, `syncState`
    ADDED / UPDATED / DELETED / UNCHANGED, `revision`) and the number of each.
    """

    type: Literal["lanner.git.SyncFlows", "io.kestra.plugin.git.SyncFlows"]
    targetNamespace: str = Field(description="Namespace the flows are written to.", examples=["company.team"])
    delete: bool | str = Field(default=False, description="Delete the namespace's flows that are not in Git.")
    ignoreInvalidFlows: bool | str = Field(
        default=False, description="Skip invalid flows with a warning instead of failing before any change."
    )

    async def run(self, ctx: RunContext) -> Output:
        target = await render_text(ctx, self.targetNamespace, "targetNamespace")
        children = await render_bool(ctx, self.includeChildNamespaces, "includeChildNamespaces")
        dry_run = await render_bool(ctx, self.dryRun, "dryRun")
        url = await self._url(ctx)
        repo = await fresh_folder(ctx)
        async with self._git(ctx) as git:
            await self._clone(ctx, git, url, repo, depth=1, branch=await render_text(ctx, self.branch, "branch") or None)
            commit = await self.head(git, repo)
        folder = inside(repo, await render_text(ctx, self.gitDirectory, "gitDirectory"), "gitDirectory")
        if not folder.is_dir():
            raise TaskFailure(f"`gitDirectory` {self.gitDirectory!r} is not a folder of {display_url(url)}", retryable=False)
        wanted = await self._read(ctx, folder, target, children)
        existing = {(f.namespace, f.id): f for f in await ctx.flows.list(target, include_children=children)}
        rows, changed = self._diff(wanted, existing)
        deletions: list[tuple[str, str]] = []
        if await render_bool(ctx, self.delete, "delete"):
            for key, flow in existing.items():
                if key in wanted:
                    continue
                if key == (ctx.namespace, ctx.flow_id):
                    ctx.logger.warning(f"flow {flow.namespace}.{flow.id} is not in Git but runs this sync: it is kept")
                    continue
                deletions.append(key)
                rows.append(_row(flow.id, flow.namespace, "", "DELETED", flow.revision))
        for row in rows:
            if row["syncState"] != "UNCHANGED":
                ctx.logger.info(f"{row['syncState']:<9} {row['namespace']}.{row['flowId']} {row['gitPath']}".rstrip())
        if not dry_run and (changed or deletions):
            saved = {
                (f.namespace, f.id): f.revision for f in await ctx.flows.apply([wanted[k][1] for k in changed], delete=deletions)
            }
            for row in rows:
                row["revision"] = saved.get((row["namespace"], row["flowId"]), row["revision"])
        verb = "would change" if dry_run else "changed"
        ctx.logger.info(f"{verb} {len(changed) + len(deletions)} flow(s) of {target} from commit {commit}")
        return {"flows": rows, **_counts(rows), "commit": commit, "dryRun": dry_run}

    async def _read(self, ctx: RunContext, folder: Path, target: str, children: bool) -> dict[tuple[str, str], tuple[str, str]]:
        """(namespace, id) → (git path, source) of every flow file, validated."""
        wanted: dict[tuple[str, str], tuple[str, str]] = {}
        issues: list[str] = []
        skip_invalid = await render_bool(ctx, self.ignoreInvalidFlows, "ignoreInvalidFlows")
        for path in _flow_files(folder, children):
            relative = path.relative_to(folder)
            namespace = ".".join([target, *relative.parent.parts])
            git_path = (Path(self.gitDirectory) / relative).as_posix()
            source = with_namespace(await asyncio.to_thread(path.read_text, encoding="utf-8"), namespace)
            try:
                key = await ctx.flows.check(source, filename=git_path)
            except FlowValidationError as exc:
                if skip_invalid:
                    ctx.logger.warning(f"skipped invalid flow {git_path}: {exc.summary()}")
                    continue
                issues.append("\n".join(issue.format() for issue in exc.issues))
                continue
            if key in wanted:
                issues.append(f"{git_path}: flow {key[0]}.{key[1]} is also defined in {wanted[key][0]}")
                continue
            wanted[key] = (git_path, source)
        if issues:
            raise TaskFailure("invalid flows in Git, nothing was changed:\n" + "\n".join(issues), retryable=False)
        return wanted

    @staticmethod
    def _diff(
        wanted: dict[tuple[str, str], tuple[str, str]], existing: dict[tuple[str, str], FlowSource]
    ) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        rows: list[dict[str, Any]] = []
        changed: list[tuple[str, str]] = []
        for key, (git_path, source) in wanted.items():
            current = existing.get(key)
            state = "ADDED" if current is None else "UNCHANGED" if current.source == source else "UPDATED"
            if state != "UNCHANGED":
                changed.append(key)
            rows.append(_row(key[1], key[0], git_path, state, current.revision if current else None))
        return rows, changed


class PushFlows(_FlowsTask):
    """Commit a namespace's flows to a Git branch (created when missing) and push it.

    Each flow is written as `<gitDirectory>/<child namespace folders>/<flowId>.yml`; with
    `targetNamespace`, the files say that namespace instead (to promote flows from dev to prod).
    With `delete`, files of selected flows that no longer exist are removed. Outputs `commitId`,
    `flows` (one row per file: `flowId`, `namespace`, `gitPath`, `syncState`) and the number of each.
    """

    type: Literal["lanner.git.PushFlows", "io.kestra.plugin.git.PushFlows"]
    sourceNamespace: str = Field(
        default="{{ flow.namespace }}", description="Namespace whose flows are pushed.", examples=["dev"]
    )
    targetNamespace: str | None = Field(
        default=None, description="Namespace written in the pushed files instead of `sourceNamespace`.", examples=["prod"]
    )
    flows: str | list[str] = Field(
        default="*", description="Flow ids to push; glob patterns accepted (`*`: all).", examples=[["orders_*", "daily_report"]]
    )
    delete: bool | str = Field(
        default=True, description="Remove the files of selected flows that no longer exist in the namespace."
    )
    commitMessage: str = Field(
        default="Add flows from {{ flow.namespace }} namespace",
        description="The commit message.",
        examples=["Release flows {{ now() }}"],
    )
    authorName: str | None = Field(default=None, description="Commit author name (default: `username`, else Lanner).")
    authorEmail: str | None = Field(default=None, description="Commit author e-mail.", examples=["data-bot@example.com"])

    async def run(self, ctx: RunContext) -> Output:
        source_ns = await render_text(ctx, self.sourceNamespace, "sourceNamespace")
        target_ns = await render_text(ctx, self.targetNamespace, "targetNamespace") if self.targetNamespace else source_ns
        children = await render_bool(ctx, self.includeChildNamespaces, "includeChildNamespaces")
        dry_run = await render_bool(ctx, self.dryRun, "dryRun")
        branch = await render_text(ctx, self.branch, "branch") or "main"
        patterns = [self.flows] if isinstance(self.flows, str) else list(self.flows)
        patterns = [str(p) for p in await ctx.render(patterns)]
        url = await self._url(ctx)
        repo = await fresh_folder(ctx)
        flows = [
            f
            for f in await ctx.flows.list(source_ns, include_children=children)
            if any(fnmatch.fnmatchcase(f.id, p) for p in patterns)
        ]
        async with self._git(ctx) as git:
            await self._checkout(ctx, git, url, repo, branch)
            folder = inside(repo, await render_text(ctx, self.gitDirectory, "gitDirectory"), "gitDirectory")
            written = await self._write(folder, flows, source_ns, target_ns)
            if await render_bool(ctx, self.delete, "delete"):
                await self._remove_stale(folder, written, patterns, children)
            await git("add", "--all", "--", str(folder.relative_to(repo)), cwd=repo, quiet=True)
            _, status = await git("status", "--porcelain", "--", str(folder.relative_to(repo)), cwd=repo, quiet=True)
            rows = self._rows(status, repo, written)
            commit = await self.head(git, repo)
            if rows and not dry_run:
                message = await render_text(ctx, self.commitMessage, "commitMessage") or "Update flows"
                commit = await self._commit_and_push(
                    ctx, git, repo, branch, message=message, author_name=self.authorName, author_email=self.authorEmail
                )
        for row in rows:
            ctx.logger.info(f"{row['syncState']:<8} {row['gitPath']}")
        if not rows:
            ctx.logger.info(f"nothing to commit: {branch} already has these {len(flows)} flow(s)")
        return {"commitId": commit, "branch": branch, "flows": rows, **_counts(rows), "dryRun": dry_run}

    @staticmethod
    async def _write(folder: Path, flows: list[FlowSource], source_ns: str, target_ns: str) -> dict[Path, tuple[str, str]]:
        written: dict[Path, tuple[str, str]] = {}
        for flow in flows:
            namespace = target_ns + flow.namespace[len(source_ns) :]
            path = folder / _child(flow.namespace, source_ns) / f"{flow.id}.yml"
            text = with_namespace(flow.source, namespace) if namespace != flow.namespace else flow.source
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            await asyncio.to_thread(path.write_text, text if text.endswith("\n") else text + "\n", encoding="utf-8")
            written[path] = (flow.id, namespace)
        return written

    @staticmethod
    async def _remove_stale(folder: Path, written: dict[Path, tuple[str, str]], patterns: list[str], children: bool) -> None:
        if not folder.is_dir():
            return
        for path in _flow_files(folder, children):
            if path in written:
                continue
            found = _ID.search(await asyncio.to_thread(path.read_text, encoding="utf-8", errors="replace"))
            flow_id = found.group(1) if found else path.stem
            if any(fnmatch.fnmatchcase(flow_id, p) for p in patterns):
                await asyncio.to_thread(path.unlink)

    @staticmethod
    def _rows(status: str, repo: Path, written: dict[Path, tuple[str, str]]) -> list[dict[str, Any]]:
        rows = []
        for state, git_path in changes(status):
            flow_id, namespace = written.get(repo / git_path, (Path(git_path).stem, ""))
            rows.append(_row(flow_id, namespace, git_path, state))
        return rows
