"""What users read when an expression fails, and Renderer.check()."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.errors import ExpressionError
from lanner.expressions import ExpressionIssue, Renderer


def failure(renderer: Renderer, template: str, variables: dict[str, Any] | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        renderer.render(template, variables or {})
    return caught.value


def test_unknown_task_lists_the_known_ones(renderer: Renderer) -> None:
    error = failure(renderer, "{{ outputs.extrac.rows }}", {"outputs": {"load": {}, "extract": {}}})
    assert error.reason == "outputs has no task 'extrac'; known: extract, load"
    assert error.expression == "{{ outputs.extrac.rows }}"


def test_unknown_task_in_brackets(renderer: Renderer) -> None:
    error = failure(renderer, "{{ outputs['my-tsk'] }}", {"outputs": {"my-task": {}}})
    assert error.reason == "outputs has no task 'my-tsk'; known: my-task"


def test_unknown_task_before_any_output(renderer: Renderer) -> None:
    error = failure(renderer, "{{ outputs.first.value }}", {"outputs": {}})
    assert error.reason == "outputs has no task 'first'; known: (no task has outputs yet)"


def test_missing_output_key_names_the_path_and_known_keys(renderer: Renderer, variables: dict[str, Any]) -> None:
    error = failure(renderer, "{{ outputs.extract.row }}", variables)
    assert error.reason == "outputs.extract has no key 'row'; known: items, rows, uri, value"


def test_missing_key_under_a_dashed_task(renderer: Renderer, variables: dict[str, Any]) -> None:
    error = failure(renderer, "{{ outputs['my-task'].nope }}", variables)
    assert error.reason == "outputs['my-task'] has no key 'nope'; known: value"


def test_missing_variable_lists_the_known_variables(renderer: Renderer) -> None:
    error = failure(renderer, "{{ inptus.name }}", {"inputs": {}, "flow": {}})
    assert error.reason == "variable 'inptus' is not defined; known: flow, inputs"


def test_index_out_of_range(renderer: Renderer, variables: dict[str, Any]) -> None:
    error = failure(renderer, "{{ outputs.extract.rows[5] }}", variables)
    assert error.reason == "outputs.extract.rows has no index 5 (it has 3 items)"


def test_attribute_of_null(renderer: Renderer, variables: dict[str, Any]) -> None:
    error = failure(renderer, "{{ outputs.extract.value.x }}", variables)
    assert "'x'" in error.reason
    assert "null" in error.reason or "NoneType" in error.reason


def test_runtime_errors_carry_the_line(renderer: Renderer) -> None:
    error = failure(renderer, "line one\nline two {{ missing }}\nline three", {})
    assert error.line == 2
    assert "(line 2)" in error.reason


def test_syntax_errors_carry_line_and_column(renderer: Renderer) -> None:
    error = failure(renderer, "first\n  {{ inputs.x ?? }}")
    assert error.line == 2
    assert error.reason == "expected a value, found end of expression (line 2, column 18)"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ a +* b }}", "expected a value, found '*'"),
        ("{{ a b }}", "unexpected, found 'b'"),
        ("{{ (a }}", "'(' is never closed (line 1, column 4)"),
        ("{{ a ? b }}", "expected ':'"),
        ("{{ 'open }}", "unterminated string literal (line 1, column 4)"),
        ("{{ a", "unclosed tag: '{{' has no matching '}}'"),
        ("{% if a %}", "Unexpected end of template"),
        ("{% endif %}", "Encountered unknown tag 'endif'"),
        ("{% include 'x' %}", "the 'include' tag is not supported"),
        ("{% frobnicate %}", "unknown tag 'frobnicate'"),
        ("{{ a | nofilter }}", "unknown filter 'nofilter'"),
        ("{{ a is nothing }}", "unknown test 'nothing'"),
        ("{{ a ** 2 }}", "the power operator '**' is not supported"),
        ("{{ a not b }}", "expected 'in' after 'not'"),
        ("{# never closed", "unclosed comment"),
        ("{% raw %}never closed", "has no matching end tag"),
        ("{{ __lanner_get }}", "names starting with '__' are reserved"),
        ("{{ f(a=1, 2) }}", "positional argument after a named one"),
        ("{{ a | }}", "expected a filter name after '|'"),
        ("{{ a is }}", "expected a test name after 'is'"),
        ("{{ @ }}", "unexpected character '@'"),
    ],
)
def test_syntax_errors(renderer: Renderer, template: str, message: str) -> None:
    assert message in failure(renderer, template).reason


def test_check_accepts_valid_templates(renderer: Renderer) -> None:
    assert renderer.check("plain text") == []
    assert renderer.check("{{ inputs.a ?? 'b' | upper }} {% if x %}{{ y ? 1 : 2 }}{% endif %}") == []


def test_check_reports_each_broken_expression(renderer: Renderer) -> None:
    issues = renderer.check("ok {{ a }}\n  {{ b ?? }} and {{ c +* d }}")
    assert issues == [
        ExpressionIssue("expected a value, found end of expression", "{{ b ?? }}", 2, 11),
        ExpressionIssue("expected a value, found '*'", "{{ c +* d }}", 2, 24),
    ]


def test_check_reports_block_structure_errors_by_line(renderer: Renderer) -> None:
    [issue] = renderer.check("a\n{% for x in y %}\n{{ x }}")
    assert issue.line == 3
    assert "endfor" in issue.message


def test_check_reports_unknown_filters(renderer: Renderer) -> None:
    [issue] = renderer.check("value: {{ a | nofilter }}")
    assert issue == ExpressionIssue("unknown filter 'nofilter'", "{{ a | nofilter }}", 1, 8)


def test_check_does_not_render(renderer: Renderer) -> None:
    assert renderer.check("{{ secret('X') }} {{ outputs.unknown.value }}") == []


def test_check_reports_unclosed_tags(renderer: Renderer) -> None:
    [issue] = renderer.check("abc {{ x ")
    assert issue.line == 1
    assert issue.column == 5
    assert issue.message == "unclosed tag: '{{' has no matching '}}'"


def test_issue_formats_for_humans() -> None:
    issue = ExpressionIssue("expected ':'", "{{ a ? b }}", 3, 7)
    assert issue.format() == "line 3, column 7: expected ':' in '{{ a ? b }}'"


def test_type_errors_become_expression_errors(renderer: Renderer) -> None:
    error = failure(renderer, "{{ 'a' + 1 }}")
    assert error.reason.startswith("TypeError")


def test_division_by_zero(renderer: Renderer) -> None:
    assert failure(renderer, "{{ 1 / 0 }}").reason == "division by zero"


@pytest.mark.parametrize(
    "template",
    ["{{ missing contains 1 }}", "{{ 1 in missing }}", "{{ missing..3 }}", "{{ range(0, missing) }}"],
)
def test_operators_on_undefined_values_name_the_missing_variable(renderer: Renderer, template: str) -> None:
    assert failure(renderer, template).reason.startswith("variable 'missing' is not defined")


def test_looping_over_an_undefined_value_names_it(renderer: Renderer) -> None:
    reason = failure(renderer, "{% for x in outputs.nope.rows %}{{ x }}{% endfor %}", {"outputs": {"a": {}}}).reason
    assert reason == "outputs has no task 'nope'; known: a"
