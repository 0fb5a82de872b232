"""The deployment files (deploy/): no container engine or cluster runs here, so they are
checked statically — they load as YAML, and hold what a deployment of Lanner needs. Their
validity against the Kubernetes and Compose schemas is checked in test_deploy_schemas.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from lanner.bootstrap import COMPONENTS
from lanner.settings import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MANIFESTS = sorted((DEPLOY / "k8s").glob("*.yaml"))


def _load_all(path: Path) -> list[dict[str, Any]]:
    documents = [doc for doc in YAML(typ="safe").load_all(path.read_text()) if doc is not None]
    assert all(isinstance(doc, dict) for doc in documents), path
    return documents


def _kind(kind: str) -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS for doc in _load_all(path) if doc["kind"] == kind]


def _compose() -> dict[str, Any]:
    [compose] = _load_all(DEPLOY / "docker-compose.yml")
    return compose


def test_compose_runs_postgres_and_every_component() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", *COMPONENTS}
    for component in COMPONENTS:
        service = services[component]
        assert service["command"][:2] == ["server", component]
        assert service["environment"]["LANNER_DATABASE_URL"].startswith("postgresql://")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "/health" in " ".join(service["healthcheck"]["test"])
        assert any(volume.endswith(":/var/lib/lanner-storage") for volume in service["volumes"])  # shared files
    assert "LANNER_AUTH_TOKENS" in services["webserver"]["environment"]  # it listens beyond the container


def test_compose_gives_workers_time_to_hand_back() -> None:
    worker = _compose()["services"]["worker"]
    grace = float(worker["environment"]["LANNER_WORKER_SHUTDOWN_GRACE"])
    assert float(worker["stop_grace_period"].removesuffix("s")) > grace


def test_every_settings_variable_of_the_deploy_files_exists() -> None:
    variables = dict(_compose()["services"]["worker"]["environment"])
    for config_map in _kind("ConfigMap"):
        variables.update(config_map["data"])
    settings = load_settings(environ={k: v for k, v in variables.items() if "${" not in v})
    assert settings.worker.shutdown_grace == 45  # the variables were read, not ignored
    assert all(name.startswith("LANNER_") for name in variables)


def test_every_manifest_loads_and_is_a_known_kind() -> None:
    kinds = {doc["kind"] for path in MANIFESTS for doc in _load_all(path)}
    assert kinds == {"ConfigMap", "Secret", "PersistentVolumeClaim", "Deployment", "Service"}


def test_one_deployment_per_component() -> None:
    deployments = {d["metadata"]["labels"]["app.kubernetes.io/component"]: d for d in _kind("Deployment")}
    assert set(deployments) == set(COMPONENTS)
    for component, deployment in deployments.items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"][:2] == ["server", component]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


@pytest.mark.parametrize("probe", ["livenessProbe", "readinessProbe"])
def test_every_deployment_is_probed_on_health(probe: str) -> None:
    for deployment in _kind("Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            check = container[probe]["httpGet"]
            assert check["path"] == "/health"
            ports = {port["name"]: port["containerPort"] for port in container["ports"]}
            assert check["port"] in ports or check["port"] in ports.values()


def test_every_deployment_has_resources_and_the_database_url_from_a_secret() -> None:
    secrets = {s["metadata"]["name"]: set(s.get("stringData", {})) | set(s.get("data", {})) for s in _kind("Secret")}
    config_maps = {c["metadata"]["name"] for c in _kind("ConfigMap")}
    for deployment in _kind("Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            name = deployment["metadata"]["name"]
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
            env = {item["name"]: item for item in container["env"]}
            ref = env["LANNER_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
            assert ref["key"] in secrets[ref["name"]], name
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in config_maps


def test_workers_get_their_grace_period_and_the_webserver_a_service_and_credentials() -> None:
    deployments = {d["metadata"]["labels"]["app.kubernetes.io/component"]: d for d in _kind("Deployment")}
    [config] = _kind("ConfigMap")
    grace = float(config["data"]["LANNER_WORKER_SHUTDOWN_GRACE"])
    assert deployments["worker"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > grace
    [service] = _kind("Service")
    assert service["spec"]["selector"].items() <= deployments["webserver"]["spec"]["template"]["metadata"]["labels"].items()
    [container] = deployments["webserver"]["spec"]["template"]["spec"]["containers"]
    assert "LANNER_AUTH_TOKENS" in {item["name"] for item in container["env"]}  # it listens on 0.0.0.0
