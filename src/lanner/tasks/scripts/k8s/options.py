"""The ``taskRunner`` options of the Kubernetes task runner (Kestra's names, plus our own type).

Pure pydantic: importing this module never imports the Kubernetes client.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["KUBERNETES_RUNNER_TYPES", "Connection", "FileSidecar", "KubernetesRunner", "Resources", "ResourceAmounts"]

KUBERNETES_RUNNER_TYPES = (
    "io.kestra.plugin.ee.kubernetes.runner.Kubernetes",
    "io.kestra.plugin.kubernetes.runner.KubernetesTaskRunner",
    "lanner.runner.Kubernetes",
)


class Connection(BaseModel):
    """How to reach the cluster's API server. Unset, Lanner uses the in-cluster service account when
    it runs in a pod, else the current context of the kubeconfig file (`KUBECONFIG` or `~/.kube/config`)."""

    model_config = ConfigDict(extra="forbid")

    masterUrl: str | None = Field(default=None, description="URL of the API server.", examples=["https://kubernetes.default.svc"])
    oauthToken: str | None = Field(
        default=None, description="Bearer token, such as a service account token.", examples=["{{ secret('K8S_TOKEN') }}"]
    )
    caCertData: str | None = Field(default=None, description="The cluster's CA certificate: PEM text, or PEM encoded in base64.")
    caCertFile: str | None = Field(default=None, description="Path of the cluster's CA certificate on the worker.")
    clientCertData: str | None = Field(default=None, description="Client certificate: PEM text, or PEM encoded in base64.")
    clientCertFile: str | None = Field(default=None, description="Path of the client certificate on the worker.")
    clientKeyData: str | None = Field(default=None, description="Client private key: PEM text, or PEM encoded in base64.")
    clientKeyFile: str | None = Field(default=None, description="Path of the client private key on the worker.")
    trustCerts: bool = Field(default=False, description="Skip the verification of the server's certificate (tests only).")
    kubeconfig: str | None = Field(
        default=None,
        description="Path of a kubeconfig file on the worker (Lanner only); the properties above override it.",
        examples=["/etc/lanner/kubeconfig"],
    )
    context: str | None = Field(default=None, description="Context of the kubeconfig file to use (Lanner only).")


class ResourceAmounts(BaseModel):
    """Amounts in Kubernetes quantities."""

    model_config = ConfigDict(extra="forbid")

    cpu: str | None = Field(default=None, description="CPU, such as `500m` or `2`.", examples=["500m"])
    memory: str | None = Field(default=None, description="Memory, such as `512Mi` or `2Gi`.", examples=["512Mi"])


class Resources(BaseModel):
    """Resources of the task's container."""

    model_config = ConfigDict(extra="forbid")

    request: ResourceAmounts | None = Field(default=None, description="What the scheduler reserves for the container.")
    limit: ResourceAmounts | None = Field(default=None, description="The most the container may use.")


class FileSidecar(BaseModel):
    """The small containers that receive the input files and hand out the output files."""

    model_config = ConfigDict(extra="forbid")

    image: str = Field(
        default="busybox:1.37",
        description="Image of the file containers; it needs `sh`, `tar`, `head` and `touch`.",
        examples=["busybox:1.37"],
    )


class KubernetesRunner(BaseModel):
    """Run each attempt's commands in a pod of a Kubernetes cluster, in the task's `containerImage`.

    The working directory (input and namespace files) is copied into the pod before the commands
    start, and copied back when they end so `outputFiles` and `{{ outputDir }}` work as with
    local processes. The pod is deleted at the end, and at once when the attempt times out or is killed.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"type": KUBERNETES_RUNNER_TYPES[0], "namespace": "lanner-tasks"}]},
    )

    type: Literal[
        "io.kestra.plugin.ee.kubernetes.runner.Kubernetes",
        "io.kestra.plugin.kubernetes.runner.KubernetesTaskRunner",
        "lanner.runner.Kubernetes",
    ] = Field(description="Task runner type: `lanner.runner.Kubernetes`, or Kestra's name for it.")
    namespace: str = Field(default="default", description="Kubernetes namespace of the pods; expressions are rendered.")
    config: Connection | None = Field(default=None, description="How to reach the cluster; see `Connection`.")
    pullPolicy: Literal["IF_NOT_PRESENT", "ALWAYS", "NEVER"] = Field(
        default="ALWAYS", description="When the kubelet pulls the task's image."
    )
    serviceAccountName: str | None = Field(default=None, description="Service account the pod runs as.")
    resources: Resources | None = Field(
        default=None,
        description="CPU and memory of the task's container.",
        examples=[{"request": {"cpu": "500m", "memory": "256Mi"}, "limit": {"memory": "1Gi"}}],
    )
    nodeSelector: dict[str, str] | None = Field(
        default=None, description="Node labels the pod must be scheduled on.", examples=[{"pool": "batch"}]
    )
    labels: dict[str, str] | None = Field(
        default=None, description="Extra labels of the pod (Lanner adds execution, task run and attempt labels)."
    )
    waitUntilRunning: timedelta = Field(
        default=timedelta(minutes=10),
        description="How long the pod may take to start (scheduling, image pull) before the attempt fails.",
        examples=["PT5M"],
    )
    waitForLogInterval: timedelta = Field(
        default=timedelta(seconds=30),
        description="After the container ended, how long to wait at most for the rest of its log stream.",
        examples=["PT5S"],
    )
    delete: bool = Field(
        default=True,
        description="Delete the pod when the attempt ends. A pod is always deleted when the attempt times out or is killed.",
    )
    resume: bool | None = Field(
        default=None, description="Kestra's resume after a worker restart; accepted and ignored (a new attempt starts a new pod)."
    )
    fileSidecar: FileSidecar = Field(
        default_factory=FileSidecar, description="Image of the containers that move the files in and out of the pod."
    )
