"""KV Set, Get and Delete against the in-memory KV store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from lanner.errors import TaskFailure
from lanner.tasks.core.kv import KVDelete, KVGet, KVSet

from .fake_context import FakeRunContext


@pytest.fixture
def ctx(tmp_path: Path) -> FakeRunContext:
    return FakeRunContext(tmp_path, variables={"inputs": {"day": "2024-05-01", "count": "42"}})


def kv_set(**props: Any) -> KVSet:
    return KVSet.model_validate({"id": "set", "type": "io.kestra.plugin.core.kv.Set", **props})


def kv_get(**props: Any) -> KVGet:
    return KVGet.model_validate({"id": "get", "type": "io.kestra.plugin.core.kv.Get", **props})


def kv_delete(**props: Any) -> KVDelete:
    return KVDelete.model_validate({"id": "del", "type": "io.kestra.plugin.core.kv.Delete", **props})


async def test_set_then_get_in_the_flow_namespace(ctx: FakeRunContext) -> None:
    await kv_set(key="last_{{ 'day' }}", value="{{ inputs.day }}").run(ctx)

    assert await ctx.kv.get("last_day", "company.team") == "2024-05-01"
    assert await kv_get(key="last_day").run(ctx) == {"value": "2024-05-01"}


async def test_namespace_can_be_chosen(ctx: FakeRunContext) -> None:
    await kv_set(key="k", value="v", namespace="other.ns").run(ctx)

    assert await kv_get(key="k").run(ctx) == {"value": None}
    assert await kv_get(key="k", namespace="other.ns").run(ctx) == {"value": "v"}


@pytest.mark.parametrize(
    ("kv_type", "value", "stored"),
    [
        ("NUMBER", "{{ inputs.count }}", 42),
        ("NUMBER", "3.5", 3.5),
        ("BOOLEAN", "True", True),
        ("JSON", '{"a": [1, 2]}', {"a": [1, 2]}),
        ("DATE", "{{ inputs.day }}", "2024-05-01"),
        ("DATETIME", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00+00:00"),
        ("DURATION", "PT5M", "PT5M"),
        ("STRING", "42", "42"),
    ],
)
async def test_kv_type_converts_the_value(ctx: FakeRunContext, kv_type: str, value: str, stored: object) -> None:
    await kv_set(key="k", value=value, kvType=kv_type).run(ctx)

    assert await ctx.kv.get("k") == stored


async def test_invalid_typed_value_fails(ctx: FakeRunContext) -> None:
    with pytest.raises(TaskFailure, match="is not a valid NUMBER"):
        await kv_set(key="k", value="forty", kvType="NUMBER").run(ctx)


async def test_structured_value_is_stored_as_is(ctx: FakeRunContext) -> None:
    await kv_set(key="k", value={"day": "{{ inputs.day }}", "n": 1}).run(ctx)

    assert await ctx.kv.get("k") == {"day": "2024-05-01", "n": 1}


async def test_overwrite_false_refuses_an_existing_key(ctx: FakeRunContext) -> None:
    await kv_set(key="k", value="first").run(ctx)

    with pytest.raises(TaskFailure, match="already has a value"):
        await kv_set(key="k", value="second", overwrite=False).run(ctx)
    assert await ctx.kv.get("k") == "first"


async def test_ttl_expires_the_value(ctx: FakeRunContext) -> None:
    await kv_set(key="k", value="v", ttl="PT0S").run(ctx)

    assert await kv_get(key="k").run(ctx) == {"value": None}


async def test_get_error_on_missing(ctx: FakeRunContext) -> None:
    with pytest.raises(TaskFailure, match=re.escape("no value for key 'nope' in namespace 'company.team'")):
        await kv_get(key="nope", errorOnMissing=True).run(ctx)


async def test_delete_reports_whether_the_key_existed(ctx: FakeRunContext) -> None:
    await kv_set(key="k", value="v").run(ctx)

    assert await kv_delete(key="k").run(ctx) == {"deleted": True}
    assert await kv_delete(key="k").run(ctx) == {"deleted": False}
    with pytest.raises(TaskFailure, match="errorOnMissing"):
        await kv_delete(key="k", errorOnMissing=True).run(ctx)
