"""Key-value store tasks: set, get and delete a value of a namespace's KV store."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from lanner.errors import ConflictError, TaskFailure
from lanner.tasks.base import Output, RunnableTask
from lanner.tasks.context import RunContext
from lanner.tasks.core._duration import parse_duration

__all__ = ["KVDelete", "KVGet", "KVSet"]

KVType = Literal["STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON"]

_NAMESPACE_DESCRIPTION = "Namespace of the KV store; the flow's namespace when unset."


class _KVTask(RunnableTask):
    key: str = Field(description="The key; expressions are rendered.", examples=["last_run_date"])
    namespace: str | None = Field(default=None, description=_NAMESPACE_DESCRIPTION, examples=["company.team"])

    async def _target(self, ctx: RunContext) -> tuple[str, str]:
        key = str(await ctx.render(self.key)).strip()
        if not key:
            raise TaskFailure("`key` rendered to an empty value", retryable=False)
        namespace = str(await ctx.render(self.namespace)).strip() if self.namespace else ctx.namespace
        return key, namespace


class KVSet(_KVTask):
    """Store a value under a key in a namespace's KV store, for later executions and flows.

    Read it back with the KV Get task or the `kv('key')` expression function.
    """

    type: Literal["lanner.core.kv.Set", "io.kestra.plugin.core.kv.Set"]
    value: Any = Field(
        description="The value; expressions are rendered. Converted according to `kvType` when set.",
        examples=["{{ outputs.download.uri }}", {"rows": 42}],
    )
    overwrite: bool = Field(default=True, description="When false, fail if the key already has a value.")
    ttl: str | None = Field(
        default=None,
        description="Time to live (ISO-8601 duration); the value never expires when unset.",
        examples=["P7D"],
    )
    kvType: KVType | None = Field(
        default=None,
        description="Type to store a text value as; unset, the rendered value is stored as is.",
        examples=["NUMBER"],
    )
    kvDescription: str | None = Field(default=None, description="Description of the entry.")

    async def run(self, ctx: RunContext) -> Output | None:
        key, namespace = await self._target(ctx)
        value = _convert(await ctx.render(self.value), self.kvType)
        ttl = parse_duration(await ctx.render(self.ttl), "ttl").total_seconds() if self.ttl else None
        if not self.overwrite and await ctx.kv.get(key, namespace) is not None:
            raise TaskFailure(
                f"key {key!r} already has a value in namespace {namespace!r} and `overwrite` is false",
                retryable=False,
            )
        try:
            await ctx.kv.set(key, value, namespace, ttl_seconds=ttl, overwrite=self.overwrite)
        except ConflictError as exc:
            raise TaskFailure(f"cannot set key {key!r} in namespace {namespace!r}: {exc}", retryable=False) from exc
        return None


def _convert(value: Any, kind: KVType | None) -> Any:
    if kind is None or not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if kind == "NUMBER":
            number = json.loads(text)
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise ValueError(text)
            return number
        if kind == "BOOLEAN":
            return text.lower() == "true"
        if kind == "DATETIME":
            return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
        if kind == "DATE":
            return date.fromisoformat(text[:10]).isoformat()
        if kind == "DURATION":
            parse_duration(text, "value")
            return text
        if kind == "JSON":
            return json.loads(text)
    except ValueError as exc:
        raise TaskFailure(f"`value` {value[:200]!r} is not a valid {kind}", retryable=False) from exc
    return value


class KVGet(_KVTask):
    """Read the value of a key from a namespace's KV store, as the `value` output."""

    type: Literal["lanner.core.kv.Get", "io.kestra.plugin.core.kv.Get"]
    errorOnMissing: bool = Field(default=False, description="Fail when the key has no value; otherwise `value` is null.")

    async def run(self, ctx: RunContext) -> Output:
        key, namespace = await self._target(ctx)
        value = await ctx.kv.get(key, namespace)
        if value is None and self.errorOnMissing:
            raise TaskFailure(f"no value for key {key!r} in namespace {namespace!r} and `errorOnMissing` is true")
        return {"value": value}


class KVDelete(_KVTask):
    """Delete a key from a namespace's KV store; the `deleted` output says whether it existed."""

    type: Literal["lanner.core.kv.Delete", "io.kestra.plugin.core.kv.Delete"]
    errorOnMissing: bool = Field(default=False, description="Fail when the key has no value.")

    async def run(self, ctx: RunContext) -> Output:
        key, namespace = await self._target(ctx)
        deleted = await ctx.kv.delete(key, namespace)
        if not deleted and self.errorOnMissing:
            raise TaskFailure(f"no value for key {key!r} in namespace {namespace!r} and `errorOnMissing` is true")
        return {"deleted": deleted}
