"""Flow YAML in and out of the API: request bodies, multi-document splitting, Kestra's flow JSON.

A body may hold several flows separated by ``---`` lines. Each document keeps its place in the
body: it is validated padded with the blank lines before it, so every error's line and column
point into the text the client sent; the flow itself is stored without them.
"""

from __future__ import annotations

import asyncio
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

from lanner.errors import FlowValidationError, Issue
from lanner.flows import parse_flow
from lanner.flows.source import load_yaml
from lanner.models.flow import Flow
from lanner.models.registry import Registry
from lanner.storage.ports import StoredFlow

__all__ = [
    "YAML_BODY",
    "YAML_MEDIA_TYPES",
    "YamlDocument",
    "decode_text",
    "flow_json",
    "media_type",
    "mismatch_issue",
    "parse_document",
    "split_documents",
    "yaml_body",
]

#: media types accepted for flow sources (Kestra sends application/x-yaml)
YAML_MEDIA_TYPES = frozenset({"application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml", "text/plain"})

#: OpenAPI description of a YAML request body
YAML_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/x-yaml": {"schema": {"type": "string"}}}}}

_MARKER = re.compile(r"^---(?=\s|$)")


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """One ``---``-separated document of a body: ``index`` counts documents from 0 and
    ``line`` is the body line (1-based) where its text starts."""

    index: int
    line: int
    text: str

    @property
    def padded(self) -> str:
        """The text preceded by blank lines, so positions are those of the whole body."""
        return "\n" * (self.line - 1) + self.text

    @property
    def source(self) -> str:
        """The text as stored: no leading blank lines (nor the ``---`` line), one final newline."""
        lines = self.text.splitlines(keepends=True)
        while lines and not lines[0].strip():
            lines.pop(0)
        return "".join(lines).rstrip() + "\n"

    @property
    def blank(self) -> bool:
        return all(not line.strip() or line.lstrip().startswith("#") for line in self.text.splitlines())


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def yaml_body(request: Request) -> str:
    """The request body as YAML text; 415 for another content type, 422 for non-UTF-8 bytes."""
    media = media_type(request)
    if media and media not in YAML_MEDIA_TYPES:
        raise HTTPException(
            415,
            detail=f"expected a YAML body with Content-Type: application/x-yaml, got {media!r}",
        )
    return decode_text(await request.body(), "the body")


def decode_text(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        issue = Issue(f"{what} is not UTF-8 text", line=line, column=column, hint="save the file as UTF-8", kind="syntax")
        raise FlowValidationError([issue]) from None


def split_documents(body: str) -> list[YamlDocument]:
    """The documents of ``body``, split at lines starting with ``---``; blank ones are kept
    (callers decide whether an empty document is an error)."""
    documents: list[YamlDocument] = []
    start = 1
    lines: list[str] = []
    for number, line in enumerate(body.splitlines(keepends=True), start=1):
        if _MARKER.match(line):
            if lines:
                documents.append(YamlDocument(len(documents), start, "".join(lines)))
            # the marker is blanked, not dropped: what follows it on the line keeps its column
            start, lines = number, ["   " + line[3:]]
        else:
            lines.append(line)
    documents.append(YamlDocument(len(documents), start, "".join(lines)))
    return documents


async def parse_document(document: YamlDocument, registry: Registry, filename: str | None = None) -> Flow:
    """The flow of one document (off the event loop); ``FlowValidationError`` with body positions."""
    return await asyncio.to_thread(parse_flow, document.padded, filename=filename, registry=registry)


def mismatch_issue(document: YamlDocument, key: str, found: str, expected: str, where: str) -> Issue:
    """``id`` or ``namespace`` of a flow differs from the one in the URL."""
    mark = load_yaml(document.padded).positions.value((key,))
    return Issue(
        f"the flow's {key} is {found!r} but {where} says {expected!r}",
        path=key,
        line=mark.line if mark else None,
        column=mark.column if mark else None,
        hint=f"set `{key}: {expected}` or send it to the matching URL",
    )


def flow_json(stored: StoredFlow, *, source: bool = False) -> dict[str, Any]:
    """The flow as Kestra's API shows it: the properties as written, ``labels`` as a list of
    ``{key, value}``, plus ``revision``, ``deleted``, ``updated`` and (``source``) the YAML."""
    result: dict[str, Any] = {"id": stored.id, "namespace": stored.namespace, "revision": stored.revision}
    result.update({key: value for key, value in _properties(stored.source).items() if key not in result})
    result["revision"] = stored.revision
    result.setdefault("disabled", False)
    result["deleted"] = stored.deleted
    if stored.updated is not None:
        result["updated"] = stored.updated.isoformat().replace("+00:00", "Z")
    if source:
        result["source"] = stored.source
    return result


@functools.lru_cache(maxsize=256)
def _properties(source: str) -> Mapping[str, Any]:
    """The JSON properties of a flow source. A revision's source never changes and parsing a
    large flow takes a good part of a second, so the answer is kept per source text (shared:
    callers copy before changing anything)."""
    data = load_yaml(source).data
    properties = dict(data) if isinstance(data, Mapping) else {}
    labels = properties.get("labels")
    if isinstance(labels, Mapping):
        properties["labels"] = [{"key": str(k), "value": v} for k, v in labels.items()]
    return {key: _json_safe(value) for key, value in properties.items()}


def _json_safe(value: Any) -> Any:
    """JSON has no NaN or infinity: such YAML floats are shown as YAML writes them."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value
