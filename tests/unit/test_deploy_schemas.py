"""The deployment files against their official schemas, offline: no container engine or cluster
runs here, so this is as far as they can be checked (docs/deployment.md says so).

- deploy/k8s/*.yaml: the Kubernetes OpenAPI schemas of every minor version in K8S_VERSIONS, in
  strict mode (an unknown field is an error), as bundled by the `kubernetes-validate` package.
  They are read as kubectl reads them: YAML 1.1 (PyYAML), where `yes` and `on` are booleans.
- deploy/docker-compose.yml: the Compose Specification schema vendored by `check-jsonschema`.
- docs/ci.md's GitHub Actions workflow: the SchemaStore github-workflow schema vendored there too.

Each check is shown to fail, with the offending field named, on a broken copy of the real file.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]
from check_jsonschema.builtin_schemas import get_builtin_schema  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from jsonschema.validators import validator_for  # type: ignore[import-untyped]
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
MANIFESTS = sorted((DEPLOY / "k8s").glob("*.yaml"))
# The oldest and the newest minor release checked (the newest is the newest the package bundles).
K8S_VERSIONS = ["1.30", "1.37"]


# --- Kubernetes -------------------------------------------------------------------------------


@cache
def _parsed_manifests() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.name}:{doc['kind']}/{doc['metadata']['name']}", doc)
        for path in MANIFESTS
        for doc in yaml.safe_load_all(path.read_text())
        if doc is not None
    ]


def _manifests() -> list[tuple[str, dict[str, Any]]]:
    return copy.deepcopy(_parsed_manifests())  # a copy each tests may break


def _k8s_error(resource: dict[str, Any], version: str) -> str | None:
    """None if `resource` is valid for Kubernetes `version` (strict), else a located message."""
    try:
        validated = kubernetes_validate.validate(resource, version, strict=True)
    except kubernetes_validate.ValidationError as error:
        return f"{_json_path(error)}: {error.message}"
    except kubernetes_validate.SchemaNotFoundError as error:  # the CLI only warns about this one
        return str(error.message)
    assert validated == version, f"validated against {validated}, not {version}: schemas missing"
    return None


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_manifest_is_valid_kubernetes(version: str) -> None:
    errors = {name: _k8s_error(doc, version) for name, doc in _manifests()}
    assert len(errors) == 8  # every document was read: 2 in config.yaml, 2 in webserver.yaml, 4 more
    assert {name: error for name, error in errors.items() if error} == {}


def _deployment() -> dict[str, Any]:
    return next(doc for name, doc in _manifests() if name == "worker.yaml:Deployment/lanner-worker")


def test_an_unknown_kubernetes_field_is_refused_and_named() -> None:
    broken = _deployment()
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["pth"] = "/health"
    assert _k8s_error(broken, K8S_VERSIONS[-1]) == (
        "$.spec.template.spec.containers[0].livenessProbe.httpGet: Additional properties are not allowed ('pth' was unexpected)"
    )


def test_a_kubernetes_field_of_the_wrong_type_is_refused_and_named() -> None:
    broken = _deployment()
    broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "8080"
    assert _k8s_error(broken, K8S_VERSIONS[-1]) == (
        "$.spec.template.spec.containers[0].ports[0].containerPort: '8080' is not of type 'integer'"
    )


def test_a_yaml_1_1_boolean_is_read_as_kubectl_reads_it() -> None:
    [config_map] = [doc for name, doc in _manifests() if name.startswith("config.yaml:ConfigMap")]
    config_map["data"].update(yaml.safe_load("LANNER_FLAG: yes"))  # unquoted: a boolean, not "yes"
    assert _k8s_error(config_map, K8S_VERSIONS[-1]) == ("$.data.LANNER_FLAG: True is not of type 'string', 'null'")


def test_a_kind_without_a_schema_is_refused_not_skipped() -> None:
    broken = _deployment()
    broken["kind"] = "Deploymnet"
    error = _k8s_error(broken, K8S_VERSIONS[-1])
    assert error is not None and "Couldn't find schema for kind Deploymnet" in error


# --- Compose and GitHub Actions (JSON Schema) -------------------------------------------------


@cache
def _validator(builtin: str) -> Any:
    schema = get_builtin_schema(builtin)
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _json_path(error: ValidationError) -> str:
    return str(error.json_path)


def _closest(error: ValidationError) -> ValidationError:
    """Within a oneOf/anyOf, the deepest error of the branch that got deepest into the file (then:
    with the fewest errors): the branch the author meant, and the field that made it fail."""
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        closest = min(branches.values(), key=lambda errs: (-max(len(e.absolute_path) for e in errs), len(errs)))
        error = max(closest, key=lambda e: len(e.absolute_path))
    return error


def _schema_errors(builtin: str, instance: Any) -> list[str]:
    """Every error, as "location: message", the deepest (the most precise) first."""
    errors = [_closest(error) for error in _validator(builtin).iter_errors(instance)]
    errors.sort(key=lambda error: -len(error.absolute_path))
    return list(dict.fromkeys(f"{_json_path(error)}: {error.message}" for error in errors))


def _compose() -> Any:
    return YAML(typ="safe").load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_file_is_valid_compose_spec() -> None:
    assert _schema_errors("vendor.compose-spec", _compose()) == []


def test_an_unknown_compose_field_is_refused_and_named() -> None:
    broken = _compose()
    broken["services"]["worker"]["stop_grace_periods"] = "60s"
    assert _schema_errors("vendor.compose-spec", broken) == [
        "$.services.worker: Unevaluated properties are not allowed ('stop_grace_periods' was unexpected)"
    ]


def test_a_compose_field_of_the_wrong_type_is_refused_and_named() -> None:
    broken = _compose()
    broken["services"]["worker"]["restart"] = 3
    broken["services"]["postgres"]["healthcheck"]["test"] = {"CMD": "pg_isready"}
    assert _schema_errors("vendor.compose-spec", broken) == [
        "$.services.postgres.healthcheck.test: {'CMD': 'pg_isready'} is not of type 'string'",
        "$.services.worker.restart: 3 is not of type 'string'",
        # JSON Schema's echo of the first: an invalid property does not count as evaluated
        "$.services.postgres: Unevaluated properties are not allowed ('healthcheck' was unexpected)",
    ]


def _ci_workflow() -> Any:
    """The workflow docs/ci.md tells users to save as .github/workflows/flows.yml."""
    text = (ROOT / "docs" / "ci.md").read_text()
    blocks = re.findall(r"Save it as `\.github/workflows/[^`]+`:\s*```yaml\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, "docs/ci.md: expected one workflow after 'Save it as `.github/workflows/…`:'"
    return YAML(typ="safe").load(blocks[0])  # YAML 1.2, as GitHub reads it: `on` stays a key


def test_the_documented_ci_workflow_is_a_valid_github_workflow() -> None:
    workflow = _ci_workflow()
    assert {"on", "jobs"} <= set(workflow)
    assert _schema_errors("vendor.github-workflows", workflow) == []


def test_a_broken_ci_workflow_is_refused_and_named() -> None:
    broken = _ci_workflow()
    broken["jobs"]["plan"]["timeout-minute"] = 10
    broken["permissions"]["contents"] = "reed"
    assert _schema_errors("vendor.github-workflows", broken) == [
        "$.jobs.plan: Additional properties are not allowed ('timeout-minute' was unexpected)",
        "$.permissions.contents: 'reed' is not one of ['read', 'write', 'none']",
    ]
