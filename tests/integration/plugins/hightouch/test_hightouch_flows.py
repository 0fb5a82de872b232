"""Hightouch Sync in flows run by the real engine (both backends), against the local Hightouch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lanner.models.state import State

from ...harness import Harness
from .hightouch_mock import HightouchMock, RunStep

TOKEN = "ht-secret-token-91"


@pytest.fixture
def hightouch(monkeypatch: pytest.MonkeyPatch) -> Iterator[HightouchMock]:
    monkeypatch.setenv("LANNER_SECRET_HIGHTOUCH_API_TOKEN", TOKEN)
    script = [RunStep("querying", 0.1), RunStep("processing", 0.6, 12), RunStep("success", 1.0, 20)]
    mock = HightouchMock(
        token=TOKEN, syncs={"42": ("crm", script), "43": ("partial", [RunStep("warning", 1.0, 5, 1, "1 row rejected")])}
    )
    with mock.server.serve():
        yield mock


def flow(url: str, sync_id: int) -> str:
    return f"""
id: activate
namespace: company.team
tasks:
  - id: sync
    type: io.kestra.plugin.hightouch.Sync
    url: {url}
    token: "{{{{ secret('HIGHTOUCH_API_TOKEN') }}}}"
    syncId: {sync_id}
    pollFrequency: PT0.05S
    retry: {{type: constant, interval: PT0.05S, maxAttempts: 2}}
"""


async def test_a_run_is_retried_after_a_server_error_and_reports_rows(hightouch: HightouchMock, harness: Harness) -> None:
    hightouch.trigger_errors.append(503)
    result = await harness.run(flow(hightouch.server.url, 42))

    assert result.state == State.SUCCESS, result.states()
    assert len(result.run("sync").attempts) == 2
    outputs = result.outputs("sync")
    assert outputs["status"] == "SUCCESS" and outputs["rowsChanged"] == 20 and outputs["runId"] == 5000
    logs = await result.logs("sync")
    assert "INFO Hightouch run 5000 is processing (60%)" in logs
    assert not any(TOKEN in line for line in logs)


async def test_rejected_rows_end_the_execution_in_warning(hightouch: HightouchMock, harness: Harness) -> None:
    result = await harness.run(flow(hightouch.server.url, 43))
    assert result.state == State.WARNING
    assert "WARN Hightouch run 5000 ended with warnings: 1 row rejected" in await result.logs("sync")
