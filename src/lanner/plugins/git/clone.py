"""Git Clone: check a repository out into the task's working directory."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from lanner.errors import TaskFailure
from lanner.plugins.api_client import render_text
from lanner.plugins.git.base import GitTask, inside
from lanner.plugins.git.runner import display_url
from lanner.tasks.base import Output
from lanner.tasks.context import RunContext

__all__ = ["Clone"]


class Clone(GitTask):
    """Clone a Git repository (a branch, shallow by default) into the working directory.

    Outputs `directory` (the checkout's absolute path, for the rest of the attempt), `commit`
    (the checked-out commit) and `branch`. The working directory is removed when the attempt ends:
    list files to keep in `outputFiles` to store them for later tasks.
    """

    type: Literal["lanner.git.Clone", "io.kestra.plugin.git.Clone"]
    depth: int | None = Field(
        default=1, ge=1, description="Number of commits to fetch (1: the latest only); unset: the whole history."
    )
    directory: str | None = Field(
        default=None,
        description="Folder of the checkout, relative to the working directory (default: the working directory itself).",
        examples=["repo"],
    )
    outputFiles: list[str] | None = Field(
        default=None,
        description="Glob patterns, relative to the checkout, of files to store in internal storage (a Lanner "
        "extension); read them as `{{ outputs.<task>.outputFiles['path/in/repo'] }}`.",
        examples=[["sql/*.sql", "dbt/dbt_project.yml"]],
    )

    async def run(self, ctx: RunContext) -> Output:
        work = await ctx.working_dir()
        target = inside(work, await render_text(ctx, self.directory, "directory") if self.directory else ".", "directory")
        if target.exists() and any(target.iterdir()):
            raise TaskFailure(f"cannot clone into {target}: the folder is not empty (set another `directory`)", retryable=False)
        url = await self._url(ctx)
        branch = await render_text(ctx, self.branch, "branch") or None
        async with self._git(ctx) as git:
            await self._clone(ctx, git, url, target, depth=self.depth, branch=branch)
            commit = await self.head(git, target)
            _, current = await git("rev-parse", "--abbrev-ref", "HEAD", cwd=target, quiet=True)
        ctx.logger.info(f"cloned {display_url(url)} at {commit} into {target}")
        outputs: dict[str, object] = {"directory": str(target), "commit": commit, "branch": current.strip()}
        if self.outputFiles:
            outputs["outputFiles"] = await self._store(ctx, target)
        return outputs

    async def _store(self, ctx: RunContext, checkout: Path) -> dict[str, str]:
        stored: dict[str, str] = {}
        for pattern in await ctx.render(list(self.outputFiles or [])):
            for path in sorted(checkout.glob(str(pattern))):
                relative = path.relative_to(checkout).as_posix()
                if path.is_file() and not relative.startswith(".git/"):
                    stored[relative] = await ctx.storage.put(path, relative.replace("/", "__"))
        return stored
