"""``POST /api/v1/executions/statistics/daily``: real executions counted per hour or day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from .conftest import LiveServer

OK = "id: ok\nnamespace: company.team\ntasks:\n  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
KO = "id: ko\nnamespace: company.team\ntasks:\n  - id: fail\n    type: io.kestra.plugin.core.execution.Fail\n"
URL = "/api/v1/executions/statistics/daily"


async def test_counts_real_executions_per_bucket(server: LiveServer, client: httpx.AsyncClient) -> None:
    engine = server.engine
    await engine.deploy(OK)
    await engine.deploy(KO)
    for flow_id in ("ok", "ok", "ko"):
        ran = await engine.submit("company.team", flow_id, {})
        await engine.wait(ran.id, timeout=30)

    now = datetime.now(UTC)
    hourly = await client.post(URL, json={"startDate": (now - timedelta(hours=5)).isoformat(), "endDate": now.isoformat()})
    assert hourly.status_code == 200, hourly.text
    buckets = hourly.json()
    assert len(buckets) == 6 and {b["groupBy"] for b in buckets} == {"hour"}  # empty hours answered too
    assert datetime.fromisoformat(buckets[-1]["startDate"]) == now.replace(minute=0, second=0, microsecond=0)

    def total(state: str) -> int:
        return sum(b["executionCounts"][state] for b in buckets)

    assert (total("SUCCESS"), total("FAILED"), total("KILLED")) == (2, 1, 0)
    assert sum(b["duration"]["count"] for b in buckets) == 3
    assert any(b["duration"]["max"] != "PT0S" for b in buckets)

    daily = (await client.post("/api/v1/main" + URL[7:], json={"flowId": "ko", "namespace": "company"})).json()
    assert len(daily) == 31 and daily[0]["groupBy"] == "day"
    assert sum(b["executionCounts"]["FAILED"] for b in daily) == 1
    assert sum(b["executionCounts"]["SUCCESS"] for b in daily) == 0
    assert (await client.post(URL)).status_code == 200  # no body: the last 30 days


async def test_bad_ranges_are_located_errors(client: httpx.AsyncClient) -> None:
    for body, field in (
        ({"startDate": "2030-01-02T00:00:00Z", "endDate": "2030-01-01T00:00:00Z"}, "startDate"),
        ({"startDate": "2020-01-01T00:00:00Z", "endDate": "2030-01-01T00:00:00Z", "groupBy": "hour"}, "groupBy"),
        ({"groupBy": "minute"}, "groupBy"),
        ({"startDate": "yesterday"}, "startDate"),
    ):
        response = await client.post(URL, json=body)
        assert response.status_code == 422, body
        assert field in response.text, response.text
