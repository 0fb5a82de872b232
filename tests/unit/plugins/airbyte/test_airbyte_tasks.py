"""Airbyte tasks against a local server following Airbyte's API contract (scripted job progress)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lanner.errors import TaskFailure
from lanner.plugins.airbyte.cloud import CloudReset, CloudSync
from lanner.plugins.airbyte.connections import CheckStatus, Reset, Sync
from tests.integration.plugins.airbyte.airbyte_mock import AirbyteMock, Attempt, CloudStep, Step, failure_script, success_script
from tests.unit.tasks.fake_context import FakeRunContext

CONN = "e3b1ce92-547c-436f-b1e8-23b6936c12cd"
FAST = {"pollFrequency": "PT0.02S", "maxDuration": "PT10S"}


@pytest.fixture
def airbyte() -> Iterator[AirbyteMock]:
    mock = AirbyteMock(scripts={CONN: success_script()})
    with mock.server.serve():
        yield mock


@pytest.fixture
def ctx(tmp_path: Path) -> FakeRunContext:
    return FakeRunContext(tmp_path)


def sync(mock: AirbyteMock, **props: Any) -> Sync:
    values = {
        "id": "sync",
        "type": "io.kestra.plugin.airbyte.connections.Sync",
        "url": mock.server.url,
        "connectionId": CONN,
        "username": "airbyte",
        "password": "s3cret-pw",
        **FAST,
        **props,
    }
    return Sync.model_validate(values)


async def test_sync_waits_relays_each_log_line_once_and_outputs_counts(airbyte: AirbyteMock, ctx: FakeRunContext) -> None:
    outputs = await sync(airbyte).run(ctx)

    assert outputs == {
        "jobId": 100,
        "status": "SUCCEEDED",
        "jobType": "sync",
        "attempts": 1,
        "recordsSynced": 120,
        "bytesSynced": 4096,
        "alreadyRunning": False,
    }
    relayed = [m for m in ctx.logger.messages() if "ReplicationWorker" in m or "slow destination" in m]
    assert relayed == [
        *(f"2024-05-01 10:00:0{i} INFO i.a.w.g.ReplicationWorker(run):{i} - read {i * 10} records" for i in range(5)),
        "2024-05-01 10:00:09 WARN i.a.w.Sync - slow destination",
    ]
    assert ("WARN", "2024-05-01 10:00:09 WARN i.a.w.Sync - slow destination") in ctx.logger.records
    assert ("rows_synced", 120, "counter", {}) in ctx.metrics and ("bytes_synced", 4096, "counter", {}) in ctx.metrics
    assert "s3cret-pw" in ctx.masked
    assert airbyte.server.calls[0].json == {"connectionId": CONN}


async def test_logs_left_out_of_jobs_get_are_read_per_attempt_as_events(ctx: FakeRunContext) -> None:
    mock = AirbyteMock(scripts={CONN: failure_script()}, logs_in_jobs_get=False)
    with mock.server.serve(), pytest.raises(TaskFailure) as failed:
        await sync(mock).run(ctx)

    assert "Connection refused by source database" in str(failed.value)
    assert "failureOrigin source, failureType system_error" in str(failed.value)
    assert failed.value.retryable
    relayed = [(level, m) for level, m in ctx.logger.records if m.startswith("attempt") or "source failed" in m]
    assert relayed == [
        ("INFO", "attempt 0 started"),
        ("ERROR", "2024-05-01 10:00:01 ERROR source failed"),
        ("INFO", "attempt 1 started"),
        ("INFO", "attempt 1 gave up"),
    ]
    assert "/api/v1/attempt/get_for_job" in mock.server.paths()


async def test_a_configuration_error_is_not_retried(ctx: FakeRunContext) -> None:
    mock = AirbyteMock(scripts={CONN: failure_script("config_error")})
    with mock.server.serve(), pytest.raises(TaskFailure) as failed:
        await sync(mock).run(ctx)
    assert "Airbyte job 100 failed: Connection refused" in str(failed.value)
    assert not failed.value.retryable


async def test_without_wait_the_job_is_only_started(airbyte: AirbyteMock, ctx: FakeRunContext) -> None:
    outputs = await sync(airbyte, wait=False).run(ctx)
    assert outputs == {"jobId": 100, "alreadyRunning": False, "status": "PENDING"}
    assert "/api/v1/jobs/get" not in airbyte.server.paths()


async def test_an_active_sync_fails_unless_accepted(airbyte: AirbyteMock, ctx: FakeRunContext) -> None:
    airbyte.busy.add(CONN)
    with pytest.raises(TaskFailure, match=r"already running.*failOnActiveSync: false"):
        await sync(airbyte).run(ctx)
    assert await sync(airbyte, failOnActiveSync="{{ false }}").run(ctx) == {"jobId": None, "alreadyRunning": True}


async def test_wrong_credentials_fail_without_retry(airbyte: AirbyteMock, ctx: FakeRunContext) -> None:
    with pytest.raises(TaskFailure) as failed:
        await sync(airbyte, password="wrong").run(ctx)
    assert "HTTP 401" in str(failed.value) and "check the credentials" in str(failed.value)
    assert not failed.value.retryable


async def test_an_unknown_connection_says_what_airbyte_answered(airbyte: AirbyteMock, ctx: FakeRunContext) -> None:
    with pytest.raises(TaskFailure, match=r"HTTP 404.*Could not find configuration") as failed:
        await sync(airbyte, connectionId="nope").run(ctx)
    assert not failed.value.retryable


async def test_a_server_error_is_retryable(airbyte: AirbyteMock, ctx: FakeRunContext) -> None:
    airbyte.sync_errors.append(503)
    with pytest.raises(TaskFailure, match="HTTP 503") as failed:
        await sync(airbyte).run(ctx)
    assert failed.value.retryable


async def test_token_and_application_credentials(ctx: FakeRunContext) -> None:
    mock = AirbyteMock(auth=("token", "tok-123"), scripts={CONN: success_script()})
    with mock.server.serve():
        outputs = await sync(mock, username=None, password=None, token="tok-123").run(ctx)
    assert outputs["status"] == "SUCCEEDED"
    mock = AirbyteMock(auth=("app", "client", "app-secret"), scripts={CONN: success_script()})
    with mock.server.serve():
        app = {"clientId": "client", "clientSecret": "app-secret"}
        outputs = await sync(mock, username=None, password=None, applicationCredentials=app).run(ctx)
    assert outputs["status"] == "SUCCEEDED"
    assert mock.server.paths()[0] == "/api/v1/applications/token"
    assert {"app-secret", "issued-app-token"} <= set(ctx.masked)


async def test_a_job_running_past_max_duration_fails(ctx: FakeRunContext) -> None:
    mock = AirbyteMock(scripts={CONN: [Step("running", [Attempt("running", ["still going"])])]})
    with mock.server.serve(), pytest.raises(TaskFailure, match=r"Airbyte job 100 did not end within PT0.2S \(`maxDuration`\)"):
        await sync(mock, maxDuration="PT0.2S").run(ctx)
    assert ctx.logger.messages().count("still going") == 1


async def test_check_status_follows_an_existing_job(airbyte: AirbyteMock, ctx: FakeRunContext) -> None:
    started = await sync(airbyte, wait=False).run(ctx)
    check = CheckStatus.model_validate(
        {
            "id": "check",
            "type": "io.kestra.plugin.airbyte.connections.CheckStatus",
            "url": airbyte.server.url,
            "username": "airbyte",
            "password": "s3cret-pw",
            "jobId": str(started["jobId"]),
            **FAST,
        }
    )
    outputs = await check.run(ctx)
    assert outputs["finalJobStatus"] == "SUCCEEDED" and outputs["recordsSynced"] == 120


async def test_reset_streams_and_wait(airbyte: AirbyteMock, ctx: FakeRunContext) -> None:
    reset = Reset.model_validate(
        {
            "id": "reset",
            "type": "io.kestra.plugin.airbyte.connections.Reset",
            "url": airbyte.server.url,
            "username": "airbyte",
            "password": "s3cret-pw",
            "connectionId": CONN,
            "wait": True,
            "streams": [{"streamName": "customers", "streamNamespace": "public"}],
            **FAST,
        }
    )
    outputs = await reset.run(ctx)
    assert outputs["status"] == "SUCCEEDED"
    body = next(c.json for c in airbyte.server.calls if c.path == "/api/v1/connections/reset/stream")
    assert body == {"connectionId": CONN, "streams": [{"streamName": "customers", "streamNamespace": "public"}]}


def cloud(mock: AirbyteMock, cls: type[CloudSync] = CloudSync, **props: Any) -> CloudSync:
    kind = "Sync" if cls is CloudSync else "Reset"
    return cls.model_validate(
        {
            "id": "c",
            "type": f"io.kestra.plugin.airbyte.cloud.jobs.{kind}",
            "url": mock.server.url + "/v1",
            "connectionId": CONN,
            "token": "cloud-token",
            **FAST,
            **props,
        }
    )


async def test_cloud_sync_follows_the_job_through_the_public_api(ctx: FakeRunContext) -> None:
    steps = [CloudStep("running", 10, 100), CloudStep("running", 10, 100), CloudStep("succeeded", 30, 900)]
    mock = AirbyteMock(auth=("token", "cloud-token"), cloud_scripts={CONN: steps})
    with mock.server.serve():
        outputs = await cloud(mock).run(ctx)
    assert outputs["jobId"] == 100 and outputs["status"] == "SUCCEEDED"
    assert outputs["job"]["rowsSynced"] == 30 and outputs["job"]["bytesSynced"] == 900 and outputs["job"]["jobType"] == "SYNC"
    progress = [m for m in ctx.logger.messages() if m.startswith("Airbyte Cloud job 100 is")]
    assert progress == [
        "Airbyte Cloud job 100 is running: 10 rows, 100 bytes synced",
        "Airbyte Cloud job 100 is succeeded: 30 rows, 900 bytes synced",
    ]
    assert mock.server.calls[0].json == {"connectionId": CONN, "jobType": "sync"}


async def test_cloud_reset_failure_and_client_credentials(ctx: FakeRunContext) -> None:
    mock = AirbyteMock(auth=("app", "cid", "csecret"), cloud_scripts={CONN: [CloudStep("running"), CloudStep("failed", 5)]})
    with mock.server.serve(), pytest.raises(TaskFailure, match="Airbyte Cloud job 100 failed after 5 rows"):
        await cloud(
            mock,
            CloudReset,
            token=None,
            clientId="cid",
            clientSecret="csecret",
            tokenURL=mock.server.url + "/v1/applications/token",
        ).run(ctx)
    assert mock.server.calls[1].json == {"connectionId": CONN, "jobType": "reset"}
