"""Namespace files: files shared by a namespace's flows (scripts, SQL, configuration).

They live in internal storage under ``_namespace_files/<namespace>/`` (execution files live
under ``<namespace as folders>/<flow>/…``, whose first folder never starts with ``_``).
Paths are relative to the namespace's root; a single leading ``/`` names that root, as in
Kestra (``/scripts/etl.py`` is ``scripts/etl.py``). A path with a ``.`` or ``..`` segment, an
empty segment (``a//b``), a backslash, a drive letter or a control character is refused with
``NamespacePathError``: a namespace file never resolves outside its namespace.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from lanner.errors import ConflictError, LannerError, NotFoundError
from lanner.models.flow import NAMESPACE_PATTERN
from lanner.storage.files import FileStorage

__all__ = ["PREFIX", "NamespaceFiles", "NamespacePathError", "normalize_path"]

PREFIX = "_namespace_files"
_NAMESPACE = re.compile(NAMESPACE_PATTERN)
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_SEGMENT = 255


class NamespacePathError(LannerError):
    """A namespace or a namespace file path is not acceptable; the message says why."""


def normalize_path(path: str | None, *, allow_root: bool = False) -> str:
    """``path`` as a clean relative path (``a/b.txt``; ``""`` is the root when allowed)."""
    raw = (path or "").strip()
    if _FORBIDDEN_CHARS.search(raw):
        raise NamespacePathError(f"path {raw!r} contains a backslash or a control character")
    if raw.startswith("//") or _DRIVE.match(raw):
        raise NamespacePathError(f"path {raw!r} must be relative to the namespace root (like `scripts/etl.py`)")
    relative = raw[1:] if raw.startswith("/") else raw
    if relative.endswith("/"):
        relative = relative[:-1]
    if not relative:
        if allow_root:
            return ""
        raise NamespacePathError("a file path is required (like `scripts/etl.py`)")
    segments = relative.split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            raise NamespacePathError(f"path {raw!r} must not contain empty, `.` or `..` segments")
        if len(segment) > _MAX_SEGMENT:
            raise NamespacePathError(f"a file or folder name in {raw[:80]!r}… is longer than {_MAX_SEGMENT} characters")
    return "/".join(segments)


class NamespaceFiles:
    """The files of one namespace. Every method runs its file system work in a thread."""

    def __init__(self, files: FileStorage, namespace: str) -> None:
        if not _NAMESPACE.match(namespace or ""):
            raise NamespacePathError(f"{namespace!r} is not a valid namespace (lower-case letters, digits, `.`, `_`, `-`)")
        self.namespace = namespace
        self.root = files.path_of(f"lanner:///{PREFIX}/{namespace}")

    def _path(self, path: str | None, *, allow_root: bool = False) -> tuple[str, Path]:
        relative = normalize_path(path, allow_root=allow_root)
        return relative, self.root / relative if relative else self.root

    async def put(self, path: str, data: bytes) -> dict[str, Any]:
        """Create or replace a file; missing folders are created."""
        relative, target = self._path(path)
        return await asyncio.to_thread(self._put, relative, target, data)

    def _put(self, relative: str, target: Path, data: bytes) -> dict[str, Any]:
        if target.is_dir():
            raise ConflictError(f"{relative!r} is a folder in namespace {self.namespace!r}")
        self._ensure_folder(target.parent, relative)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return _attributes(target)

    def _ensure_folder(self, folder: Path, relative: str) -> None:
        current = folder
        while current != self.root and not current.exists():
            current = current.parent
        if current.exists() and not current.is_dir():
            raise ConflictError(f"cannot create {relative!r}: a parent of it is a file")
        folder.mkdir(parents=True, exist_ok=True)

    async def mkdir(self, path: str) -> dict[str, Any]:
        relative, target = self._path(path)

        def create() -> dict[str, Any]:
            if target.is_file():
                raise ConflictError(f"{relative!r} is a file in namespace {self.namespace!r}")
            self._ensure_folder(target, relative)
            return _attributes(target)

        return await asyncio.to_thread(create)

    async def read(self, path: str) -> bytes:
        relative, target = self._path(path)

        def load() -> bytes:
            if target.is_dir():
                raise NamespacePathError(f"{relative!r} is a folder; list it with /files/directory")
            if not target.is_file():
                raise NotFoundError(f"no file {relative!r} in namespace {self.namespace!r}")
            return target.read_bytes()

        return await asyncio.to_thread(load)

    async def fetch(self, path: str, destination: Path) -> Path:
        """Copy a file to a local path (folders created)."""
        data = await self.read(path)

        def write() -> Path:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data)
            return destination

        return await asyncio.to_thread(write)

    async def stat(self, path: str | None) -> dict[str, Any]:
        relative, target = self._path(path, allow_root=True)

        def attributes() -> dict[str, Any]:
            if not relative:
                self.root.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                raise NotFoundError(f"no file or folder {relative!r} in namespace {self.namespace!r}")
            return _attributes(target)

        return await asyncio.to_thread(attributes)

    async def list_folder(self, path: str | None) -> list[dict[str, Any]]:
        """The entries of a folder (the root when ``path`` is empty), folders first, by name."""
        relative, target = self._path(path, allow_root=True)

        def entries() -> list[dict[str, Any]]:
            if not relative:
                self.root.mkdir(parents=True, exist_ok=True)
            if not target.is_dir():
                if target.exists():
                    raise NamespacePathError(f"{relative!r} is a file, not a folder")
                raise NotFoundError(f"no folder {relative!r} in namespace {self.namespace!r}")
            children = [child for child in target.iterdir() if not child.name.startswith(".upload-")]
            children.sort(key=lambda child: (not child.is_dir(), child.name))
            return [_attributes(child) for child in children]

        return await asyncio.to_thread(entries)

    async def all_files(self) -> list[str]:
        """Every file's path, sorted."""

        def walk() -> list[str]:
            if not self.root.is_dir():
                return []
            return sorted(
                path.relative_to(self.root).as_posix()
                for path in self.root.rglob("*")
                if path.is_file() and not path.name.startswith(".upload-")
            )

        return await asyncio.to_thread(walk)

    async def delete(self, path: str) -> None:
        """Delete a file, or a folder with everything in it."""
        relative, target = self._path(path)

        def remove() -> None:
            if target.is_dir():
                shutil.rmtree(target)
            elif target.is_file():
                target.unlink()
            else:
                raise NotFoundError(f"no file or folder {relative!r} in namespace {self.namespace!r}")

        await asyncio.to_thread(remove)

    async def move(self, source: str, destination: str) -> dict[str, Any]:
        """Move or rename a file or folder; the destination must not exist."""
        src_rel, src = self._path(source)
        dst_rel, dst = self._path(destination)

        def rename() -> dict[str, Any]:
            if not src.exists():
                raise NotFoundError(f"no file or folder {src_rel!r} in namespace {self.namespace!r}")
            if dst.exists():
                raise ConflictError(f"{dst_rel!r} already exists in namespace {self.namespace!r}")
            if src.is_dir() and (dst_rel + "/").startswith(src_rel + "/"):
                raise NamespacePathError(f"cannot move folder {src_rel!r} into itself")
            self._ensure_folder(dst.parent, dst_rel)
            os.replace(src, dst)
            return _attributes(dst)

        return await asyncio.to_thread(rename)


def _attributes(path: Path) -> dict[str, Any]:
    """Kestra's ``FileAttributes`` of a file or folder."""
    info = path.stat()
    return {
        "fileName": path.name,
        "lastModifiedTime": int(info.st_mtime * 1000),
        "creationTime": int(info.st_ctime * 1000),
        "type": "Directory" if path.is_dir() else "File",
        "size": 0 if path.is_dir() else info.st_size,
        "metadata": {},
    }
