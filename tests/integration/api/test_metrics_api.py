"""``/metrics``: Prometheus text with execution states, queues, workers and latency histograms."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from lanner.api.metrics import Metrics
from lanner.models.state import State

from .conftest import LiveServer

FLOW = "id: hello\nnamespace: company.team\ntasks:\n  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_executions_queues_and_workers(server: LiveServer, client: httpx.AsyncClient) -> None:
    await server.engine.deploy(FLOW)
    execution = await server.engine.submit("company.team", "hello")
    assert (await server.engine.wait(execution.id, timeout=30)).execution.state == State.SUCCESS

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert found[("lanner_executions", (("state", "SUCCESS"),))] == 1
    assert found[("lanner_executions", (("state", "RUNNING"),))] == 0
    assert found[("lanner_workers_live", ())] == 1
    assert found[("lanner_queue_depth", (("queue", "worker"),))] == 0
    assert ("lanner_queue_depth", (("queue", "executor"),)) in found
    assert "# TYPE lanner_task_run_duration_seconds histogram" in response.text
    assert "# TYPE lanner_webhook_latency_seconds histogram" in response.text
    assert (await client.get("/health")).json()["status"] == "UP"


async def test_metrics_are_served_at_the_root_only(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/metrics")).status_code == 404


def test_observed_durations_land_in_their_buckets() -> None:
    metrics = Metrics()
    metrics.observe_webhook(0.004, 200)
    metrics.observe_webhook(0.2, 200)
    metrics.observe_task_run("lanner.core.Log", State.SUCCESS, 1.5)

    found = samples(metrics.render().decode())

    assert found[("lanner_webhook_latency_seconds_count", (("status", "200"),))] == 2
    assert found[("lanner_webhook_latency_seconds_bucket", (("le", "0.005"), ("status", "200")))] == 1
    task = (("state", "SUCCESS"), ("type", "lanner.core.Log"))
    assert found[("lanner_task_run_duration_seconds_sum", task)] == 1.5
    assert Metrics().registry is not metrics.registry  # one registry per app, no global state
