"""``lanner flow validate``: every error of every file, located as ``file:line:column: path: message``."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._process import REPO, Proc, Result, start

# Positions below are counted by hand on these texts (1-based line and column).
BROKEN = """\
id: broken
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    mesage: "Hi"
  - id: second
    type: io.kestra.plugin.core.log.Lgo
    message: typo in the type
  - id: hello
    type: io.kestra.plugin.core.debug.Return
    format: same id as the first task
  - id: third
    type: io.kestra.plugin.scripts.shell.Commands
"""
#: line 6 col 5 is the key `mesage`; line 8 col 11 the value of `type`; line 10 col 9 the second
#: `hello`; line 13 col 5 the start of the task that lacks `commands`.
BROKEN_ISSUES = {
    "6:5: tasks[0].mesage: unknown property 'mesage'": "did you mean 'message'?",
    "8:11: tasks[1].type: unknown task type 'io.kestra.plugin.core.log.Lgo'": "did you mean 'io.kestra.plugin.core.log.Log'?",
    "10:9: tasks[2].id: duplicate task id 'hello'": "'hello' is already the id of tasks[0] (line 4)",
    "13:5: tasks[3].commands: missing required property 'commands'": "",
}

BAD_INDENT = """\
id: indented
namespace: company.team
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
     message: one space too far
"""
#: line 6 is read as the continuation of `type`'s value; the parser stops at its `:` (column 13)
BAD_INDENT_ISSUE = "6:13: YAML syntax error: mapping values are not allowed here"

VALID = """\
id: valid_{n}
namespace: company.team
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: hello
"""

#: long enough that every issue line passes 80 columns, the width rich assumes off a terminal
LONG_FOLDER = "a_folder_whose_name_is_long_enough_to_push_each_issue_line_past_eighty_columns"


def launch(root: Path) -> dict[str, Proc]:
    valid = root / "valid"
    (valid / "nested" / "deeper").mkdir(parents=True)
    (valid / "one.yml").write_text(VALID.format(n=1))
    (valid / "nested" / "deeper" / "two.yaml").write_text(VALID.format(n=2))
    (valid / "nested" / "README.md").write_text("not a flow: ignored\n")

    broken = root / LONG_FOLDER
    (broken / "deeper").mkdir(parents=True)
    (broken / "broken.yml").write_text(BROKEN)
    (broken / "deeper" / "indent.yaml").write_text(BAD_INDENT)
    (broken / "notes.txt").write_text("tasks: [not, a, flow]\n")

    (root / "png.yml").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (root / "latin1.yml").write_bytes("id: caf\u00e9\n".encode("latin-1"))
    (root / "nul.yml").write_bytes(b"id: x\n\x00\n")
    (root / "empty.yml").write_text("")
    (root / "list.yml").write_text("- id: a\n- id: b\n")
    (root / "scalar.yml").write_text("just a sentence\n")

    return {
        "valid": start("flow", "validate", "valid", REPO / "examples", cwd=root, folder=root / "out-valid"),
        # the broken folder and the garbage files in one command: each start costs a second or two
        "broken": start(
            "flow",
            "validate",
            broken,
            "png.yml",
            "latin1.yml",
            "nul.yml",
            "empty.yml",
            "list.yml",
            "scalar.yml",
            "missing.yml",
            cwd=root,
            folder=root / "out-broken",
        ),
    }


def broken_folder(runs: dict[str, Proc]) -> Path:
    return runs["broken"].cwd / LONG_FOLDER


def issue_lines(result: Result) -> list[str]:
    """The located issue lines of stdout (hints are indented, the summary starts with a count)."""
    return [line for line in result.stdout.splitlines() if line and not line.startswith(" ") and not line[0].isdigit()]


def hint_after(result: Result, line: str) -> str:
    lines = result.stdout.splitlines()
    following = lines[lines.index(line) + 1]
    assert following.startswith("    hint: "), f"no hint after {line!r}\n{result.describe()}"
    return following.removeprefix("    hint: ")


def test_valid_files_and_folders_searched_recursively(runs: dict[str, Proc]) -> None:
    result = runs["valid"].result()
    assert result.code == 0, result.describe()
    # one.yml, nested/deeper/two.yaml (found under nested folders, both extensions) and the examples
    examples = [p for p in (REPO / "examples").rglob("*") if p.suffix in (".yml", ".yaml")]
    assert result.stdout.splitlines()[-1].endswith(f"{2 + len(examples)} flows valid"), result.describe()
    assert "error" not in result.output.lower()


def test_every_error_is_printed_with_its_exact_position(runs: dict[str, Proc]) -> None:
    result = runs["broken"].result()
    assert result.code == 1, result.describe()
    broken = broken_folder(runs) / "broken.yml"
    indent = broken_folder(runs) / "deeper" / "indent.yaml"
    expected = [f"{broken}:{where}" for where in BROKEN_ISSUES] + [f"{indent}:{BAD_INDENT_ISSUE}"]
    # every error, each on one line (not wrapped at 80 columns), nothing else; notes.txt is not a flow
    assert [line for line in issue_lines(result) if line.startswith(str(broken_folder(runs)))] == expected, result.describe()
    # the folder's 5 errors in 2 files, and one error for each of the 7 garbage files
    assert result.stdout.splitlines()[-1] == "12 errors in 9 file(s)"


def test_errors_carry_hints(runs: dict[str, Proc]) -> None:
    result = runs["broken"].result()
    broken = broken_folder(runs) / "broken.yml"
    for where, hint in BROKEN_ISSUES.items():
        assert hint in hint_after(result, f"{broken}:{where}")


@pytest.mark.parametrize("proc", ["valid", "broken"])
def test_no_traceback(runs: dict[str, Proc], proc: str) -> None:
    result = runs[proc].result()
    assert "Traceback" not in result.output, result.describe()
    assert result.stderr == "", result.describe()


def test_garbage_inputs_are_reported_not_crashed_on(runs: dict[str, Proc]) -> None:
    result = runs["broken"].result()
    lines = issue_lines(result)
    expected = [
        "png.yml:1:1: cannot read: not UTF-8 text (invalid start byte)",
        # é in Latin-1 is byte 8 of line 1
        "latin1.yml:1:8: cannot read: not UTF-8 text (invalid continuation byte)",
        "empty.yml:1:1: the flow is empty",
        "list.yml:1:1: a flow must be a map of properties (id, namespace, tasks…), got a list",
        "scalar.yml:1:1: a flow must be a map of properties (id, namespace, tasks…), got 'just a sentence'",
    ]
    for line in expected:
        assert line in lines, result.describe()
    assert any(line.startswith("nul.yml:") and "#x0000" in line for line in lines), result.describe()
    assert any(line.startswith("missing.yml: cannot read:") for line in lines), result.describe()


def test_a_forbidden_character_is_located_where_it_is(runs: dict[str, Proc]) -> None:
    result = runs["broken"].result()
    assert any(line.startswith("nul.yml:2:1: ") for line in issue_lines(result)), result.describe()
