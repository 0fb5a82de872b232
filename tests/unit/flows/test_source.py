"""YAML text → data with positions; text-level problems located."""

from __future__ import annotations

from pathlib import Path

import pytest

from lanner.flows.source import MAX_DEPTH, CParser, Mark, _compose_fast, format_path, load_yaml
from tests.unit.flows.conftest import at, check, only


def test_positions_of_keys_and_values_are_one_based() -> None:
    doc = load_yaml("id: a\ntasks:\n  - id: t\n    message: hi\n")
    assert doc.positions.key(("tasks", 0, "message")) == Mark(4, 5)
    assert doc.positions.value(("tasks", 0, "message")) == Mark(4, 14)
    assert doc.positions.value(("tasks", 0)) == Mark(3, 5)
    assert doc.positions.nearest(("tasks", 0, "retry", "interval")) == Mark(3, 5)


def test_scalars_follow_yaml_1_2_and_timestamps_stay_text() -> None:
    doc = load_yaml("a: [1, 0x10, 1.5, .inf, ~, true, yes, on, 2024-01-01, '7', 2024-01-01T10:00:00Z]")
    assert doc.data["a"][:3] == [1, 16, 1.5]
    assert doc.data["a"][4:] == [None, True, "yes", "on", "2024-01-01", "7", "2024-01-01T10:00:00Z"]


def test_keys_are_strings_like_kestra_reads_them() -> None:
    assert load_yaml("1: a\ntrue: b\n").data == {"1": "a", "true": "b"}


def test_merge_keys_and_aliases() -> None:
    doc = load_yaml("base: &b {level: WARN, message: x}\ntask:\n  <<: *b\n  message: y\n")
    assert doc.data["task"] == {"level": "WARN", "message": "y"}
    assert doc.issues == []


def test_syntax_error_is_located() -> None:
    issue = only(check("id: a\nnamespace: b\ntasks: [1\n"))
    assert issue.kind == "syntax"
    assert issue.message.startswith("YAML syntax error")
    assert at(issue) == (4, 1)
    assert issue.source == "flow.yaml"


def test_tab_indentation_gets_a_hint() -> None:
    issue = only(check("id: a\n\tnamespace: b\n"))
    assert issue.kind == "syntax"
    assert at(issue) == (2, 1)
    assert issue.hint == "indent with spaces, not tabs"


def test_mapping_value_error_position() -> None:
    issue = only(check("id: a: b\n"))
    assert at(issue) == (1, 6)


def test_duplicate_keys_are_each_reported_with_both_lines() -> None:
    issues = check(
        """
        id: a
        namespace: b
        id: c
        tasks:
          - id: t
            type: io.kestra.plugin.core.log.Log
            message: one
            message: two
        """
    )
    duplicates = [i for i in issues if i.kind == "duplicate-key"]
    assert [(at(i), i.message) for i in duplicates] == [((3, 1), "duplicate key 'id'"), ((8, 5), "duplicate key 'message'")]
    assert "line 1" in (duplicates[0].hint or "")


def test_second_document_is_refused() -> None:
    issue = only(check("id: a\nnamespace: b\n---\nid: c\n"))
    assert at(issue) == (3, 1)
    assert "one document" in issue.message


@pytest.mark.parametrize(("text", "got"), [("- a\n- b\n", "a list"), ("hello\n", "'hello'"), ("42\n", "42")])
def test_document_must_be_a_map(text: str, got: str) -> None:
    issue = only(check(text))
    assert issue.message == f"a flow must be a map of properties (id, namespace, tasks…), got {got}"
    assert at(issue) == (1, 1)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_document(text: str) -> None:
    assert only(check(text)).message == "the flow is empty"


def test_recursive_alias_is_an_issue_not_a_crash() -> None:
    doc = load_yaml("a: &x [1, *x]\n")
    assert "alias" in only(doc.issues).message


def test_alias_bomb_is_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    doc = load_yaml("\n".join(lines))
    assert "too large" in only(doc.issues).message


def test_deep_flow_style_nesting_is_refused_before_parsing() -> None:
    doc = load_yaml("a: " + "[" * 5000)
    assert not doc.readable
    issue = only(doc.issues)
    assert issue.message == f"the document is nested more than {MAX_DEPTH} levels deep"
    assert at(issue) == (1, 4 + MAX_DEPTH)
    assert load_yaml('a: "' + "[" * 500 + '"').issues == []  # brackets in a string are text


def test_deep_block_nesting_is_refused() -> None:
    text = "".join("  " * level + "k:\n" for level in range(MAX_DEPTH + 3))
    issue = only(load_yaml(text).issues)
    assert issue.message == f"the document is nested more than {MAX_DEPTH} levels deep"


def test_format_path() -> None:
    assert format_path(("tasks", 2, "retry", "interval")) == "tasks[2].retry.interval"
    assert format_path(("cases", "a.b", 0)) == "cases['a.b'][0]"
    assert format_path(()) == ""


# Stored revisions are read with libyaml's C parser (``stored=True``): same data and positions.

_TRICKY = """\
id: tricky   # a comment
namespace: company.team
description: |
  Two lines,
  kept as written.
labels: {env: prod, "quoted key": 'single ''quoted''', unicode: "héllo ✓ \\u00e9"}
defaults: &defaults
  level: WARN
  timeout: PT1M
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    <<: *defaults
    message: >-
      folded
      text
  - {id: second, type: io.kestra.plugin.core.debug.Return, format: "{{ outputs.first }}"}
  - id: numbers
    values: [1_000, 0o17, 0x1f, -2.5e3, .nan, null, ~, true, yes, on, 2024-01-01, !!str 42]
    plain: a multi-line
      plain scalar
    empty: ""
"""


def _same_reading(text: str) -> None:
    slow, fast = load_yaml(text), load_yaml(text, stored=True)
    assert fast.data == slow.data
    assert fast.issues == slow.issues
    assert fast.positions.keys == slow.positions.keys
    assert fast.positions.values == slow.positions.values
    assert fast.positions.styles == slow.positions.styles


def test_stored_documents_read_with_the_c_parser_give_the_same_data_and_positions() -> None:
    assert CParser is not None  # ruamel.yaml.clib is a pinned dependency
    assert _compose_fast(_TRICKY) is not None  # the C parser reads it, no fallback
    _same_reading(_TRICKY)
    _same_reading(_TRICKY.replace("\n", "\r\n"))
    root = Path(__file__).parents[3]
    shipped = sorted([*root.glob("examples/*.yml"), *root.glob("blueprints/*.yaml")])
    assert len(shipped) >= 20
    for path in shipped:
        _same_reading(path.read_text(encoding="utf-8"))


def test_new_text_is_read_by_the_pure_parser_which_reports_what_the_c_parser_lets_through() -> None:
    text = "id: a\nnamespace: b\ntasks:\t[]\n"  # a tab after the colon
    assert _compose_fast(text) is not None  # libyaml accepts it…
    issue = only(load_yaml(text).issues)  # …the pure parser does not, and new text goes through it
    assert issue.kind == "syntax" and at(issue) == (3, 7)
    assert load_yaml("tasks: [1\n", stored=True).issues == load_yaml("tasks: [1\n").issues  # refused: read again
