"""Render ``{{ expressions }}`` written for Kestra (Pebble) with a sandboxed Jinja environment.

A template is translated once (:mod:`lanner.expressions.pebble`), compiled once and kept in an
LRU cache keyed by its text; rendering it again costs a context and a generator. Strings
without ``{{``, ``{%`` or ``{#`` are returned as they are.

Variables (``inputs``, ``outputs``, ``vars``, ``flow``, ``execution``, ``taskrun``, ``trigger``…)
are plain nested dicts read with dots or brackets; the engine passes per-call functions
(``secret``, ``kv``, ``render``…) with ``functions``, which never leak into the cache.

Every failure is an :class:`~lanner.errors.ExpressionError` whose ``reason`` says what is wrong
and, when known, ``line`` says where.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jinja2 import Template, Undefined
from jinja2.exceptions import TemplateSyntaxError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context

from lanner.errors import ExpressionError, LannerError

from .analysis import ExpressionIssue, issue_at_line, issue_at_offset, output_references, position
from .dates import DATE_FILTERS
from .diagnostics import reason
from .filters import STRING_FILTERS
from .functions import helpers, public_functions, tests
from .pebble import Translation, TypedExpression, translate
from .sandbox import LannerEnvironment, LannerUndefined, RenderContext
from .sequences import SEQUENCE_FILTERS
from .serialize import to_text

__all__ = ["Renderer"]

Functions = Mapping[str, Callable[..., Any]] | None

_RESULT = "__lanner_result"
_UNSAFE_JINJA_FILTERS = ("center", "format")  # can pad a short input to gigabytes
_FALSE_TEXT = frozenset({"", "false", "0"})


@dataclass(frozen=True, slots=True)
class _Compiled:
    template: Template
    typed: TypedExpression | None


class Renderer:
    """Renders templates; build one and share it (it holds the compiled-template cache)."""

    def __init__(self, *, cache_size: int = 4096, clock: Callable[[], datetime] | None = None) -> None:
        self._env = LannerEnvironment(undefined=LannerUndefined, autoescape=False, keep_trailing_newline=True, finalize=to_text)
        self._env.globals.clear()
        self._env.globals.update(public_functions(clock or _utc_now))
        self._env.filters.update(helpers(self._env))
        for name in _UNSAFE_JINJA_FILTERS:
            self._env.filters.pop(name, None)
        for name, pebble_filter in {**STRING_FILTERS, **SEQUENCE_FILTERS, **DATE_FILTERS}.items():
            self._env.filters[name] = pebble_filter if name in ("default", "d") else _passes_undefined(pebble_filter)
        self._env.tests.update(tests())
        self._globals: dict[str, Any] = dict(self._env.globals)
        self._eval_ctx = EvalContext(self._env)
        self._translate: Callable[[str], Translation] = functools.lru_cache(maxsize=cache_size)(translate)
        self._compiled = functools.lru_cache(maxsize=cache_size)(self._compile)
        self._typed = functools.lru_cache(maxsize=cache_size)(self._compile_typed)

    def render(self, template: str, variables: Mapping[str, Any], functions: Functions = None) -> str:
        """Render ``template`` to a string; lists and maps print as JSON, null prints nothing."""
        if "{{" not in template and "{%" not in template and "{#" not in template:
            return template
        compiled = self._compiled(template)
        jinja = compiled.template
        context = self._new_context(jinja, variables, functions)
        try:
            return "".join(jinja.root_render_func(context))
        except LannerError:
            raise
        except Exception as exc:
            raise _failure(template, exc, variables, jinja) from exc

    def render_value(self, value: Any, variables: Mapping[str, Any], functions: Functions = None) -> Any:
        """Render every string inside lists, tuples and dicts (keys too); other values are kept."""
        if isinstance(value, str):
            return self.render(value, variables, functions)
        if isinstance(value, list):
            return [self.render_value(item, variables, functions) for item in value]
        if isinstance(value, tuple):
            return tuple(self.render_value(item, variables, functions) for item in value)
        if isinstance(value, Mapping):
            return {self._render_key(key, variables, functions): self.render_value(item, variables, functions)
                    for key, item in value.items()}  # fmt: skip
        return value

    def render_typed(self, template: str, variables: Mapping[str, Any], functions: Functions = None) -> Any:
        """Like :meth:`render`, but a template that is exactly one ``{{ expr }}`` (whitespace
        around allowed) returns the value itself: a list stays a list, ``true`` a bool, null None."""
        if "{{" not in template:
            return self.render(template, variables, functions)
        compiled = self._compiled(template)
        if compiled.typed is None:
            return self.render(template, variables, functions)
        typed = compiled.typed
        jinja = self._typed(typed.source, typed.prefix.count("\n"))
        context = self._new_context(jinja, variables, functions)
        try:
            for _ in jinja.root_render_func(context):
                pass
            value = context.vars[_RESULT]
            if isinstance(value, Undefined):
                str(value)  # raises, naming what is missing
        except LannerError:
            raise
        except Exception as exc:
            raise _failure(template, exc, variables, jinja) from exc
        if isinstance(value, str):
            return typed.prefix + value + typed.suffix
        return value

    def truthy(self, template: str | bool | None, variables: Mapping[str, Any], functions: Functions = None) -> bool:
        """Whether a condition (``runIf``, ``If``…) holds: false, ``"false"``, ``"0"``, ``""``
        (any case, blanks ignored), null, 0 and empty lists or maps are false."""
        if template is None:
            return False
        if isinstance(template, bool):
            return template
        value = self.render_typed(template, variables, functions)
        if value is None:
            return False
        if isinstance(value, str):
            return value.strip().lower() not in _FALSE_TEXT
        if isinstance(value, bool | int | float | list | tuple | dict | set):
            return bool(value)
        return True

    def check(self, template: str) -> list[ExpressionIssue]:
        """Syntax problems of ``template``, found without rendering it (empty when valid)."""
        if "{{" not in template and "{%" not in template and "{#" not in template:
            return []
        translation = self._translate(template)
        if translation.errors:
            return [issue_at_offset(template, error) for error in translation.errors]
        try:
            self._compiled(template)
        except ExpressionError as exc:
            cause = exc.__cause__
            if isinstance(cause, TemplateSyntaxError):
                return [issue_at_line(template, _plain(cause.message or str(cause)), cause.lineno)]
            return [issue_at_line(template, exc.reason, exc.line)]
        return []

    def referenced_outputs(self, template: str) -> set[str]:
        """Ids of the tasks whose outputs ``template`` reads (``outputs.x``, ``outputs['x']``)."""
        if "{{" not in template and "{%" not in template:
            return set()
        return output_references(self._translate(template).expressions)

    # -- internals ---------------------------------------------------------------------

    def _render_key(self, key: Any, variables: Mapping[str, Any], functions: Functions) -> Any:
        return self.render(key, variables, functions) if isinstance(key, str) else key

    def _new_context(self, jinja: Template, variables: Mapping[str, Any], functions: Functions) -> Context:
        names = {**self._globals, **variables}
        if functions:
            names.update(functions)
        return RenderContext(self._env, self._eval_ctx, names, jinja.blocks)

    def _compile(self, template: str) -> _Compiled:
        translation = self._translate(template)
        if translation.errors:
            error = translation.errors[0]
            line, column = position(template, error.offset)
            raise ExpressionError(template, f"{error.message} (line {line}, column {column})", line=line)
        try:
            jinja = self._env.from_string(translation.source)
        except TemplateSyntaxError as exc:
            message = _plain(exc.message or str(exc))
            raise ExpressionError(template, f"{message} (line {exc.lineno})", line=exc.lineno) from exc
        return _Compiled(jinja, translation.typed)

    def _compile_typed(self, source: str, leading_lines: int) -> Template:
        return self._env.from_string("\n" * leading_lines + f"{{% set {_RESULT} = {source} %}}")


def _plain(message: str) -> str:
    """Jinja's compile messages in Pebble words."""
    message = re.sub(r"No (filter|test) named '([^']+)'\.?", r"unknown \1 '\2'", message)
    return message.replace("Jinja was looking for the following tags", "expected").replace("'elif'", "'elseif'")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _passes_undefined(pebble_filter: Callable[..., Any]) -> Callable[..., Any]:
    """Hand an undefined input back untouched, so ``??`` and error messages still see it."""

    @functools.wraps(pebble_filter)
    def apply(value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, Undefined):
            return value
        return pebble_filter(value, *args, **kwargs)

    return apply


def _failure(template: str, exc: Exception, variables: Mapping[str, Any], jinja: Template) -> ExpressionError:
    line = None
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            line = jinja.get_corresponding_lineno(traceback.tb_lineno)
        traceback = traceback.tb_next
    text = reason(exc, variables)
    return ExpressionError(template, f"{text} (line {line})" if line and "\n" in template else text, line=line)
