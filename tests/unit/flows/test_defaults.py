"""pluginDefaults: forced or not, by exact type or prefix, through aliases, at any depth."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from lanner.flows import apply_plugin_defaults, parse_flow
from lanner.models.registry import Registry
from lanner.tasks.base import RunnableTask
from tests.unit.flows.conftest import at, check, only


class Ping(RunnableTask):
    """A test task with a Lanner name and a Kestra-style alias."""

    type: Literal["tests.Ping", "io.kestra.plugin.tests.Ping"]
    text: str
    count: int = 1
    options: dict[str, Any] | None = None
    tags: list[str] | None = None


@pytest.fixture
def registry() -> Registry:
    # Not frozen: applying defaults only reads the type tables, and freezing would rebuild the
    # process-wide Flow model (which keeps the first types it was built with).
    registry = Registry()
    registry.register(Ping)
    return registry


def flow(*tasks: dict[str, Any], defaults: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": "f", "namespace": "n", "tasks": list(tasks), "pluginDefaults": defaults, **extra}


def ping(task_id: str, **props: Any) -> dict[str, Any]:
    return {"id": task_id, "type": "tests.Ping", **props}


def test_non_forced_fills_only_missing_properties(registry: Registry) -> None:
    out = apply_plugin_defaults(
        flow(ping("a"), ping("b", text="mine"), defaults=[{"type": "tests.Ping", "values": {"text": "default"}}]),
        registry,
    )
    assert [t["text"] for t in out["tasks"]] == ["default", "mine"]


def test_forced_overrides(registry: Registry) -> None:
    out = apply_plugin_defaults(
        flow(ping("a", text="mine"), defaults=[{"type": "tests.Ping", "forced": True, "values": {"text": "forced"}}]),
        registry,
    )
    assert out["tasks"][0]["text"] == "forced"


@pytest.mark.parametrize(
    ("default_type", "applies"),
    [
        ("tests.Ping", True),
        ("tests", True),
        ("tests.", True),
        ("io.kestra.plugin.tests.Ping", True),  # alias of the type written
        ("io.kestra.plugin.tests", True),  # prefix of an alias
        ("io.kestra", True),
        ("tests.Pin", False),  # a prefix must end at a dot
        ("tests.Ping.Extra", False),
        ("other.Ping", False),
    ],
)
def test_type_matching(registry: Registry, default_type: str, applies: bool) -> None:
    out = apply_plugin_defaults(flow(ping("a"), defaults=[{"type": default_type, "values": {"text": "d"}}]), registry)
    assert ("text" in out["tasks"][0]) is applies


def test_default_for_canonical_name_applies_to_alias(registry: Registry) -> None:
    task = {"id": "a", "type": "io.kestra.plugin.tests.Ping"}
    out = apply_plugin_defaults(flow(task, defaults=[{"type": "tests.Ping", "values": {"text": "d"}}]), registry)
    assert out["tasks"][0]["text"] == "d"


def test_first_listed_default_wins(registry: Registry) -> None:
    defaults = [
        {"type": "tests.Ping", "values": {"text": "first"}},
        {"type": "tests", "values": {"text": "second", "count": 2}},
        {"type": "tests.Ping", "forced": True, "values": {"count": 10}},
        {"type": "tests", "forced": True, "values": {"count": 20}},
    ]
    out = apply_plugin_defaults(flow(ping("a"), defaults=defaults), registry)
    assert (out["tasks"][0]["text"], out["tasks"][0]["count"]) == ("first", 10)


def test_nested_maps_merge_and_lists_are_replaced(registry: Registry) -> None:
    defaults = [{"type": "tests.Ping", "values": {"options": {"a": 1, "b": 1}, "tags": ["x", "y"]}}]
    out = apply_plugin_defaults(flow(ping("a", options={"b": 2}, tags=["z"]), defaults=defaults), registry)
    assert out["tasks"][0]["options"] == {"a": 1, "b": 2}
    assert out["tasks"][0]["tags"] == ["z"]


def test_input_is_not_modified(registry: Registry) -> None:
    original = flow(ping("a"), defaults=[{"type": "tests.Ping", "values": {"options": {"a": 1}}}])
    out = apply_plugin_defaults(original, registry)
    out["tasks"][0]["options"]["a"] = 2
    assert "options" not in original["tasks"][0]
    assert original["pluginDefaults"][0]["values"] == {"options": {"a": 1}}
    assert out["pluginDefaults"] == original["pluginDefaults"]


def test_malformed_defaults_are_skipped(registry: Registry) -> None:
    for defaults in ("nope", [None, {"type": 1, "values": {}}, {"type": "tests.Ping"}, {"values": {"text": "x"}}]):
        out = apply_plugin_defaults(flow(ping("a"), defaults=defaults), registry)  # type: ignore[arg-type]
        assert "text" not in out["tasks"][0]


# -- with the real core tasks ---------------------------------------------------------------


def test_defaults_reach_nested_tasks_errors_finally_and_triggers() -> None:
    parsed = parse_flow(
        """id: f
namespace: n
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - {id: inner, type: lanner.core.Log}
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: in_dag, type: io.kestra.core.tasks.log.Log}
errors:
  - {id: on_error, type: lanner.core.Log}
finally:
  - {id: at_end, type: lanner.core.Log, message: own}
triggers:
  - {id: daily, type: io.kestra.plugin.core.trigger.Schedule, cron: "0 9 * * *"}
pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values: {message: from defaults, level: WARN}
  - type: io.kestra.plugin.core.trigger
    values: {timezone: Europe/Paris}
"""
    )
    inner = parsed.tasks[0].tasks[0]  # type: ignore[attr-defined]
    in_dag = parsed.tasks[1].tasks[0].task  # type: ignore[attr-defined]
    assert (inner.message, inner.level) == ("from defaults", "WARN")
    assert in_dag.message == "from defaults"
    assert parsed.errors is not None and parsed.errors[0].message == "from defaults"  # type: ignore[attr-defined]
    assert parsed.finally_ is not None and parsed.finally_[0].message == "own"  # type: ignore[attr-defined]
    assert parsed.triggers is not None and parsed.triggers[0].timezone == "Europe/Paris"  # type: ignore[attr-defined]
    assert parsed.pluginDefaults is not None and len(parsed.pluginDefaults) == 2


def test_invalid_forced_value_points_at_the_task() -> None:
    issue = only(
        check(
            """
            id: f
            namespace: n
            tasks:
              - id: t
                type: lanner.core.Log
                message: m
            pluginDefaults:
              - type: lanner.core.Log
                forced: true
                values: {level: LOUD}
            """
        )
    )
    assert issue.path == "tasks[0].level"
    assert at(issue) == (4, 5)
    assert issue.hint and "pluginDefaults" in issue.hint


def test_malformed_plugin_defaults_are_reported() -> None:
    issues = check("id: f\nnamespace: n\ntasks:\n  - {id: t, type: lanner.core.Log, message: m}\npluginDefaults:\n  - type: x\n")
    assert [(i.message, i.path) for i in issues] == [("missing required property 'values'", "pluginDefaults[0].values")]
