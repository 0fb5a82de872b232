"""Flows as code without a server: namespace modules merged into flows (positions mapped back to
the files), the stored form of a flow file, trigger changes, and a folder read in one pass."""

from __future__ import annotations

from pathlib import Path

from lanner.flows import parse_flow, validate_flow
from lanner.flows_as_code.folder import read_folder, stored_form
from lanner.flows_as_code.modules import NamespaceModule, parse_module, render_flow
from lanner.flows_as_code.triggers import trigger_changes

LOG = "io.kestra.plugin.core.log.Log"
TEAM = NamespaceModule("company.team", "team.yml", [{"type": LOG, "values": {"level": "ERROR"}}], "company/team/_namespace.yml")
COMPANY = NamespaceModule(
    "company", "company.yml", [{"type": LOG, "values": {"level": "WARN", "message": "m"}}], "_namespace.yml"
)

FLOW_WITH_DEFAULTS = f"""\
id: f
namespace: company.team
pluginDefaults:
  - type: {LOG}
    values:
      level: DEBUG

# the tasks
tasks:
  - id: a
    type: {LOG}
  - id: b
    type: {LOG}
    mesage: typo
"""


def test_the_namespace_defaults_go_after_the_flow_own_and_the_nearest_namespace_wins() -> None:
    rendered, issues = render_flow(FLOW_WITH_DEFAULTS, [TEAM, COMPANY])
    assert issues == []
    lines = rendered.source.splitlines()
    assert lines[:6] == FLOW_WITH_DEFAULTS.splitlines()[:6]  # the flow's own lines are kept as written
    assert lines[6] == "  # pluginDefaults of namespace company.team (company/team/_namespace.yml)"
    assert lines[7:10] == [f"  - type: {LOG}", "    values:", "      level: ERROR"]
    assert lines[10] == "  # pluginDefaults of namespace company (_namespace.yml)"
    assert lines[14] == "      message: m"
    assert lines[16] == "# the tasks"
    # the flow's own default wins; a property only the parent namespace sets comes from it
    issues = validate_flow(rendered.source)
    assert [(rendered.locate(i, "f.yml").line, rendered.locate(i, "f.yml").path) for i in issues] == [(14, "tasks[1].mesage")]


def test_a_flow_without_plugin_defaults_gets_them_at_the_end() -> None:
    text = f"id: f\nnamespace: company.team\ntasks:\n  - id: a\n    type: {LOG}\n"
    rendered, issues = render_flow(text, [COMPANY])
    assert issues == []
    assert rendered.source.startswith(text + "pluginDefaults:\n  # pluginDefaults of namespace company")
    flow = parse_flow(rendered.source)
    assert (flow.tasks[0].level, flow.tasks[0].message) == ("WARN", "m")  # type: ignore[union-attr]


def test_one_line_plugin_defaults_cannot_take_the_namespace_ones() -> None:
    text = f"id: f\nnamespace: n\npluginDefaults: [{{type: {LOG}, values: {{level: INFO}}}}]\ntasks: []\n"
    rendered, issues = render_flow(text, [COMPANY])
    assert rendered.source == text
    assert [(i.line, i.path) for i in issues] == [(3, "pluginDefaults")]


def test_module_errors_are_located() -> None:
    module, issues = parse_module("namespace: Bad\npluginDefaults:\n  - type: x\n    value: {}\nextra: 1\n", "m.yml")
    assert module is None
    assert [(i.line, i.column, i.path) for i in issues] == [
        (1, 12, "namespace"),
        (3, 5, "pluginDefaults[0].values"),
        (4, 5, "pluginDefaults[0].value"),
        (5, 1, "extra"),
    ]


def test_stored_form_is_what_the_server_keeps() -> None:
    assert stored_form("\n\n---\nid: a\n\n\n", "a.yml") == ("id: a\n", 4, [])
    _, _, issues = stored_form("id: a\n---\nid: b\n", "a.yml")
    assert [(i.line, i.source) for i in issues] == [(2, "a.yml")]


def test_trigger_changes() -> None:
    before = (
        "id: f\nnamespace: n\ntriggers:\n  - id: s\n    type: Schedule\n    cron: '0 * * * *'\n  - id: w\n    type: Webhook\n"
    )
    after = (
        "id: f\nnamespace: n\ntriggers:\n  - id: s\n    type: Schedule\n    cron: '5 * * * *'\n"
        "  - id: n\n    type: Schedule\n    cron: '@daily'\n"
    )
    changes = [(c.action, c.trigger_id, c.before, c.after) for c in trigger_changes("n", "f", before, after)]
    assert changes == [
        ("change", "s", "cron '0 * * * *'", "cron '5 * * * *'"),
        ("start", "n", None, "cron '@daily'"),
        ("stop", "w", "Webhook", None),
    ]
    disabled = after.replace("triggers:", "disabled: true\ntriggers:")
    assert [c.action for c in trigger_changes("n", "f", after, disabled)] == ["stop", "stop"]
    assert [c.action for c in trigger_changes("n", "f", after, None)] == ["stop", "stop"]


def test_a_folder_is_read_in_one_pass(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/f.yml").write_text(f"id: f\nnamespace: company.team\ntasks:\n  - id: t\n    type: {LOG}\n    message: hi\n")
    (tmp_path / "a/g.yml").write_text(f"id: f\nnamespace: company.team\ntasks:\n  - id: t\n    type: {LOG}\n    message: hi\n")
    (tmp_path / "_namespace.yml").write_text(
        f"namespace: company\npluginDefaults:\n  - type: {LOG}\n    values: {{level: WARN}}\n"
    )
    (tmp_path / "_files/company.team").mkdir(parents=True)
    (tmp_path / "_files/company.team/x.sql").write_text("select 1")
    (tmp_path / "a/f.test.yml").write_text("testCases: []\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden/x.yml").write_text("not: a flow\n")
    folder = read_folder(tmp_path)
    assert [(f.uid, f.path.name) for f in folder.flows] == [("company.team.f", "f.yml")]
    assert "level: WARN" in folder.flows[0].source
    assert [(i.path, i.line, i.message) for i in folder.issues] == [
        ("id", 1, f"flow company.team.f is also defined in {folder.flows[0].file}")
    ]
    assert [(f.namespace, f.path) for f in folder.files] == [("company.team", "x.sql")]
    assert [p.name for p in folder.tests] == ["f.test.yml"]
    assert folder.namespaces == {"company", "company.team"}
    assert read_folder(tmp_path, namespace="other").flows == []
