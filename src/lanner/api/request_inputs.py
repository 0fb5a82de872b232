"""Execution inputs sent in a request body, and the files among them.

Kestra clients send inputs as ``multipart/form-data`` (one part per input, FILE inputs as
file parts); Lanner also reads ``application/x-www-form-urlencoded`` and a JSON object, whose
values may be typed (``{"n": 3, "tags": ["a"]}``). Uploaded files are stored in internal
storage under the execution, and the FILE input gets their ``lanner:///`` URI.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from lanner.errors import InputError, Issue
from lanner.models.inputs import Input
from lanner.storage.files import SCHEMES, FileStorage

__all__ = ["RequestInputs", "read_inputs", "store_files"]

_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
_SOURCE = "<request body>"


@dataclass
class RequestInputs:
    """Input values by id, and uploaded files by input id."""

    values: dict[str, Any] = field(default_factory=dict)
    files: dict[str, UploadFile] = field(default_factory=dict)


async def read_inputs(request: Request) -> RequestInputs:
    """The inputs in the body; an empty body means no inputs."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if request.headers.get("content-length") == "0":
        return RequestInputs()  # some clients send an empty multipart body (without boundary) for "no inputs"
    if kind in _FORMS:
        return await _read_form(request)
    body = await request.body()
    if not body.strip():
        return RequestInputs()
    if kind == "application/json" or kind.endswith("+json"):
        return _read_json(body)
    raise HTTPException(
        status_code=415,
        detail=f"inputs cannot be read from {kind or 'a body without Content-Type'}; "
        "send multipart/form-data (as Kestra clients do), application/x-www-form-urlencoded or a JSON object",
    )


async def _read_form(request: Request) -> RequestInputs:
    try:
        form = await request.form()
    except (MultiPartException, StarletteHTTPException, ValueError) as exc:
        reason = getattr(exc, "message", None) or getattr(exc, "detail", None) or str(exc)
        issue = Issue(
            f"the form cannot be read: {reason}", path="body", hint="send one part per input", source=_SOURCE, kind="input"
        )
        raise InputError([issue]) from exc
    read = RequestInputs()
    issues: list[Issue] = []
    for key in form:
        parts = form.getlist(key)
        uploads = [part for part in parts if isinstance(part, UploadFile)]
        if uploads:
            if len(parts) > 1:
                issues.append(Issue("send one file per input", path=f"inputs.{key}", kind="input"))
            read.files[key] = uploads[0]
        else:
            texts = [str(part) for part in parts]
            read.values[key] = texts[0] if len(texts) == 1 else texts
    if issues:
        raise InputError(issues)
    return read


def _read_json(body: bytes) -> RequestInputs:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        raise InputError(
            [
                Issue(
                    f"the JSON body is invalid: {exc}",
                    path="body",
                    line=line,
                    column=column,
                    source="<request body>",
                    kind="input",
                )
            ]
        ) from exc
    if not isinstance(data, dict):
        raise InputError(
            [Issue("the JSON body must be an object of inputs, by input id", path="body", source=_SOURCE, kind="input")]
        )
    return RequestInputs(values=data)


def _file_name(upload: UploadFile, input_id: str) -> str:
    name = PurePosixPath((upload.filename or "").replace("\\", "/")).name
    return name if name not in ("", ".", "..") else input_id


async def store_files(
    files: FileStorage, declared: Sequence[Input], given: RequestInputs, *, namespace: str, prefix: str
) -> dict[str, Any]:
    """The input values with each uploaded file stored under ``prefix/inputs/`` and replaced
    by its URI. A FILE input given as text must be a storage URI of the flow's namespace."""
    values = dict(given.values)
    by_id = {item.id: item for item in declared}
    namespace_root = namespace.replace(".", "/") + "/"
    issues: list[Issue] = []
    for input_id, upload in given.files.items():
        item = by_id.get(input_id)
        if item is None:
            continue  # undeclared inputs are ignored, as Kestra does
        if item.type != "FILE":
            issues.append(Issue(f"a file was sent for the {item.type} input", path=f"inputs.{input_id}", kind="input"))
            continue
        data = await upload.read()
        values[input_id] = await files.put_bytes(data, f"{prefix}/inputs/{input_id}/{_file_name(upload, input_id)}")
    for item in declared:
        value = values.get(item.id)
        if item.type == "FILE" and item.id not in given.files and isinstance(value, str) and value.strip():
            problem = _foreign_uri(value, namespace_root)
            if problem:
                issues.append(
                    Issue(problem, path=f"inputs.{item.id}", hint="upload the file as a multipart file part", kind="input")
                )
    if issues:
        raise InputError(issues)
    return values


def _foreign_uri(value: str, namespace_root: str) -> str | None:
    """Why a text FILE value cannot be used (None: it is a storage URI of this namespace)."""
    parsed = urlparse(value.strip())
    if parsed.scheme not in SCHEMES:
        return "expected an uploaded file or an internal storage URI (lanner:///…)"
    key = unquote(parsed.path).lstrip("/")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts) or not key.startswith(namespace_root):
        return "the file must belong to the flow's namespace in internal storage"
    return None
