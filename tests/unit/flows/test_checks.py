"""Semantic checks: ids, Dag dependencies, inputs; reported with structural errors."""

from __future__ import annotations

from tests.unit.flows.conftest import at, check, only


def test_duplicate_task_ids_anywhere_in_the_flow() -> None:
    issues = check(
        """
        id: f
        namespace: n
        tasks:
          - id: a
            type: lanner.core.Log
            message: m
          - id: seq
            type: lanner.core.Sequential
            tasks:
              - {id: a, type: lanner.core.Log, message: m}
        errors:
          - {id: seq, type: lanner.core.Log, message: m}
        finally:
          - {id: a, type: lanner.core.Log, message: m, disabled: true}
        """
    )
    assert [(i.message, i.path, at(i)) for i in issues] == [
        ("duplicate task id 'a'", "tasks[1].tasks[0].id", (10, 14)),
        ("duplicate task id 'seq'", "errors[0].id", (12, 10)),
        ("duplicate task id 'a'", "finally[0].id", (14, 10)),
    ]
    assert issues[0].hint == "'a' is already the id of tasks[0] (line 4); ids must be unique"
    assert {i.kind for i in issues} == {"duplicate-id"}


def test_duplicate_ids_in_dag_switch_and_if_branches() -> None:
    issues = check(
        """
        id: f
        namespace: n
        tasks:
          - id: sw
            type: io.kestra.plugin.core.flow.Switch
            value: x
            cases:
              x: [{id: dup, type: lanner.core.Log, message: m}]
            defaults: [{id: dup, type: lanner.core.Log, message: m}]
          - id: cond
            type: io.kestra.plugin.core.flow.If
            condition: "true"
            then: [{id: t, type: lanner.core.Log, message: m}]
            else: [{id: t, type: lanner.core.Log, message: m}]
          - id: dag
            type: io.kestra.plugin.core.flow.Dag
            tasks:
              - task: {id: sw, type: lanner.core.Log, message: m}
        """
    )
    assert [(i.message, i.path) for i in issues] == [
        ("duplicate task id 'dup'", "tasks[0].defaults[0].id"),
        ("duplicate task id 't'", "tasks[1].else[0].id"),
        ("duplicate task id 'sw'", "tasks[2].tasks[0].task.id"),
    ]


def test_duplicates_are_found_next_to_structural_errors() -> None:
    issues = check("id: f\nnamespace: n\ntasks:\n  - {id: a, type: lanner.core.Log}\n  - {id: a, type: nope.Task}\n")
    assert [i.kind for i in issues] == ["missing", "duplicate-id", "unknown-type"]


def test_duplicate_trigger_input_and_output_ids() -> None:
    issues = check(
        """
        id: f
        namespace: n
        inputs:
          - {id: x, type: STRING}
          - {id: x, type: INT}
        tasks:
          - {id: t, type: lanner.core.Log, message: m}
        outputs:
          - {id: o, value: "1"}
          - {id: o, value: "2"}
        triggers:
          - {id: s, type: io.kestra.plugin.core.trigger.Webhook, key: k1}
          - {id: s, type: io.kestra.plugin.core.trigger.Webhook, key: k2}
        """
    )
    assert [(i.message, at(i)) for i in issues] == [
        ("duplicate input id 'x'", (5, 10)),
        ("duplicate output id 'o'", (10, 10)),
        ("duplicate trigger id 's'", (13, 10)),
    ]


DAG = """
id: f
namespace: n
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: a, type: lanner.core.Log, message: m}
        dependsOn: [c]
      - task: {id: b, type: lanner.core.Log, message: m}
        dependsOn: [a]
      - task: {id: c, type: lanner.core.Log, message: m}
        dependsOn: [b, extrat, c]
      - task: {id: extract, type: lanner.core.Log, message: m}
"""


def test_dag_unknown_dependency_self_dependency_and_cycle() -> None:
    issues = check(DAG)
    assert [(i.message, i.path, at(i)) for i in issues] == [
        ("dependency cycle: a → c → b → a", "tasks[0].tasks[0].dependsOn[0]", (8, 21)),
        ("unknown task 'extrat' in dependsOn of 'c'", "tasks[0].tasks[2].dependsOn[1]", (12, 24)),
        ("task 'c' depends on itself", "tasks[0].tasks[2].dependsOn[2]", (12, 32)),
    ]
    assert issues[1].hint == "did you mean 'extract'?"
    assert {i.kind for i in issues} == {"dag"}


def test_dag_dependency_must_be_in_the_same_dag() -> None:
    issue = only(
        check(
            """
            id: f
            namespace: n
            tasks:
              - {id: outside, type: lanner.core.Log, message: m}
              - id: dag
                type: lanner.core.Dag
                tasks:
                  - task: {id: a, type: lanner.core.Log, message: m}
                    dependsOn: [outside]
            """
        )
    )
    assert issue.message == "unknown task 'outside' in dependsOn of 'a'"
    assert issue.hint == "tasks of this Dag: a"


def test_valid_dag_has_no_issue() -> None:
    assert (
        check(
            """
        id: f
        namespace: n
        tasks:
          - id: dag
            type: lanner.core.Dag
            tasks:
              - task: {id: a, type: lanner.core.Log, message: m}
              - task: {id: b, type: lanner.core.Log, message: m}
                dependsOn: [a]
              - task: {id: c, type: lanner.core.Log, message: m}
                dependsOn: [a, b]
        """
        )
        == []
    )


def test_input_defaults_must_fit_their_type() -> None:
    issues = check(
        """
        id: f
        namespace: n
        inputs:
          - {id: n, type: INT, defaults: abc}
          - {id: ok, type: INT, defaults: "42"}
          - {id: d, type: DATE, defaults: 2024-13-01}
          - {id: s, type: SELECT, values: [a, b], defaults: c}
          - {id: dyn, type: INT, defaults: "{{ 1 + 1 }}"}
          - {id: arr, type: ARRAY, itemType: INT, defaults: [1, x]}
        tasks:
          - {id: t, type: lanner.core.Log, message: m}
        """
    )
    assert [(i.message, i.path, at(i)) for i in issues] == [
        ("invalid default: expected an integer, got 'abc'", "inputs[0].defaults", (4, 34)),
        ("invalid default: expected an ISO-8601 date, got '2024-13-01'", "inputs[2].defaults", (6, 35)),
        ("invalid default: 'c' is not one of the values", "inputs[3].defaults", (7, 53)),
        ("invalid default: expected an integer, got 'x'", "inputs[5].defaults", (9, 53)),
    ]
    assert issues[2].hint == "allowed: 'a', 'b'"


def test_input_depends_on_unknown_input() -> None:
    issues = check(
        """
        id: f
        namespace: n
        inputs:
          - {id: region, type: STRING}
          - id: city
            type: STRING
            dependsOn:
              inputs: [regoin, city, region]
        tasks:
          - {id: t, type: lanner.core.Log, message: m}
        """
    )
    assert [(i.message, at(i)) for i in issues] == [
        ("unknown input 'regoin' in dependsOn", (8, 16)),
        ("input 'city' depends on itself", (8, 24)),
    ]
    assert issues[0].hint == "did you mean 'region'?"
