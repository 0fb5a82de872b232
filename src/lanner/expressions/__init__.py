"""Sandboxed rendering of ``{{ expressions }}`` written for Kestra (Pebble syntax) with Jinja.

    renderer = Renderer()
    renderer.render("Hello {{ inputs.name | upper }}", {"inputs": {"name": "ada"}})
    renderer.render_typed("{{ outputs.extract.rows }}", variables)   # the list itself
    renderer.truthy("{{ outputs.check.count > 0 }}", variables)      # runIf / If
    renderer.check("{{ inputs.x ?? }}")                              # [ExpressionIssue(...)]
    renderer.referenced_outputs("{{ outputs['my-task'].uri }}")      # {"my-task"}

Every failure raises :class:`lanner.errors.ExpressionError`.
"""

from .analysis import ExpressionIssue
from .renderer import Renderer

__all__ = ["ExpressionIssue", "Renderer"]
