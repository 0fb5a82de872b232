"""Structural errors: plain words, the right place, one issue per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from lanner.errors import FlowValidationError
from lanner.flows import load_flow_file, parse_flow
from tests.unit.flows.conftest import at, check, only

HEAD = "id: hello\nnamespace: company.team\n"


def test_valid_flow_parses_with_kestra_and_lanner_names() -> None:
    flow = parse_flow(
        HEAD
        + """tasks:
  - id: kestra_name
    type: io.kestra.plugin.core.log.Log
    message: hi
  - id: legacy_name
    type: io.kestra.core.tasks.log.Log
    message: hi
  - id: lanner_name
    type: lanner.core.Log
    message: hi
    disabled: true
""",
        filename="hello.yaml",
    )
    assert [t.id for t in flow.tasks] == ["kestra_name", "legacy_name", "lanner_name"]
    assert {type(t).__name__ for t in flow.tasks} == {"Log"}
    assert flow.tasks[2].disabled is True  # disabled tasks stay; the engine skips them


def test_parse_flow_raises_every_issue_at_once() -> None:
    with pytest.raises(FlowValidationError) as caught:
        parse_flow("id: a b\nnamespace: A\ntasks: []\n", filename="bad.yaml")
    assert [i.path for i in caught.value.issues] == ["id", "namespace", "tasks"]
    assert "bad.yaml:1:5: id: invalid id 'a b'" in str(caught.value)


def test_unknown_property_with_suggestion() -> None:
    issue = only(
        check(
            """
            id: hello
            namespace: company.team
            tasks:
              - id: log
                type: io.kestra.plugin.core.log.Log
                mesage: hi
            """
        )
    )
    assert issue.message == "unknown property 'mesage'"
    assert issue.hint == "did you mean 'message'?"
    assert issue.path == "tasks[0].mesage"
    assert at(issue) == (6, 5)
    assert issue.kind == "unknown-property"


def test_unknown_property_without_close_match_lists_allowed_ones() -> None:
    issue = only(check(HEAD + "concurrency:\n  limit: 1\n  zzz: 2\ntasks:\n  - {id: t, type: lanner.core.Log, message: m}\n"))
    assert issue.message == "unknown property 'zzz'"
    assert issue.hint == "allowed: behavior, limit"
    assert at(issue) == (5, 3)


def test_unknown_flow_property() -> None:
    issue = only(check(HEAD + "taks: []\ntasks:\n  - {id: t, type: lanner.core.Log, message: m}\n"))
    assert (issue.message, issue.hint, at(issue)) == ("unknown property 'taks'", "did you mean 'tasks'?", (3, 1))


def test_unknown_task_type() -> None:
    issue = only(
        check(
            """
            id: hello
            namespace: company.team
            tasks:
              - id: log
                type: io.kestra.plugin.core.log.Logg
                message: hi
            """
        )
    )
    assert issue.message == "unknown task type 'io.kestra.plugin.core.log.Logg'"
    assert issue.hint == "did you mean 'io.kestra.plugin.core.log.Log'?"
    assert issue.path == "tasks[0].type"
    assert at(issue) == (5, 11)
    assert issue.kind == "unknown-type"


def test_unknown_trigger_type_in_nested_position() -> None:
    triggers = "triggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedul\n    cron: '@daily'\n"
    issue = only(check(HEAD + "tasks:\n  - {id: t, type: lanner.core.Log, message: m}\n" + triggers))
    assert issue.message == "unknown trigger type 'io.kestra.plugin.core.trigger.Schedul'"
    assert issue.hint == "did you mean 'io.kestra.plugin.core.trigger.Schedule'?"
    assert at(issue) == (7, 11)


def test_missing_type_and_non_string_type() -> None:
    issues = check(HEAD + "tasks:\n  - id: a\n    message: m\n  - id: b\n    type: 5\n")
    assert [(i.message, i.path, at(i)) for i in issues] == [
        ("missing required property 'type'", "tasks[0].type", (4, 5)),
        ("the task type must be a string, got 5", "tasks[1].type", (7, 11)),
    ]


def test_missing_required_property_is_located_at_its_parent() -> None:
    issue = only(
        check(
            """
            id: hello
            namespace: company.team
            tasks:
              - id: seq
                type: io.kestra.plugin.core.flow.Sequential
                tasks:
                  - id: log
                    type: lanner.core.Log
            """
        )
    )
    assert issue.message == "missing required property 'message'"
    assert issue.path == "tasks[0].tasks[0].message"
    assert at(issue) == (7, 9)
    assert issue.kind == "missing"
    assert issue.hint and "message" in issue.hint


def test_missing_flow_property_points_at_the_document() -> None:
    issue = only(check("id: hello\ntasks:\n  - {id: t, type: lanner.core.Log, message: m}\n"))
    assert (issue.message, at(issue)) == ("missing required property 'namespace'", (1, 1))


def test_misspelt_required_property_is_one_issue() -> None:
    issue = only(check(HEAD + "tasks:\n  - id: t\n    type: lanner.core.Log\n    messag: m\n"))
    assert issue.message == "unknown property 'messag'"


@pytest.mark.parametrize(
    ("snippet", "message", "column"),
    [
        ("concurrency: {limit: abc}", "expected an integer, got 'abc'", 22),
        ("revision: [1]", "expected an integer, got a list", 11),
        ("disabled: maybe", "expected a boolean (true or false), got 'maybe'", 11),
        ("description: [a]", "expected a string, got a list", 14),
        ("variables: [a]", "expected a map of properties, got a list", 12),
        ("concurrency: {limit: 0}", "must be at least 1, got 0", 22),
        ("concurrency: {limit: 1, behavior: QUEU}", "expected one of 'QUEUE', 'CANCEL', 'FAIL', got 'QUEU'", 35),
        ("labels: 5", "expected a map or a list, got 5", 9),
        ("retry: {type: constant, interval: 10s}", "expected an ISO-8601 duration, got '10s'", 35),
    ],
)
def test_wrong_value_types(snippet: str, message: str, column: int) -> None:
    issue = only(check(HEAD + snippet + "\ntasks:\n  - {id: t, type: lanner.core.Log, message: m}\n"))
    assert issue.message == message
    assert at(issue) == (3, column)


def test_enum_typo_gets_a_suggestion() -> None:
    issue = only(check(HEAD + "tasks:\n  - {id: t, type: lanner.core.Log, message: m, level: WARNN}\n"))
    assert issue.hint == "did you mean 'WARN'?"


def test_union_mismatch_is_one_issue() -> None:
    issues = check(HEAD + "tasks:\n  - id: t\n    type: lanner.core.Log\n    message: {a: 1}\n    runIf: [x]\n")
    assert [(i.path, i.message, at(i)) for i in issues] == [
        ("tasks[0].message", "expected a string or a list, got a map", (6, 14)),
        ("tasks[0].runIf", "expected a string or a boolean (true or false), got a list", (7, 12)),
    ]


def test_union_member_that_fits_the_shape_is_reported() -> None:
    issue = only(check(HEAD + "tasks:\n  - id: t\n    type: lanner.core.Log\n    message: [a, [b]]\n"))
    assert (issue.path, issue.message, at(issue)) == ("tasks[0].message[1]", "expected a string, got a list", (6, 18))


@pytest.mark.parametrize(
    ("tasks", "got"),
    [("[null]", "null"), ("[1]", "1"), ("[x]", "'x'"), ("[[]]", "a list")],
)
def test_task_that_is_not_a_map(tasks: str, got: str) -> None:
    issue = only(check(HEAD + f"tasks: {tasks}\n"))
    assert issue.message == f"expected a task (a map with `id` and `type`), got {got}"
    assert at(issue) == (3, 9)


def test_tasks_not_a_list_and_empty() -> None:
    issue = only(check(HEAD + "tasks: hello\n"))
    assert (issue.message, at(issue)) == ("expected a list, got 'hello'", (3, 8))
    assert only(check(HEAD + "tasks: []\n")).message == "must not be empty"


def test_invalid_id_and_namespace() -> None:
    issues = check("id: my flow\nnamespace: Company\ntasks:\n  - {id: t, type: lanner.core.Log, message: m}\n")
    assert [(i.message, at(i)) for i in issues] == [("invalid id 'my flow'", (1, 5)), ("invalid namespace 'Company'", (2, 12))]


def test_malformed_labels_list_is_reported_not_crashed() -> None:
    issue = only(check(HEAD + "labels:\n  - {k: v}\ntasks:\n  - {id: t, type: lanner.core.Log, message: m}\n"))
    assert issue.path == "labels[0]"
    assert at(issue) == (4, 5)


def test_input_errors() -> None:
    issues = check(
        HEAD
        + """inputs:
  - id: a
    type: STRNG
  - id: b
    type: ARRAY
  - id: c
    type: STRING
    validator: "("
