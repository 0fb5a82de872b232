"""Hightouch Sync against a local server following Hightouch's REST API v1 contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from lanner.errors import TaskFailure
from lanner.plugins.hightouch.sync import Sync
from tests.integration.plugins.hightouch.hightouch_mock import HightouchMock, RunStep, rows
from tests.unit.tasks.fake_context import FakeRunContext

PROGRESS = [RunStep("querying", 0.1), RunStep("processing", 0.5, 40), RunStep("processing", 0.5, 40), RunStep("success", 1.0, 90)]


@pytest.fixture
def hightouch() -> Iterator[HightouchMock]:
    mock = HightouchMock(
        syncs={
            "1127166": ("orders-to-crm", PROGRESS),
            "7": (
                "bad",
                [RunStep("processing", 0.2), RunStep("failed", 0.2, 3, 0, "Destination rejected: invalid field `email`")],
            ),
            "8": ("partial", [RunStep("warning", 1.0, 10, 2, "2 rows rejected")]),
        }
    )
    with mock.server.serve():
        yield mock


@pytest.fixture
def ctx(tmp_path: Path) -> FakeRunContext:
    return FakeRunContext(tmp_path)


def task(mock: HightouchMock, **props: Any) -> Sync:
    values = {
        "id": "ht",
        "type": "io.kestra.plugin.hightouch.Sync",
        "token": "ht-token-1",
        "url": mock.server.url,
        "pollFrequency": "PT0.02S",
        **props,
    }
    if "syncSlug" not in values:
        values.setdefault("syncId", 1127166)
    return Sync.model_validate(values)


def test_exactly_one_of_sync_id_and_slug() -> None:
    base = {"id": "ht", "type": "io.kestra.plugin.hightouch.Sync", "token": "t"}
    with pytest.raises(ValidationError, match="exactly one of `syncId` and `syncSlug`"):
        Sync.model_validate(base)
    with pytest.raises(ValidationError, match="exactly one"):
        Sync.model_validate({**base, "syncId": 1, "syncSlug": "x"})


async def test_sync_waits_and_reports_rows(hightouch: HightouchMock, ctx: FakeRunContext) -> None:
    outputs = await task(hightouch, fullResynchronization=True).run(ctx)

    assert outputs["runId"] == 5000 and outputs["syncId"] == 1127166 and outputs["status"] == "SUCCESS"
    assert outputs["successfulRows"] == rows(90) and outputs["failedRows"] == rows(0)
    assert outputs["rowsChanged"] == 90 and outputs["rowsFailed"] == 0
    assert hightouch.server.calls[0].json == {"fullResync": True}
    progress = [m for m in ctx.logger.messages() if m.startswith("Hightouch run 5000 is")]
    assert progress == [
        "Hightouch run 5000 is querying (10%)",
        "Hightouch run 5000 is processing (50%)",
        "Hightouch run 5000 is success (100%)",
    ]
    assert ("rows_changed", 90, "counter", {}) in ctx.metrics
    assert ctx.masked == ["ht-token-1"]


async def test_a_slug_is_resolved_to_its_sync(hightouch: HightouchMock, ctx: FakeRunContext) -> None:
    outputs = await task(hightouch, syncSlug="orders-to-crm", wait=False).run(ctx)
    assert outputs == {"runId": 5000, "syncId": 1127166}
    assert hightouch.server.paths() == ["/api/v1/syncs", "/api/v1/syncs/1127166/trigger"]
    assert hightouch.server.calls[1].json == {"fullResync": False}


async def test_an_unknown_slug_fails_clearly(hightouch: HightouchMock, ctx: FakeRunContext) -> None:
    with pytest.raises(TaskFailure, match="Hightouch has no sync with slug 'nope'") as failed:
        await task(hightouch, syncSlug="nope").run(ctx)
    assert not failed.value.retryable


async def test_a_failed_run_fails_with_hightouch_s_error(hightouch: HightouchMock, ctx: FakeRunContext) -> None:
    with pytest.raises(
        TaskFailure,
        match=r"Hightouch run 5000 of sync 7 failed: Destination rejected: invalid field `email` \(3 rows synced, 0 rejected\)",
    ):
        await task(hightouch, syncId="7").run(ctx)


async def test_a_warning_run_ends_the_task_in_warning(hightouch: HightouchMock, ctx: FakeRunContext) -> None:
    outputs = await task(hightouch, syncId="{{ 4 + 4 }}").run(ctx)
    assert outputs["status"] == "WARNING" and outputs["rowsFailed"] == 2
    assert ctx.warnings == ["Hightouch run 5000 ended with warnings: 2 rows rejected"]


async def test_bad_token_unknown_sync_and_server_errors(hightouch: HightouchMock, ctx: FakeRunContext) -> None:
    with pytest.raises(TaskFailure, match=r"HTTP 401.*invalid API key.*check the credentials") as failed:
        await task(hightouch, token="wrong").run(ctx)
    assert not failed.value.retryable
    with pytest.raises(TaskFailure, match=r"HTTP 404.*Sync 99 not found"):
        await task(hightouch, syncId=99).run(ctx)
    hightouch.trigger_errors.append(502)
    with pytest.raises(TaskFailure, match="HTTP 502") as failed:
        await task(hightouch).run(ctx)
    assert failed.value.retryable


async def test_max_duration(hightouch: HightouchMock, ctx: FakeRunContext) -> None:
    hightouch.syncs["9"] = ("slow", [RunStep("processing", 0.3)])
    with pytest.raises(TaskFailure, match=r"Hightouch run 5000 of sync 9 did not end within PT0.15S"):
        await task(hightouch, syncId=9, maxDuration="PT0.15S").run(ctx)
