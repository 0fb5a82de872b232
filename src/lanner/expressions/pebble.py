"""Translate a Pebble template (what Kestra users write) into Jinja source.

Plain text is copied as is; every ``{{ }}`` and ``{% %}`` is parsed with
:mod:`lanner.expressions.parser` and written back as fully parenthesised Jinja, so Pebble's
precedences survive. Pebble-only syntax becomes helper filters the renderer registers
(filters are called directly by compiled templates, without the sandbox's per-call checks):

* ``a ?? b`` / ``a ??? b`` -> ``((none|__lanner_take) if (a|__lanner_keep(…)) else b)``: ``a`` is
  read with ``__lanner_get`` so a missing key yields *undefined* instead of an error, and ``b``
  is only evaluated when needed;
* ``a ~ b`` joins the printed forms (null prints nothing, ``true``, JSON for lists);
* ``a contains b``, ``a in b``, ``a..b``, ``{% for %}`` over a map (entries with ``key`` and
  ``value``) and Pebble's 0-based ``loop.index`` map to small helpers;
* ``{% elseif %}`` becomes ``{% elif %}``; the text of ``{% raw %}`` / ``{% verbatim %}`` blocks
  becomes a string literal, as does a carriage return in plain text (Jinja would rewrite it).

Tags are rewritten with the same number of line breaks, so Jinja line numbers still point
at the user's line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .lexer import PebbleSyntaxError, Segment, split_template, tokenize
from .nodes import (
    Attr,
    Binary,
    Call,
    Coalesce,
    Conditional,
    Contains,
    Filter,
    In,
    Item,
    ListLit,
    Literal,
    MapLit,
    Name,
    Node,
    RangeOp,
    Test,
    Unary,
)
from .parser import Parser

__all__ = ["Translation", "TypedExpression", "translate"]

_UNSUPPORTED_TAGS = frozenset({"include", "import", "extends", "from", "embed", "cache", "parallel", "flush", "autoescape"})
_PASSTHROUGH_TAGS = frozenset({"macro", "endmacro", "block", "endblock", "filter", "endfilter", "call", "endcall"})
_SIMPLE_TAGS = {"else": "else", "endif": "endif", "endset": "endset"}
_RAW_TAGS = frozenset({"raw", "verbatim", "endraw", "endverbatim"})
_LOOP_INDEXES = {"index": "index0", "revindex": "revindex0"}
_SAFE_INPUT_FILTERS = frozenset({"default", "d"})


@dataclass(frozen=True, slots=True)
class TypedExpression:
    """The template is one ``{{ expr }}``, maybe surrounded by whitespace."""

    source: str
    prefix: str
    suffix: str


@dataclass(frozen=True, slots=True)
class Translation:
    """Jinja source of a template, every expression parsed in it and the syntax errors found."""

    source: str
    expressions: tuple[Node, ...]
    errors: tuple[PebbleSyntaxError, ...]
    typed: TypedExpression | None


def translate(template: str) -> Translation:
    """Translate a Pebble template; syntax errors are collected, not raised."""
    try:
        segments = split_template(template)
    except PebbleSyntaxError as exc:
        return Translation("", (), (exc,), None)
    translator = _Translator()
    source = "".join(translator.segment(segment) for segment in segments)
    return Translation(
        source,
        tuple(translator.expressions),
        tuple(translator.errors),
        translator.typed(segments),
    )


@dataclass
class _Translator:
    expressions: list[Node] = field(default_factory=list)
    errors: list[PebbleSyntaxError] = field(default_factory=list)
    loop_depth: int = 0
    single: str | None = None

    def segment(self, segment: Segment) -> str:
        if segment.kind == "text":
            # Jinja would turn a carriage return in template text into a line feed
            return segment.source.replace("\r", '{{ "\\r" }}')
        newlines = "\n" * segment.source.count("\n")
        if segment.kind == "raw":
            return f"{{{{ {_literal(segment.source)} {newlines}}}}}" if segment.source else ""
        left = "-" if segment.strip_left else ""
        right = "-" if segment.strip_right else ""
        if segment.kind == "comment" or segment.body.strip() in _RAW_TAGS:
            return f"{{#{left} {newlines}{right}#}}"
        try:
            body = self.print_body(segment) if segment.kind == "print" else self.tag_body(segment)
        except PebbleSyntaxError as exc:
            self.errors.append(exc)
            return newlines
        opener, closer = ("{{", "}}") if segment.kind == "print" else ("{%", "%}")
        return f"{opener}{left} {body} {newlines}{right}{closer}"

    def print_body(self, segment: Segment) -> str:
        parser = Parser(tokenize(segment.body, segment.body_start))
        node = parser.expression()
        parser.expect_end()
        self.expressions.append(node)
        self.single = self.emit(node)
        return self.single

    def tag_body(self, segment: Segment) -> str:
        parser = Parser(tokenize(segment.body, segment.body_start))
        offset = parser.current.offset
        name = parser.expect_name("a tag name")
        if name in _PASSTHROUGH_TAGS:
            return segment.body.strip()
        if name in _UNSUPPORTED_TAGS:
            raise PebbleSyntaxError(f"the '{name}' tag is not supported", offset)
        if name in _SIMPLE_TAGS:
            body = _SIMPLE_TAGS[name]
        elif name in ("if", "elseif", "elif"):
            body = ("if " if name == "if" else "elif ") + self.expression(parser)
        elif name == "for":
            body = self.for_tag(parser)
        elif name == "endfor":
            self.loop_depth = max(0, self.loop_depth - 1)
            body = "endfor"
        elif name == "set":
            target = parser.expect_name("a variable name after 'set'")
            body = f"set {target} = {self.expression(parser)}" if parser.accept("=") else f"set {target}"
        else:
            raise PebbleSyntaxError(f"unknown tag '{name}'", offset)
        parser.expect_end()
        return body

    def for_tag(self, parser: Parser) -> str:
        targets = [parser.expect_name("a loop variable after 'for'")]
        while parser.accept(","):
            targets.append(parser.expect_name("a loop variable"))
        parser.expect("in")
        iterable = self.expression(parser)
        self.loop_depth += 1
        return f"for {', '.join(targets)} in (({iterable})|__lanner_iter({len(targets)}))"

    def expression(self, parser: Parser) -> str:
        node = parser.expression()
        self.expressions.append(node)
        return self.emit(node)

    def typed(self, segments: list[Segment]) -> TypedExpression | None:
        prints = [s for s in segments if s.kind == "print"]
        if self.errors or len(prints) != 1 or self.single is None:
            return None
        if any(s.kind not in ("text", "print") or (s.kind == "text" and s.source.strip()) for s in segments):
            return None
        index = segments.index(prints[0])
        prefix = "".join(s.source for s in segments[:index])
        suffix = "".join(s.source for s in segments[index + 1 :])
        return TypedExpression(self.single, "" if prints[0].strip_left else prefix, "" if prints[0].strip_right else suffix)

    # -- emission ----------------------------------------------------------------------

    def emit(self, node: Node, safe: bool = False) -> str:
        """Jinja source for ``node``; ``safe`` reads keys with ``__lanner_get`` (no error if missing)."""
        match node:
            case Literal(value=value):
                return _literal(value)
            case Name(name=name):
                return name
            case Attr(obj=Name(name="loop"), name=attr) if self.loop_depth and attr in _LOOP_INDEXES:
                return f"loop.{_LOOP_INDEXES[attr]}"
            case Attr(obj=obj, name=name):
                if safe:
                    return f"(({self.emit(obj, True)})|__lanner_get({_literal(name)}))"
                return f"{self.emit(obj)}.{name}"
            case Item(obj=obj, key=key):
                if safe:
                    return f"(({self.emit(obj, True)})|__lanner_get({self.emit(key)}))"
                return f"{self.emit(obj)}[{self.emit(key)}]"
            case Call(func=Attr(obj=obj, name=name), args=args, kwargs=kwargs):
                return f"({self.emit(obj, safe)}).{name}({self.arguments(args, kwargs, safe)})"
            case Call(func=func, args=args, kwargs=kwargs):
                return f"{self.emit(func, safe)}({self.arguments(args, kwargs, safe)})"
            case Filter(value=value, name=name, args=args, kwargs=kwargs):
                operand = self.emit(value, safe or name in _SAFE_INPUT_FILTERS)
                call = f"({self.arguments(args, kwargs, safe)})" if args or kwargs else ""
                return f"(({operand})|{name}{call})"
            case Test(value=value, name=name, args=args, negated=negated):
                call = f"({self.arguments(args, (), safe)})" if args else ""
                return f"(({self.emit(value, True)}) is {'not ' if negated else ''}{name}{call})"
            case Unary(op=op, operand=operand):
                return f"({op}{' ' if op == 'not' else ''}{self.emit(operand, safe)})"
            case Binary(op="~", left=left, right=right):
                return f"(({self.emit(left, safe)})|__lanner_concat({self.emit(right, safe)}))"
            case Binary(op=op, left=left, right=right):
                return f"({self.emit(left, safe)} {op} {self.emit(right, safe)})"
            case Contains(container=container, item=item):
                return f"(({self.emit(container, safe)})|__lanner_contains({self.emit(item, safe)}))"
            case In(item=item, container=container, negated=negated):
                test = f"(({self.emit(item, safe)})|__lanner_in({self.emit(container, safe)}))"
                return f"(not {test})" if negated else test
            case Coalesce(left=left, right=right, undefined_only=undefined_only):
                kept = f"(({self.emit(left, True)})|__lanner_keep({_literal(undefined_only)}))"
                return f"(((none)|__lanner_take) if {kept} else ({self.emit(right, safe)}))"
            case Conditional(test=test, then=then, otherwise=otherwise):
                return f"(({self.emit(then, safe)}) if ({self.emit(test, safe)}) else ({self.emit(otherwise, safe)}))"
            case RangeOp(start=start, end=end):
                return f"(({self.emit(start, safe)})|__lanner_range({self.emit(end, safe)}))"
            case ListLit(items=items):
                return "[" + ", ".join(self.emit(item, safe) for item in items) + "]"
            case MapLit(pairs=pairs):
                return "{" + ", ".join(f"{self.emit(k, safe)}: {self.emit(v, safe)}" for k, v in pairs) + "}"
        raise TypeError(f"cannot translate {type(node).__name__}")  # pragma: no cover - exhaustive above

    def arguments(self, args: tuple[Node, ...], kwargs: tuple[tuple[str, Node], ...], safe: bool) -> str:
        parts = [self.emit(arg, safe) for arg in args]
        parts.extend(f"{name}={self.emit(value, safe)}" for name, value in kwargs)
        return ", ".join(parts)


def _literal(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)