tasks:
  - {id: t, type: lanner.core.Log, message: m}
"""
    )
    assert [(i.path, i.message, at(i)) for i in issues] == [
        ("inputs[0].type", "unknown input type 'STRNG'", (5, 11)),
        ("inputs[1].itemType", "missing required property 'itemType'", (6, 5)),
        (
            "inputs[2].validator",
            "invalid regular expression: missing ), unterminated subpattern at position 0",
            (10, 16),
        ),
    ]
    assert issues[0].hint == "did you mean 'STRING'?"


def test_invalid_cron_is_located_with_a_hint() -> None:
    issue = only(
        check(
            HEAD
            + """tasks:
  - {id: t, type: lanner.core.Log, message: m}
triggers:
  - id: every_minute
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 * * * *"
"""
        )
    )
    assert issue.kind == "cron"
    assert issue.message.startswith("invalid cron expression '0 0 * * * *': 6 fields instead of 5")
    assert "withSeconds" in issue.message
    assert issue.hint and issue.hint.startswith("5 fields: minute hour")
    assert at(issue) == (8, 11)


def test_every_problem_is_reported_together() -> None:
    issues = check(
        """
        id: hello
        namespace: company.team
        tasks:
          - id: a
            type: lanner.core.Log
            mesage: x
          - id: a
            type: lanner.core.Logg
        triggers:
          - id: s
            type: io.kestra.plugin.core.trigger.Schedule
            cron: nope
        """
    )
    assert [i.kind for i in issues] == ["unknown-property", "duplicate-id", "unknown-type", "cron"]
    assert [i.line for i in issues] == [6, 7, 8, 12]


def test_load_flow_file(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(HEAD + "tasks:\n  - {id: t, type: lanner.core.Log, message: héllo}\n", encoding="utf-8")
    assert load_flow_file(good).tasks[0].message == "héllo"  # type: ignore[attr-defined]
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEAD + "tasks: []\n", encoding="utf-8")
    with pytest.raises(FlowValidationError) as caught:
        load_flow_file(bad)
    assert caught.value.issues[0].source == str(bad)
    assert str(caught.value).startswith("1 error in flow:\n  " + str(bad) + ":3:8: tasks: must not be empty")
