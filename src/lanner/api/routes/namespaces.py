"""Namespace files: ``/api/v1/namespaces/{namespace}/files…`` (Kestra's paths and shapes).

- ``GET    …/files?path=``: the file's content (``application/octet-stream``);
- ``POST   …/files?path=`` (multipart, part ``fileContent``): create or replace a file;
- ``PUT    …/files?from=&to=``: move or rename a file or folder;
- ``DELETE …/files?path=``: delete a file, or a folder with its content;
- ``GET    …/files/stats?path=``: ``{fileName, type: File|Directory, size, creationTime,
  lastModifiedTime, metadata}`` (the root without ``path``);
- ``GET    …/files/directory?path=``: the entries of a folder (the root without ``path``);
- ``POST   …/files/directory?path=``: create a folder;
- ``GET    …/files/search?q=``: the paths containing ``q``.

Paths are relative to the namespace root (a leading ``/`` is that root). Paths with ``..`` or
``.`` segments, empty segments, backslashes or drive letters are refused with 422.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, HTTPException, Query, Request, Response, UploadFile

from lanner.api.deps import engine_of
from lanner.errors import ConflictError, NotFoundError
from lanner.storage.namespace_files import NamespaceFiles, NamespacePathError

router = APIRouter(tags=["Files"])

MAX_FILE_BYTES = 50 * 1024 * 1024


def _files(request: Request, namespace: str) -> NamespaceFiles:
    try:
        return NamespaceFiles(engine_of(request).files, namespace)
    except NamespacePathError as exc:
        raise HTTPException(422, str(exc)) from None


async def _run(action: Any) -> Any:
    """Await a namespace file operation, its errors as HTTP answers."""
    try:
        return await action
    except NamespacePathError as exc:
        raise HTTPException(422, str(exc)) from None
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except ConflictError as exc:
        raise HTTPException(409, str(exc)) from None


_PATH = Query(description="Path of the file, relative to the namespace root.", examples=["scripts/etl.py"])
_FOLDER = Query(default=None, description="Path of the folder (the namespace root when unset).")


@router.get("/namespaces/{namespace}/files/search", summary="Paths of the files containing a text")
async def search_files(request: Request, namespace: str, q: str = Query(default="")) -> list[str]:
    paths: list[str] = await _run(_files(request, namespace).all_files())
    # as Kestra: matched against the path as answered, with its leading `/` (so `q=/scripts` works)
    return [path for path in ("/" + p for p in paths) if q in path]


@router.get("/namespaces/{namespace}/files/stats", summary="Type, size and dates of a file or folder")
async def file_stats(request: Request, namespace: str, path: str | None = _FOLDER) -> dict[str, Any]:
    stats: dict[str, Any] = await _run(_files(request, namespace).stat(path))
    return stats


@router.get("/namespaces/{namespace}/files/directory", summary="The entries of a folder")
async def list_folder(request: Request, namespace: str, path: str | None = _FOLDER) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = await _run(_files(request, namespace).list_folder(path))
    return entries


@router.post("/namespaces/{namespace}/files/directory", summary="Create a folder")
async def create_folder(request: Request, namespace: str, path: str = _PATH) -> Response:
    await _run(_files(request, namespace).mkdir(path))
    return Response(status_code=200)


@router.get("/namespaces/{namespace}/files", summary="The content of a file", response_class=Response)
async def read_file(request: Request, namespace: str, path: str = _PATH) -> Response:
    data: bytes = await _run(_files(request, namespace).read(path))
    return Response(data, media_type="application/octet-stream", headers={"Cache-Control": "no-cache"})


@router.post("/namespaces/{namespace}/files", summary="Create or replace a file (multipart part `fileContent`)")
async def upload_file(
    request: Request, namespace: str, path: str = _PATH, fileContent: UploadFile = File(description="The file.")
) -> Response:
    files = _files(request, namespace)
    data = await fileContent.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise HTTPException(413, f"the file is larger than {MAX_FILE_BYTES} bytes")
    await _run(files.put(path, data))
    return Response(status_code=200)


@router.put("/namespaces/{namespace}/files", summary="Move or rename a file or folder")
async def move_file(
    request: Request,
    namespace: str,
    from_: str = Query(alias="from", description="Current path."),
    to: str = Query(description="New path; must not exist."),
) -> Response:
    await _run(_files(request, namespace).move(from_, to))
    return Response(status_code=200)


@router.delete("/namespaces/{namespace}/files", summary="Delete a file or folder")
async def delete_file(request: Request, namespace: str, path: str = _PATH) -> Response:
    await _run(_files(request, namespace).delete(path))
    return Response(status_code=200)
