"""Kestra's ``render(expression, recursive=true)``."""

from __future__ import annotations

import pytest

from lanner.errors import ExpressionError
from lanner.expressions import Renderer, render_function


def _render(template: str, variables: dict[str, object]) -> str:
    renderer = Renderer()
    return renderer.render(template, variables, {"render": render_function(renderer, variables, {})})


def test_render_renders_until_no_expression_is_left() -> None:
    variables = {"vars": {"a": "{{ vars.b }}!", "b": "{{ vars.c | upper }}", "c": "deep"}}
    assert _render("{{ render(vars.a) }}", variables) == "DEEP!"


def test_render_once_when_not_recursive() -> None:
    variables = {"vars": {"a": "{{ vars.b }}!", "b": "{{ vars.c }}", "c": "deep"}}
    assert _render("{{ render(vars.a, recursive=false) }}", variables) == "{{ vars.c }}!"


def test_render_leaves_plain_values_alone() -> None:
    assert _render("{{ render(vars.n) }}-{{ render('plain') }}", {"vars": {"n": 3}}) == "3-plain"


def test_a_value_that_renders_itself_forever_is_an_error() -> None:
    variables = {"vars": {"loop": "{{ '{{ vars.loop }}' }}x"}}
    with pytest.raises(ExpressionError, match="render\\(\\) still finds expressions"):
        _render("{{ render(vars.loop) }}", variables)
