"""Sandboxed rendering of ``{{ expressions }}`` written for Kestra (Pebble syntax), with Jinja.

    renderer = Renderer()
    renderer.render("Hello {{ inputs.name | upper }}", variables)        # "Hello ADA"
    renderer.render_typed("{{ outputs.extract.rows }}", variables)       # the list itself
    renderer.truthy("{{ outputs.check.count > 0 }}", variables)          # runIf / If
    renderer.check("{{ inputs.x ?? }}")                                  # [ExpressionIssue(...)]
    renderer.referenced_outputs("{{ outputs['my-task'].uri }}")          # {"my-task"}

Every failure raises :class:`lanner.errors.ExpressionError`; its ``reason`` names what is
missing (``outputs has no task 'extrac'; known: extract, load``) or where the syntax breaks.

What templates may use
----------------------
Variables
    ``inputs``, ``outputs``, ``vars``, ``flow``, ``execution``, ``taskrun``, ``parent(s)``,
    ``labels``, ``trigger``… as given by the engine; ``a.b``, ``a['my-key']``, ``a[0]``, ``a.0``.
    A missing variable or key is an error, except on the left of ``??``/``???``, under
    ``| default(…)`` and in tests (``is defined``, ``is null``, ``is empty``…).
Printing
    null prints nothing, booleans ``true``/``false``, lists and maps compact JSON, dates
    ``yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX``.
Operators (Pebble precedence)
    ``a ? b : c``, ``a ?? b`` (b if a is undefined or null), ``a ??? b`` (b only if a is
    undefined), ``and or not``, ``== != < > <= >= equals``, ``is [not] test``, ``contains``,
    ``in``/``not in``, ``+ - * / // %``, ``~`` (concatenation), ``a..b`` (inclusive range), ``|``.
Tests
    ``defined null empty even odd iterable map json``.
Tags
    ``if``/``elseif``/``else``, ``for`` (with ``else``; maps yield ``entry.key``/``entry.value``,
    ``loop.index`` is 0-based), ``set``, ``raw``/``verbatim``, ``filter``, ``macro``, comments.
Filters
    strings: ``abbreviate base64decode base64encode capitalize default endsWith escapeChar
    indent lower md5 nindent replace sha1 sha256 sha512 slugify split startsWith string
    substringAfter substringAfterLast substringBefore substringBeforeLast title trim upper
    urldecode urlencode``; data: ``toJson json yaml``; numbers and collections: ``abs chunk
    distinct first flatten join keys last length merge number numberFormat reverse round rsort
    slice sort values``; dates: ``date dateAdd timestamp timestampMilli timestampMicro
    timestampNano`` (see :mod:`lanner.expressions.dates`). Other Jinja filters stay available.
Functions
    ``now fromJson range max min uuid randomInt``, plus whatever the engine passes per render
    (``secret``, ``kv``, ``render``, ``read``…).
"""

from .analysis import ExpressionIssue
from .nested import render_function
from .renderer import Renderer

__all__ = ["ExpressionIssue", "Renderer", "render_function"]
