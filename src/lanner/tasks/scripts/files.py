"""Files around a script: input files in, output files out, internal storage URIs made local.

Names Lanner itself writes in a working directory start with ``.lanner-`` (and Kestra's
``.kestra-execution-context.json``); output file patterns never collect them.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from lanner.errors import LannerError, TaskFailure
from lanner.tasks.context import RunContext

__all__ = [
    "EXECUTION_CONTEXT_FILE",
    "RESERVED_PREFIX",
    "STORAGE_URI",
    "collect_output_files",
    "glob_regex",
    "input_file_map",
    "localize_storage_uris",
    "match_files",
    "storage_name",
    "write_execution_context",
    "write_input_files",
]

RESERVED_PREFIX = ".lanner-"
EXECUTION_CONTEXT_FILE = ".kestra-execution-context.json"
#: An internal storage URI inside a command (Kestra's ``kestra:///`` ones included).
STORAGE_URI = re.compile(r"\b(?:lanner|kestra):///?[-a-zA-Z0-9%._+~#=/]*[-a-zA-Z0-9%_+~#=/]")
_CONTEXT_LEFT_OUT = ("envs", "globals")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def storage_name(relative: str) -> str:
    """A name safe in an internal storage URI: each path segment reduced to ``A-Za-z0-9._-``."""
    segments = [_UNSAFE.sub("_", part).strip("_") or "_" for part in PurePosixPath(relative).parts]
    return "/".join(segments) or "file"


def input_file_map(value: Mapping[str, Any] | str | None) -> dict[str, str]:
    """The rendered ``inputFiles`` property as file name → content (or internal storage URI).

    A string must be a JSON object (for example the output of a previous task).
    """
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, Mapping):
            raise TaskFailure(f"`inputFiles` must render to a JSON map, got {value[:200]!r}", retryable=False)
        value = parsed
    return {str(name): _as_text(content) for name, content in value.items() if content is not None}


def _as_text(content: object) -> str:
    return content if isinstance(content, str) else json.dumps(content)


def _relative_path(name: str, what: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts:
        raise TaskFailure(f"{what} {name!r} must be a relative path inside the working directory", retryable=False)
    return path


async def write_input_files(ctx: RunContext, working_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Create each file in ``working_dir``: content that is an internal storage URI is copied from storage."""
    written: list[Path] = []
    for name, content in files.items():
        target = working_dir / _relative_path(name, "input file")
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        if STORAGE_URI.fullmatch(content.strip()):
            await _fetch(ctx, content.strip(), target, f"input file {name!r}")
        else:
            await asyncio.to_thread(target.write_text, content)
        written.append(target)
    return written


async def _fetch(ctx: RunContext, uri: str, target: Path, what: str) -> None:
    try:
        await ctx.storage.fetch(uri, target)
    except (LannerError, OSError) as exc:
        raise TaskFailure(f"{what}: cannot read {uri}: {exc}", retryable=False) from exc


async def localize_storage_uris(ctx: RunContext, working_dir: Path, texts: Sequence[str]) -> list[str]:
    """Replace each internal storage URI in ``texts`` by the path of a local copy of the file.

    This is what lets a command such as ``cat {{ outputs.download.uri }}`` read the file.
    """
    local: dict[str, str] = {}
    for text in texts:
        for uri in STORAGE_URI.findall(text):
            if uri in local:
                continue
            name = PurePosixPath(unquote(urlparse(uri).path)).name or "file"
            target = working_dir / f"{RESERVED_PREFIX}storage" / f"{len(local)}-{name}"
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            await _fetch(ctx, uri, target, "command")
            local[uri] = str(target)
    if not local:
        return list(texts)
    return [STORAGE_URI.sub(lambda m: local.get(m.group(0), m.group(0)), text) for text in texts]


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a glob on relative paths: ``*`` and ``?`` stay in one folder, ``**`` crosses folders,
    ``**/`` also matches no folder at all, ``[abc]`` and ``{a,b}`` as usual."""
    return re.compile(f"(?s:{_translate(pattern)})\\Z")


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        i += 1
        if char == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":
                    i += 1
                    out.append("(?:.*/)?")
                else:
                    out.append(".*")
            else:
                out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            content = pattern[i:end].replace("\\", "\\\\")
            if content[:1] in ("!", "^"):
                content = "^" + content[1:]
            out.append(f"[{content}]")
            i = end + 1
        elif char == "{" and "}" in pattern[i:]:
            end = pattern.index("}", i)
            out.append("(?:" + "|".join(_translate(part) for part in pattern[i:end].split(",")) + ")")
            i = end + 1
        elif char == "\\" and i < n:
            out.append(re.escape(pattern[i]))
            i += 1
        else:
            out.append(re.escape(char))
    return "".join(out)


def match_files(root: Path, patterns: Sequence[str]) -> list[Path]:
    """Files under ``root`` whose relative path matches one of the glob ``patterns``, sorted.

    Blocking: call it in a thread.
    """
    regexes = []
    for pattern in patterns:
        clean = pattern.strip()
        while clean.startswith("./"):
            clean = clean[2:]
        _relative_path(clean, "output file pattern")
        regexes.append(glob_regex(clean))
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if _reserved(relative) or not path.is_file():
            continue
        if any(regex.match(relative.as_posix()) for regex in regexes):
            found.append(path)
    return found


def _reserved(relative: Path) -> bool:
    first = relative.parts[0]
    return first.startswith(RESERVED_PREFIX) or first == EXECUTION_CONTEXT_FILE


async def collect_output_files(
    ctx: RunContext, working_dir: Path, patterns: Sequence[str], *, output_dir: Path | None = None
) -> dict[str, str]:
    """Upload matching files to internal storage; return relative name → URI.

    Every file in ``output_dir`` (Kestra's ``{{ outputDir }}``) is uploaded too, named
    relative to that folder.
    """
    found: dict[str, Path] = {}
    if patterns:
        for path in await asyncio.to_thread(match_files, working_dir, patterns):
            found[path.relative_to(working_dir).as_posix()] = path
    if output_dir is not None and output_dir.is_dir():
        for path in await asyncio.to_thread(match_files, output_dir, ["**"]):
            found[path.relative_to(output_dir).as_posix()] = path
    return {name: await ctx.storage.put(path, storage_name(name)) for name, path in found.items()}


async def write_execution_context(ctx: RunContext, working_dir: Path) -> Path:
    """Write the expression variables as ``.kestra-execution-context.json`` (read by ``from kestra import context``).

    ``envs`` and ``globals`` are left out: scripts get environment variables directly.
    """
    data = {key: value for key, value in ctx.variables.items() if key not in _CONTEXT_LEFT_OUT}
    target = working_dir / EXECUTION_CONTEXT_FILE
    await asyncio.to_thread(target.write_text, json.dumps(data, default=str))
    return target
