"""Prometheus metrics, served as text at ``GET /metrics``.

Each app has its own ``Metrics`` (``metrics_of(request)``), with its own collector registry:
no process-wide state, so several apps (tests) live side by side.

- ``lanner_executions{state}``: executions stored in each state, counted by the store at
  each scrape. A count over the ``state`` index is correct across every process sharing the
  database, and survives restarts, which per-process counters would not.
- ``lanner_queue_depth{queue}``: executor messages not yet processed (``executor``) and
  worker jobs not yet claimed (``worker``); ``lanner_worker_jobs_running``: jobs claimed.
- ``lanner_workers_live``: workers whose heartbeat is younger than ``worker_dead_after``.
- ``lanner_task_run_duration_seconds{type,state}``: durations of the attempts run by this
  process's worker, by canonical task type and attempt state (the app hands the worker
  ``Metrics.task_run_observer``).
- ``lanner_webhook_latency_seconds{status}``: time to answer a webhook call, observed by the
  webhook route through ``Metrics.observe_webhook``.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    gc_collector,
    generate_latest,
    platform_collector,
    process_collector,
)

from lanner.api.deps import engine_of
from lanner.engine.engine import Engine
from lanner.models.state import State

__all__ = ["Metrics", "install_metrics", "metrics_of"]

#: seconds; tasks last from milliseconds (Log) to hours (dbt, scripts)
_TASK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600)
#: task type names remembered by ``task_run_observer``
_MAX_TYPE_NAMES = 4096
#: seconds; a webhook answers once the execution is created
_WEBHOOK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """The application's metrics and the registry they are exported from."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        process_collector.ProcessCollector(registry=self.registry)
        platform_collector.PlatformCollector(registry=self.registry)
        gc_collector.GCCollector(registry=self.registry)
        self.executions = Gauge("lanner_executions", "Executions stored in each state.", ["state"], registry=self.registry)
        self.queue_depth = Gauge(
            "lanner_queue_depth",
            "Work waiting: executor messages not processed yet (executor), worker jobs not claimed yet (worker).",
            ["queue"],
            registry=self.registry,
        )
        self.jobs_running = Gauge("lanner_worker_jobs_running", "Worker jobs claimed by a worker.", registry=self.registry)
        self.live_workers = Gauge("lanner_workers_live", "Workers with a recent heartbeat.", registry=self.registry)
        self.task_run_duration = Histogram(
            "lanner_task_run_duration_seconds",
            "Duration of task run attempts, by task type and final state.",
            ["type", "state"],
            buckets=_TASK_BUCKETS,
            registry=self.registry,
        )
        self.webhook_latency = Histogram(
            "lanner_webhook_latency_seconds",
            "Time to answer a webhook trigger call, by HTTP status.",
            ["status"],
            buckets=_WEBHOOK_BUCKETS,
            registry=self.registry,
        )

    def observe_task_run(self, task_type: str, state: State | str, seconds: float) -> None:
        """Record one attempt's duration."""
        name = state.value if isinstance(state, State) else state
        self.task_run_duration.labels(type=task_type, state=name).observe(max(seconds, 0.0))

    def task_run_observer(self, canonical: Callable[[str], str]) -> Callable[[str, State, float], None]:
        """``observe_task_run`` for the worker's attempt hook: the task type as written in the
        flow (a Kestra alias, say) is recorded under its canonical name."""
        names: dict[str, str] = {}

        def observe(task_type: str, state: State, seconds: float) -> None:
            name = names.get(task_type)
            if name is None:
                name = canonical(task_type)
                if len(names) < _MAX_TYPE_NAMES:  # types of flows come and go; keep the cache bounded
                    names[task_type] = name
            self.observe_task_run(name, state, seconds)

        return observe

    def observe_webhook(self, seconds: float, status: int) -> None:
        """Record the time taken to answer one webhook call."""
        self.webhook_latency.labels(status=str(status)).observe(max(seconds, 0.0))

    async def refresh(self, engine: Engine) -> None:
        """Read the counts kept in the store into the gauges."""
        stats = await engine.store.stats(alive_within=engine.options.worker_dead_after)
        for state in State:
            self.executions.labels(state=state.value).set(stats.executions.get(state.value, 0))
        for name, count in stats.executions.items():  # a state this version does not know still shows
            self.executions.labels(state=name).set(count)
        self.queue_depth.labels(queue="executor").set(stats.executor_messages)
        self.queue_depth.labels(queue="worker").set(stats.jobs_waiting)
        self.jobs_running.set(stats.jobs_running)
        self.live_workers.set(stats.live_workers)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def metrics_of(request: Request) -> Metrics:
    """The metrics of the application serving ``request``."""
    metrics: Metrics = request.app.state.metrics
    return metrics


def install_metrics(app: FastAPI) -> Metrics:
    """Give ``app`` its ``Metrics`` and the ``GET /metrics`` route."""
    metrics = Metrics()
    app.state.metrics = metrics

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        await metrics.refresh(engine_of(request))
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return metrics
