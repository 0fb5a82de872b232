"""Internal storage for files produced by tasks: a local folder behind a small interface.

Files are addressed by ``lanner:///<namespace>/<flow>/executions/<execution>/...`` URIs
(``kestra:///`` URIs are accepted too, so Kestra flows referencing them keep working).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

from lanner.errors import NotFoundError

__all__ = ["FileStorage", "LocalFileStorage", "SCHEMES"]

SCHEMES = ("lanner", "kestra")


class FileStorage(Protocol):
    async def put(self, source: Path, key: str) -> str: ...
    async def put_bytes(self, data: bytes, key: str) -> str: ...
    async def get_bytes(self, uri: str) -> bytes: ...
    async def fetch(self, uri: str, destination: Path) -> Path: ...
    async def delete_prefix(self, key_prefix: str) -> None: ...
    def path_of(self, uri: str) -> Path: ...


class LocalFileStorage:
    """Files under one root folder; keys are relative paths, URIs ``lanner:///key``."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key.lstrip("/")).resolve()
        if not path.is_relative_to(self.root):
            raise NotFoundError(f"file key {key!r} points outside internal storage")
        return path

    def path_of(self, uri: str) -> Path:
        parsed = urlparse(uri)
        if parsed.scheme not in SCHEMES:
            raise NotFoundError(f"{uri!r} is not an internal storage URI (lanner:///…)")
        return self._path(unquote(parsed.path))

    @staticmethod
    def uri(key: str) -> str:
        return "lanner:///" + key.lstrip("/")

    async def put(self, source: Path, key: str) -> str:
        target = self._path(key)
        await asyncio.to_thread(_copy, source, target)
        return self.uri(key)

    async def put_bytes(self, data: bytes, key: str) -> str:
        target = self._path(key)
        await asyncio.to_thread(_write, target, data)
        return self.uri(key)

    async def get_bytes(self, uri: str) -> bytes:
        path = self.path_of(uri)
        if not path.is_file():
            raise NotFoundError(f"no file at {uri}")
        return await asyncio.to_thread(path.read_bytes)

    async def fetch(self, uri: str, destination: Path) -> Path:
        path = self.path_of(uri)
        if not path.is_file():
            raise NotFoundError(f"no file at {uri}")
        await asyncio.to_thread(_copy, path, destination)
        return destination

    async def delete_prefix(self, key_prefix: str) -> None:
        await asyncio.to_thread(shutil.rmtree, self._path(key_prefix), True)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
