"""The pod of one attempt, as the JSON body the API server receives (no I/O here).

Three containers share an ``emptyDir`` volume mounted at ``/lanner``:

- ``lanner-inputs`` (init container, ``fileSidecar.image``) waits until the worker has copied
  the working directory into the volume and written the ``.inputs-ready`` marker;
- ``task`` (``containerImage``) runs the commands in ``/lanner/working-dir``;
- ``lanner-outputs`` (``fileSidecar.image``) keeps the volume reachable after the commands end,
  until the worker has copied the working directory back and written ``.outputs-collected``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lanner.tasks.scripts.k8s.options import KubernetesRunner, Resources

__all__ = [
    "INPUTS_CONTAINER",
    "INPUTS_READY",
    "OUTPUTS_COLLECTED",
    "OUTPUTS_CONTAINER",
    "TASK_CONTAINER",
    "WORKING_DIR",
    "PodIdentity",
    "pod_manifest",
]

VOLUME_ROOT = "/lanner"
WORKING_DIR = f"{VOLUME_ROOT}/working-dir"
INPUTS_READY = f"{VOLUME_ROOT}/.inputs-ready"
OUTPUTS_COLLECTED = f"{VOLUME_ROOT}/.outputs-collected"
INPUTS_CONTAINER = "lanner-inputs"
TASK_CONTAINER = "task"
OUTPUTS_CONTAINER = "lanner-outputs"
_VOLUME = "lanner-work"
_PULL_POLICIES = {"IF_NOT_PRESENT": "IfNotPresent", "ALWAYS": "Always", "NEVER": "Never"}
_NOT_LABEL = re.compile(r"[^A-Za-z0-9_.-]+")
_NOT_NAME = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True, slots=True)
class PodIdentity:
    """Who the pod runs for: it names and labels the pod."""

    execution_id: str
    task_run_id: str
    task_id: str
    flow_id: str
    namespace: str
    attempt: int

    @property
    def pod_name(self) -> str:
        """A DNS-1123 name, unique per task run and attempt."""
        slug = _NOT_NAME.sub("-", self.task_id.lower()).strip("-")[:30].strip("-") or "task"
        digest = hashlib.sha256(self.task_run_id.encode()).hexdigest()[:10]
        return f"lanner-{slug}-{digest}-{self.attempt}"

    def labels(self) -> dict[str, str]:
        return {
            "app.kubernetes.io/managed-by": "lanner",
            "lanner.io/namespace": _label_value(self.namespace),
            "lanner.io/flow-id": _label_value(self.flow_id),
            "lanner.io/task-id": _label_value(self.task_id),
            "lanner.io/execution-id": _label_value(self.execution_id),
            "lanner.io/task-run-id": _label_value(self.task_run_id),
            "lanner.io/attempt": str(self.attempt),
        }


def _label_value(value: str) -> str:
    # A label value: at most 63 characters, alphanumeric at both ends.
    return _NOT_LABEL.sub("_", value)[:63].strip("_.-")


def pod_manifest(
    identity: PodIdentity,
    runner: KubernetesRunner,
    *,
    image: str,
    command: Sequence[str],
    env: Mapping[str, str],
) -> dict[str, Any]:
    """The pod running ``command`` in ``image``, with the file containers around it."""
    mount = [{"name": _VOLUME, "mountPath": VOLUME_ROOT}]
    sidecar = runner.fileSidecar.image
    task: dict[str, Any] = {
        "name": TASK_CONTAINER,
        "image": image,
        "imagePullPolicy": _PULL_POLICIES[runner.pullPolicy],
        "command": list(command),
        "workingDir": WORKING_DIR,
        "env": [{"name": name, "value": value} for name, value in env.items()],
        "volumeMounts": mount,
    }
    if runner.resources is not None:
        task["resources"] = _resources(runner.resources)
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "volumes": [{"name": _VOLUME, "emptyDir": {}}],
        "initContainers": [
            {
                "name": INPUTS_CONTAINER,
                "image": sidecar,
                "command": ["sh", "-c", f"mkdir -p {WORKING_DIR} && until [ -f {INPUTS_READY} ]; do sleep 0.2; done"],
                "volumeMounts": mount,
            }
        ],
        "containers": [
            task,
            {
                "name": OUTPUTS_CONTAINER,
                "image": sidecar,
                "command": ["sh", "-c", f"until [ -f {OUTPUTS_COLLECTED} ]; do sleep 0.2; done"],
                "volumeMounts": mount,
            },
        ],
    }
    if runner.serviceAccountName:
        spec["serviceAccountName"] = runner.serviceAccountName
    if runner.nodeSelector:
        spec["nodeSelector"] = dict(runner.nodeSelector)
    labels = {**(runner.labels or {}), **identity.labels()}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": identity.pod_name, "labels": labels},
        "spec": spec,
    }


def _resources(resources: Resources) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for key, amounts in (("requests", resources.request), ("limits", resources.limit)):
        if amounts is not None:
            values = {name: value for name, value in (("cpu", amounts.cpu), ("memory", amounts.memory)) if value}
            if values:
                out[key] = values
    return out
