"""The pod manifest of the Kubernetes task runner (pure: no client, no server)."""

from __future__ import annotations

import re

from lanner.tasks.scripts.k8s.options import KubernetesRunner
from lanner.tasks.scripts.k8s.pod import PodIdentity, pod_manifest

_DNS_1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL_VALUE = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")


def identity(**changes: object) -> PodIdentity:
    values: dict[str, object] = {
        "execution_id": "7Hq2xYz",
        "task_run_id": "run-1",
        "task_id": "load_Data__2024",
        "flow_id": "daily",
        "namespace": "company.team",
        "attempt": 2,
    }
    values.update(changes)
    return PodIdentity(**values)  # type: ignore[arg-type]


def test_pod_names_are_dns_labels_unique_per_task_run_and_attempt() -> None:
    name = identity().pod_name
    assert _DNS_1123.fullmatch(name) and len(name) <= 63
    assert name.startswith("lanner-load-data-2024-") and name.endswith("-2")
    assert identity(task_run_id="run-2").pod_name != name
    assert identity(attempt=3).pod_name != name
    long = identity(task_id="x" * 200 + "_").pod_name
    assert _DNS_1123.fullmatch(long) and len(long) <= 63


def test_label_values_are_valid_even_for_odd_ids() -> None:
    labels = identity(namespace="a/b c", task_id="-" + "t" * 100 + "-").labels()
    for value in labels.values():
        assert len(value) <= 63 and _LABEL_VALUE.fullmatch(value), value


def test_runner_options_map_to_kubernetes_fields() -> None:
    runner = KubernetesRunner.model_validate(
        {
            "type": "lanner.runner.Kubernetes",
            "pullPolicy": "NEVER",
            "resources": {"request": {"cpu": "1"}, "limit": {"cpu": "2", "memory": "1Gi"}},
            "labels": {"team": "data", "lanner.io/attempt": "spoofed"},
            "fileSidecar": {"image": "registry.local/busybox:1"},
        }
    )
    manifest = pod_manifest(identity(), runner, image="alpine:3", command=["/bin/sh", "-c", "echo hi"], env={"A": "1"})

    spec = manifest["spec"]
    task = spec["containers"][0]
    assert task["imagePullPolicy"] == "Never"
    assert task["resources"] == {"requests": {"cpu": "1"}, "limits": {"cpu": "2", "memory": "1Gi"}}
    assert task["env"] == [{"name": "A", "value": "1"}]
    assert "serviceAccountName" not in spec and "nodeSelector" not in spec
    assert {c["image"] for c in [*spec["initContainers"], spec["containers"][1]]} == {"registry.local/busybox:1"}
    labels = manifest["metadata"]["labels"]
    assert labels["team"] == "data"
    assert labels["lanner.io/attempt"] == "2"  # Lanner's own labels win
