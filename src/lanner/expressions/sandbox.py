"""The Jinja sandbox Lanner renders with, and the undefined value that remembers where it came from.

Pebble reads ``map.key`` as a map lookup, so a task output named ``items`` or ``values`` is
found before the dict method of the same name. Attributes starting with ``_`` and Python
internals stay out of reach (Jinja's sandbox), and the few operations that could build a
huge string from a short expression (``'a' * 10**9``, padding format specs) are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from jinja2 import StrictUndefined, Undefined
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

__all__ = ["MAX_SEQUENCE", "LannerEnvironment", "LannerUndefined", "RenderContext", "UndefinedAccess"]

#: largest string or list an expression may build by repetition or with ``range``
MAX_SEQUENCE = 1_000_000
_UNSAFE_STR_METHODS = frozenset({"format", "format_map", "center", "ljust", "rjust", "zfill", "expandtabs"})


class UndefinedAccess(UndefinedError):
    """A missing variable, key or index was used; ``undefined`` says which."""

    def __init__(self, message: str, undefined: LannerUndefined) -> None:
        super().__init__(message)
        self.undefined = undefined

    @property
    def obj(self) -> Any:
        """The value the missing name was looked up in (Jinja's ``missing`` for a variable)."""
        return self.undefined._undefined_obj

    @property
    def name(self) -> Any:
        return self.undefined._undefined_name


class LannerUndefined(StrictUndefined):
    """Strict undefined: any use raises :class:`UndefinedAccess`, which keeps the lookup."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        if self._undefined_exception is not UndefinedError:
            raise self._undefined_exception(self._undefined_message)
        raise UndefinedAccess(self._undefined_message, self)


# StrictUndefined aliases its dunder methods to the base class function at class creation,
# so overriding the method alone would not reach ``str(undefined)`` or ``undefined + 1``.
for _name in dir(StrictUndefined):
    if getattr(StrictUndefined, _name, None) is Undefined._fail_with_undefined_error:
        setattr(LannerUndefined, _name, LannerUndefined._fail_with_undefined_error)


class LannerEnvironment(SandboxedEnvironment):
    """Jinja's sandbox with Pebble's map lookups and a cap on repetition."""

    intercepted_binops = frozenset({"*", "%"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict or isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        elif isinstance(obj, str) and attribute in _UNSAFE_STR_METHODS:
            return self.unsafe_undefined(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        try:
            return obj[argument]
        except (TypeError, LookupError):
            return self.undefined(obj=obj, name=argument)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' on a string is not supported; use '~' to concatenate")
        if operator == "*":
            _check_repetition(left, right)
            _check_repetition(right, left)
        return super().call_binop(context, operator, left, right)


def _check_repetition(sequence: Any, count: Any) -> None:
    if isinstance(sequence, str | list | tuple) and isinstance(count, int) and len(sequence) * count > MAX_SEQUENCE:
        raise SecurityError(f"repetition would build more than {MAX_SEQUENCE} items")


class RenderContext(Context):
    """Jinja's template context, built with less per-render work.

    Jinja's own constructor re-derives the evaluation context and copies the globals on every
    render; Lanner templates cannot change autoescaping (no ``autoescape`` tag) nor extend
    other templates, so one evaluation context per environment is shared and ``names`` (the
    globals, variables and functions of this render, already merged) is used as is.
    """

    def __init__(
        self, environment: LannerEnvironment, eval_ctx: EvalContext, names: dict[str, Any], blocks: dict[str, Any]
    ) -> None:
        self.environment = environment
        self.eval_ctx = eval_ctx
        self.parent = names
        self.vars = {}
        self.exported_vars = set()
        self.name = None
        self.globals_keys = set()
        self.blocks = {name: [block] for name, block in blocks.items()} if blocks else {}
