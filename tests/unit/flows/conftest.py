from __future__ import annotations

import textwrap

import pytest

from lanner.errors import Issue
from lanner.flows import validate_flow


def check(source: str) -> list[Issue]:
    """Issues of a flow written as an indented literal (dedented first)."""
    return validate_flow(textwrap.dedent(source).lstrip("\n"), filename="flow.yaml")


def only(issues: list[Issue], kind: str | None = None) -> Issue:
    chosen = [i for i in issues if kind is None or i.kind == kind]
    assert len(chosen) == 1, [i.format() for i in issues]
    return chosen[0]


def at(issue: Issue) -> tuple[int | None, int | None]:
    return issue.line, issue.column


@pytest.fixture
def flow_head() -> str:
    return "id: hello\nnamespace: company.team\n"
