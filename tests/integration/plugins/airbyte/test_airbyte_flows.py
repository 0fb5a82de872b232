"""Airbyte tasks in flows run by the real engine (both backends), against the local Airbyte."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lanner.models.state import State

from ...harness import Harness
from .airbyte_mock import AirbyteMock, failure_script, success_script

CONN = "e3b1ce92-547c-436f-b1e8-23b6936c12cd"
PASSWORD = "airbyte-pw-7f3a"


@pytest.fixture
def airbyte(monkeypatch: pytest.MonkeyPatch) -> Iterator[AirbyteMock]:
    monkeypatch.setenv("LANNER_SECRET_AIRBYTE_PASSWORD", PASSWORD)
    mock = AirbyteMock(
        auth=("basic", "airbyte", PASSWORD), scripts={CONN: success_script(), "broken": failure_script("config_error")}
    )
    with mock.server.serve():
        yield mock


def flow(url: str, connection: str) -> str:
    return f"""
id: ingest
namespace: company.team
tasks:
  - id: sync
    type: io.kestra.plugin.airbyte.connections.Sync
    url: {url}
    connectionId: {connection}
    username: airbyte
    password: "{{{{ secret('AIRBYTE_PASSWORD') }}}}"
    pollFrequency: PT0.05S
    retry:
      type: constant
      interval: PT0.05S
      maxAttempts: 3
  - id: report
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ outputs.sync.jobId }}}}:{{{{ outputs.sync.status }}}}:{{{{ outputs.sync.recordsSynced }}}}"
"""


async def test_a_sync_is_retried_after_a_server_error_and_its_logs_reach_the_execution(
    airbyte: AirbyteMock, harness: Harness
) -> None:
    airbyte.sync_errors.append(503)

    result = await harness.run(flow(airbyte.server.url, CONN))

    assert result.state == State.SUCCESS, result.states()
    run = result.run("sync")
    assert [a.state for a in run.attempts] == [State.FAILED, State.SUCCESS]
    assert result.outputs("report")["value"] == "100:SUCCEEDED:120"
    logs = await result.logs("sync")
    assert any("HTTP 503" in line for line in logs)
    relayed = [line for line in logs if "ReplicationWorker" in line]
    assert len(relayed) == 5 and relayed[0].startswith("INFO 2024-05-01 10:00:00")
    assert "WARN 2024-05-01 10:00:09 WARN i.a.w.Sync - slow destination" in logs
    assert not any(PASSWORD in line for line in await result.logs())


async def test_a_failed_job_fails_the_task_with_airbyte_s_reason_and_no_retry(airbyte: AirbyteMock, harness: Harness) -> None:
    result = await harness.run(flow(airbyte.server.url, "broken"))

    assert result.state == State.FAILED
    run = result.run("sync")
    assert len(run.attempts) == 1  # a configuration error is not retried
    logs = await result.logs("sync")
    assert any("Airbyte job 100 failed: Connection refused by source database" in line for line in logs), logs
    assert "ERROR 2024-05-01 10:00:01 ERROR source failed" in logs
