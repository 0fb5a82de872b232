"""The KV store of a namespace: ``/api/v1/namespaces/{namespace}/kv/…`` (Kestra's paths and shapes).

- ``GET  …/kv``: the live keys, ``[{key, description, creationDate, updateDate, expirationDate}]``;
- ``GET  …/kv/{key}``: ``{"type": "STRING"|"NUMBER"|…, "value": …}``, 404 when absent or expired;
- ``PUT  …/kv/{key}``: the body is the value, typed as Kestra types it (JSON, else an ISO
  date-time, date or duration, else text); headers (or query parameters) ``ttl`` (ISO-8601
  duration) and ``description``;
- ``DELETE …/kv/{key}``: ``true`` when a live entry was deleted, else ``false``;
- ``DELETE …/kv`` with ``{"keys": [...]}``: the keys deleted.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from lanner.api.deps import engine_of
from lanner.models.execution import utcnow
from lanner.models.flow import NAMESPACE_PATTERN
from lanner.models.kv_values import KV_KEY_PATTERN, TypedValue, decode, encode, is_valid_key, parse_text
from lanner.storage.ports import KVEntry

router = APIRouter(tags=["KV"])

_NAMESPACE = re.compile(NAMESPACE_PATTERN)
_DURATION: TypeAdapter[timedelta] = TypeAdapter(timedelta)
MAX_VALUE_BYTES = 1024 * 1024


class BulkDelete(BaseModel):
    keys: list[str] = Field(default_factory=list, description="Keys to delete.")


def _namespace(namespace: str) -> str:
    if not _NAMESPACE.match(namespace):
        raise HTTPException(422, f"{namespace!r} is not a valid namespace (lower-case letters, digits, `.`, `_`, `-`)")
    return namespace


def _key(key: str) -> str:
    if not is_valid_key(key):
        raise HTTPException(
            422,
            f"invalid key {key!r}: a key starts with a letter or digit and has only letters, digits, "
            f"`.`, `_` and `-` ({KV_KEY_PATTERN})",
        )
    return key


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def _ttl(text: str | None) -> datetime | None:
    if text is None or not text.strip():
        return None
    try:
        ttl = _DURATION.validate_python(text.strip())
    except ValidationError:
        raise HTTPException(422, f"ttl {text!r} is not an ISO-8601 duration (like PT1H or P7D)") from None
    if ttl <= timedelta(0):
        raise HTTPException(422, f"ttl {text!r} must be a positive duration")
    return utcnow() + ttl


@router.get("/namespaces/{namespace}/kv", summary="List the live keys of a namespace")
async def list_keys(request: Request, namespace: str) -> list[dict[str, Any]]:
    entries = await engine_of(request).store.kv_list(_namespace(namespace))
    out = []
    for entry in entries:
        typed = decode(entry.value)
        out.append(
            {
                "key": entry.key,
                "description": typed.description,
                "creationDate": _iso(entry.updated),
                "updateDate": _iso(entry.updated),
                "expirationDate": _iso(entry.expires_at),
            }
        )
    return out


@router.get("/namespaces/{namespace}/kv/{key}", summary="The typed value of a key")
async def get_value(request: Request, namespace: str, key: str) -> dict[str, Any]:
    entry = await engine_of(request).store.kv_get(_namespace(namespace), key)
    if entry is None:
        raise HTTPException(404, f"no value for key {key!r} in namespace {namespace!r}")
    typed = decode(entry.value)
    return {"type": typed.type, "value": typed.value}


@router.put("/namespaces/{namespace}/kv/{key}", summary="Set the value of a key")
async def set_value(
    request: Request,
    namespace: str,
    key: str,
    ttl_header: str | None = Header(default=None, alias="ttl", description="Time to live (ISO-8601 duration)."),
    description_header: str | None = Header(default=None, alias="description", description="Description of the entry."),
    ttl: str | None = Query(default=None, description="Time to live (ISO-8601 duration), instead of the header."),
    description: str | None = Query(default=None, description="Description, instead of the header."),
) -> Response:
    _namespace(namespace)
    _key(key)
    body = await request.body()
    if len(body) > MAX_VALUE_BYTES:
        raise HTTPException(413, f"the value is larger than {MAX_VALUE_BYTES} bytes")
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise HTTPException(422, "the value must be UTF-8 text (JSON, a date, a duration or plain text)") from None
    if not text.strip():
        raise HTTPException(422, "the request body is the value to store; it is empty")
    expires = _ttl(ttl_header if ttl_header is not None else ttl)
    parsed = parse_text(text)
    note = description_header if description_header is not None else description
    value = encode(TypedValue(parsed.type, parsed.value, note or None))
    await engine_of(request).store.kv_set(KVEntry(namespace, key, value, expires_at=expires, updated=utcnow()))
    return Response(status_code=200)


@router.delete("/namespaces/{namespace}/kv/{key}", summary="Delete a key")
async def delete_value(request: Request, namespace: str, key: str) -> bool:
    return await engine_of(request).store.kv_delete(_namespace(namespace), key)


@router.delete("/namespaces/{namespace}/kv", summary="Delete several keys")
async def delete_values(request: Request, namespace: str, body: BulkDelete) -> dict[str, list[str]]:
    store = engine_of(request).store
    _namespace(namespace)
    deleted = [key for key in body.keys if await store.kv_delete(namespace, key)]
    return {"keys": deleted}
