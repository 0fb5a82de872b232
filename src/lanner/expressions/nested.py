"""Kestra's ``render(expression, recursive=true)``: render a string that holds an expression.

Since Kestra 0.14 expressions are rendered once; ``render()`` renders a value that itself
holds ``{{ … }}`` (a flow variable written as an expression, typically), again and again
until no expression is left unless ``recursive=false``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lanner.errors import ExpressionError

from .renderer import Renderer

__all__ = ["MAX_RENDER_PASSES", "render_function"]

#: passes after which a recursive ``render()`` whose result still changes is an error
MAX_RENDER_PASSES = 10


def _has_expression(text: str) -> bool:
    return "{{" in text or "{%" in text


def render_function(
    renderer: Renderer, variables: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]
) -> Callable[..., Any]:
    """The ``render`` function for templates rendered with ``variables`` and ``functions``."""

    def render(template: Any, recursive: bool = True) -> Any:
        if not isinstance(template, str):
            return template
        scope = {**functions, "render": render}
        result = renderer.render(template, variables, scope)
        passes = 1
        while recursive and result != template and _has_expression(result):
            if passes >= MAX_RENDER_PASSES:
                raise ExpressionError(
                    template, f"render() still finds expressions after {MAX_RENDER_PASSES} passes (does a value render itself?)"
                )
            template, result = result, renderer.render(result, variables, scope)
            passes += 1
        return result

    return render
