"""Git task types as flows see them."""

from __future__ import annotations

import pytest

from lanner.errors import FlowValidationError
from lanner.flows.loader import parse_flow
from lanner.models.registry import default_registry


def test_kestra_names_and_a_kestra_sync_flow() -> None:
    registry = default_registry()
    for kind in ("Clone", "SyncFlows", "PushFlows", "SyncNamespaceFiles", "PushNamespaceFiles"):
        assert registry.canonical(f"io.kestra.plugin.git.{kind}") == f"lanner.git.{kind}"
    parse_flow("""
id: sync_flows_from_git
namespace: system
tasks:
  - id: git
    type: io.kestra.plugin.git.SyncFlows
    gitDirectory: flows
    targetNamespace: git
    includeChildNamespaces: true
    delete: true
    url: https://github.com/kestra-io/flows
    branch: main
    username: git_username
    password: "{{ secret('GITHUB_ACCESS_TOKEN') }}"
    dryRun: true
pluginDefaults:
  - type: io.kestra.plugin.git
    values: {branch: main}
""")


def test_kestra_namespace_files_flows_parse() -> None:
    parse_flow("""
id: git_files
namespace: company.ops
tasks:
  - id: sync
    type: io.kestra.plugin.git.SyncNamespaceFiles
    namespace: prod
    gitDirectory: _files
    delete: true
    url: https://github.com/kestra-io/flows
    branch: main
    username: git_username
    password: "{{ secret('GITHUB_ACCESS_TOKEN') }}"
    dryRun: true
  - id: push
    type: io.kestra.plugin.git.PushNamespaceFiles
    namespace: dev
    files: "**"
    gitDirectory: _files
    url: https://github.com/kestra-io/scripts
    username: git_username
    password: "{{ secret('GITHUB_ACCESS_TOKEN') }}"
    branch: dev
    commitMessage: "add namespace files"
    dryRun: true
""")


def test_clone_depth_must_be_positive() -> None:
    with pytest.raises(FlowValidationError, match="depth"):
        parse_flow(
            "id: f\nnamespace: n\ntasks:\n  - id: t\n    type: io.kestra.plugin.git.Clone\n    url: file:///x\n    depth: 0\n"
        )
