"""Expressions cannot reach Python internals or exhaust memory; every attempt is an ExpressionError."""

from __future__ import annotations

from typing import Any

import pytest

from lanner.errors import ExpressionError
from lanner.expressions import Renderer


class Secretive:
    """An object a careless engine could put in the variables."""

    def __init__(self) -> None:
        self.public = "visible"
        self._private = "hidden"

    def mutate(self) -> str:
        return "called"


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ self.__dict__ }}",
        "{{ now.__globals__ }}",
        "{{ fromJson.__code__ }}",
        "{{ obj._private }}",
        "{{ obj.__dict__ }}",
        "{{ obj.mutate.__self__ }}",
        "{{ ''['__class__'] }}",
        "{{ obj['_private'] }}",
        "{{ '' | attr('__class__') }}",
        "{{ obj | attr('_private') }}",
        "{% set x = ''.__class__ %}{{ x }}",
        "{{ '{0.__class__}'.format('') }}",
        "{{ '%s' % 'x' }}",
        "{{ 'x'.center(1000000000) }}",
        "{{ 'a' * 1000000000 }}",
        "{{ [1] * 1000000000 }}",
        "{{ 1000000000 * 'a' }}",
        "{{ range(10**9) }}",
        "{{ range(0, 1000000000) }}",
        "{{ 'x' | format(1) }}",
        "{{ 'x' | center(1000000000) }}",
        "{% include 'other.txt' %}",
        "{% import 'macros' as m %}",
        "{% extends 'base' %}",
    ],
)
def test_escape_attempts_fail_with_expression_error(renderer: Renderer, template: str) -> None:
    with pytest.raises(ExpressionError):
        renderer.render(template, {"obj": Secretive()})


def test_private_attributes_are_rejected_before_rendering(renderer: Renderer) -> None:
    issues = renderer.check("{{ ''.__class__ }}")
    assert [issue.message for issue in issues] == ["access to private attribute '__class__' is not allowed"]


def test_macro_arguments_are_still_sandboxed(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="not allowed"):
        renderer.render("{% macro m(a=''|attr('__class__')) %}{{ a }}{% endmacro %}{{ m() }}", {})


def test_public_attributes_and_methods_of_plain_values_still_work(renderer: Renderer) -> None:
    assert renderer.render("{{ obj.public }} {{ obj.mutate() }} {{ 'a,b'.split(',') }}", {"obj": Secretive()}) == (
        'visible called ["a","b"]'
    )


def test_missing_methods_explain_themselves(renderer: Renderer) -> None:
    with pytest.raises(ExpressionError, match="str value has no attribute 'toUpperCase'"):
        renderer.render("{{ 'a'.toUpperCase() }}", {})


def test_variables_are_not_modified_by_rendering(renderer: Renderer) -> None:
    variables: dict[str, Any] = {"items": [1, 2], "m": {"a": 1}}
    renderer.render("{% set items = [] %}{{ m | merge({'b': 2}) }}{{ items | reverse }}", variables)
    assert variables == {"items": [1, 2], "m": {"a": 1}}
