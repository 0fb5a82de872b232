"""dbt's artifacts read into outputs and metrics: ``target/run_results.json`` and ``target/manifest.json``.

Each result of run_results.json becomes a node entry (status, timing, rows affected,
failures, message), completed from the manifest (name, resource type, materialization,
file, parents). Counts per status and the failed nodes (``error``, ``fail``, ``runtime
error``) make the task's summary and its failure message. ``node_task_runs`` turns the nodes
into dynamic task runs (one per model, test, seed, snapshot…), as Kestra's dbt tasks do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanner.models.state import State
from lanner.plugins.dbt.logs import strip_ansi
from lanner.tasks.context import DynamicTaskRun, RunContext

__all__ = [
    "FAILED_STATUSES",
    "RunSummary",
    "manifest_summary",
    "node_state",
    "node_task_runs",
    "parse_run_results",
    "record_metrics",
]

FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
_MESSAGE_LIMIT = 2000


@dataclass(slots=True)
class RunSummary:
    command: str | None
    elapsed_time: float | None
    nodes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(str(node["status"]) for node in self.nodes))

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [node for node in self.nodes if node["status"] in FAILED_STATUSES]

    def outputs(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "success": not self.failed,
            "elapsedTime": self.elapsed_time,
            "counts": self.counts,
            "nodes": self.nodes,
        }


def _timing(result: Mapping[str, Any]) -> tuple[str | None, str | None]:
    timings = [t for t in result.get("timing") or [] if isinstance(t, Mapping)]
    starts = sorted(str(t["started_at"]) for t in timings if t.get("started_at"))
    ends = sorted(str(t["completed_at"]) for t in timings if t.get("completed_at"))
    return (starts[0] if starts else None), (ends[-1] if ends else None)


def _node(result: Mapping[str, Any], manifest_nodes: Mapping[str, Any]) -> dict[str, Any]:
    unique_id = str(result.get("unique_id") or "")
    parts = unique_id.split(".")
    definition = manifest_nodes.get(unique_id) or {}
    adapter = result.get("adapter_response") or {}
    started, completed = _timing(result)
    message = result.get("message")
    node: dict[str, Any] = {
        "uniqueId": unique_id,
        "name": definition.get("name") or (parts[2] if len(parts) > 2 else unique_id),
        "resourceType": definition.get("resource_type") or parts[0],
        "status": str(result.get("status") or "unknown"),
        "executionTime": result.get("execution_time"),
        "startedAt": started,
        "completedAt": completed,
        "rowsAffected": adapter.get("rows_affected") if isinstance(adapter, Mapping) else None,
        "failures": result.get("failures"),
        "message": strip_ansi(str(message))[:_MESSAGE_LIMIT] if message else None,
    }
    if isinstance(adapter, Mapping) and adapter.get("bytes_processed") is not None:
        node["bytesProcessed"] = adapter["bytes_processed"]
    if definition:
        config = definition.get("config") or {}
        node["materialized"] = config.get("materialized") if isinstance(config, Mapping) else None
        node["path"] = definition.get("original_file_path")
        node["dependsOn"] = list((definition.get("depends_on") or {}).get("nodes") or [])
    return node


def parse_run_results(run_results: Mapping[str, Any], manifest: Mapping[str, Any] | None = None) -> RunSummary:
    """The summary of one run_results.json, completed from the manifest when there is one."""
    manifest_nodes: dict[str, Any] = {}
    if manifest:
        manifest_nodes.update(manifest.get("sources") or {})
        manifest_nodes.update(manifest.get("nodes") or {})
    args = run_results.get("args") or {}
    command = args.get("which") if isinstance(args, Mapping) else None
    nodes = [_node(r, manifest_nodes) for r in run_results.get("results") or [] if isinstance(r, Mapping)]
    elapsed = run_results.get("elapsed_time")
    return RunSummary(str(command) if command else None, float(elapsed) if elapsed is not None else None, nodes)


def manifest_summary(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What the project holds: dbt version, adapter, project name and nodes per resource type."""
    metadata = manifest.get("metadata") or {}
    kinds: Counter[str] = Counter()
    for node in (manifest.get("nodes") or {}).values():
        if isinstance(node, Mapping):
            kinds[str(node.get("resource_type", "unknown"))] += 1
    kinds["source"] += len(manifest.get("sources") or {})
    return {
        "dbtVersion": metadata.get("dbt_version"),
        "adapterType": metadata.get("adapter_type"),
        "projectName": metadata.get("project_name"),
        "nodes": {kind: count for kind, count in sorted(kinds.items()) if count},
    }


def record_metrics(ctx: RunContext, summary: RunSummary) -> None:
    """``rows.affected`` and ``bytes.processed`` (Kestra's names, summed), nodes per status, elapsed time."""
    rows = [n["rowsAffected"] for n in summary.nodes if isinstance(n.get("rowsAffected"), int | float)]
    if rows:
        ctx.metric("rows.affected", float(sum(rows)))
    processed = [n["bytesProcessed"] for n in summary.nodes if isinstance(n.get("bytesProcessed"), int | float)]
    if processed:
        ctx.metric("bytes.processed", float(sum(processed)))
    for status, count in summary.counts.items():
        ctx.metric("dbt.nodes", float(count), tags={"status": status})
    if summary.elapsed_time is not None:
        ctx.metric("dbt.elapsed", summary.elapsed_time, "timer")


#: dbt node statuses (run_results.json) -> task run states; any other status is SUCCESS, as in Kestra
_STATES = {
    "error": State.FAILED,
    "fail": State.FAILED,
    "runtime error": State.FAILED,
    "skipped": State.SKIPPED,
    "warn": State.WARNING,
    "partial success": State.WARNING,
}
#: what a node's task run shows as outputs (the full node stays in the task's ``runResults``)
_NODE_OUTPUTS = ("uniqueId", "resourceType", "status", "executionTime", "rowsAffected", "failures", "message")


def node_state(status: str) -> State:
    """The task run state of a dbt node status: error/fail/runtime error FAILED, skipped
    SKIPPED, warn (and partial success) WARNING, anything else (success, pass, no-op) SUCCESS."""
    return _STATES.get(status, State.SUCCESS)


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def node_task_runs(summary: RunSummary) -> list[DynamicTaskRun]:
    """One dynamic task run per node: task id its unique id (``model.shop.orders``), its
    state from its status, its times from run_results' timing (none for a skipped node: the
    engine then uses the attempt's end), a short summary of the node as outputs."""
    runs = []
    for node in summary.nodes:
        if not node.get("uniqueId"):
            continue
        outputs = {key: node[key] for key in _NODE_OUTPUTS if node.get(key) is not None}
        runs.append(
            DynamicTaskRun(
                task_id=str(node["uniqueId"])[:256],
                state=node_state(str(node["status"])),
                start=_moment(node.get("startedAt")),
                end=_moment(node.get("completedAt")),
                outputs=outputs,
            )
        )
    return runs
