"""Expressions in a flow's strings: syntax errors and unknown task outputs, located in the YAML."""

from __future__ import annotations

from tests.unit.flows.conftest import at, check, only

HEAD = "id: f\nnamespace: n\ntasks:\n"


def test_syntax_error_in_a_quoted_string_points_into_the_string() -> None:
    issue = only(check(HEAD + '  - id: a\n    type: lanner.core.Log\n    message: "Hello {{ inputs.x ?? }}"\n'))
    assert issue.kind == "expression"
    assert issue.message.startswith("invalid expression: ")
    assert issue.path == "tasks[0].message"
    assert at(issue) == (6, 36)  # the `}}` where a value was expected
    assert issue.hint == "in '{{ inputs.x ?? }}'"


def test_syntax_error_in_a_plain_string() -> None:
    issue = only(check(HEAD + "  - id: a\n    type: lanner.core.Log\n    message: Hi {{ 1 + }}\n"))
    assert at(issue) == (6, 24)


def test_syntax_error_in_a_literal_block_is_on_its_own_line() -> None:
    issue = only(
        check(
            HEAD
            + """  - id: a
    type: lanner.core.Log
    message: |
      first line
      value {{ outputs.a | }}
"""
        )
    )
    assert at(issue) == (8, 28)


def test_unclosed_tag() -> None:
    issue = only(check(HEAD + "  - id: a\n    type: lanner.core.Log\n    message: '{% if x %}open'\n"))
    assert issue.kind == "expression"
    assert issue.line == 6


def test_unknown_task_in_outputs_reference() -> None:
    issues = check(
        HEAD
        + """  - id: extract
    type: lanner.core.Log
    message: m
  - id: load
    type: lanner.core.Log
    message: "{{ outputs.extrac.uri }} {{ outputs.extract.uri }} {{ outputs['load'] }} {{ trigger.outputs.x }}"
    runIf: "{{ outputs.nothing is defined }}"
outputs:
  - id: total
    value: "{{ outputs.count.value }}"
"""
    )
    assert [(i.message, i.path, at(i)) for i in issues] == [
        ("reference to unknown task 'extrac' (`outputs.extrac`)", "tasks[1].message", (9, 14)),
        ("reference to unknown task 'nothing' (`outputs.nothing`)", "tasks[1].runIf", (10, 12)),
        ("flow output 'total' refers to unknown task 'count' (`outputs.count`)", "outputs[0].value", (13, 12)),
    ]
    assert issues[0].hint == "did you mean 'extract'?"
    assert issues[2].hint == "tasks of the flow: extract, load"
    assert {i.kind for i in issues} == {"unknown-output"}


def test_outputs_of_nested_and_error_tasks_are_known() -> None:
    assert (
        check(
            HEAD
            + """  - id: loop
    type: lanner.core.ForEach
    values: [a, b]
    tasks:
      - {id: inner, type: lanner.core.Log, message: "{{ taskrun.value }}"}
errors:
  - {id: alert, type: lanner.core.Log, message: "{{ outputs.inner['a'] }} {{ outputs.loop }}"}
variables:
  summary: "{{ outputs.alert }}"
"""
        )
        == []
    )


def test_descriptions_are_not_checked() -> None:
    assert check(HEAD + "  - id: a\n    type: lanner.core.Log\n    message: m\n    description: 'use {{ like this'\n") == []


def test_expression_issues_are_reported_with_structural_ones() -> None:
    issues = check(HEAD + "  - id: a\n    type: lanner.core.Log\n    mesage: m\n    runIf: '{{ outputs.b }}'\n")
    assert [i.kind for i in issues] == ["unknown-property", "unknown-output"]
