"""Read one Pebble expression into a syntax tree (precedence climbing, Pebble's precedences).

Pebble binds operators in this order, loosest first: ``or`` (10), ``and`` (15), ``is`` /
``contains`` (20), comparisons and ``in`` (30), ``+ -`` (40), ``* / // %`` (60), the filter
pipe ``|`` (100), ``~`` (110), ``..`` / ``??`` / ``???`` (120). So ``a ~ b | upper`` upper-cases
the concatenation, ``-7 | abs`` is 7 and ``x ?? y | date('yyyy')`` formats the fallback too.
``not`` binds like Python (looser than comparisons and tests, tighter than ``and``), and the
ternary ``a ? b : c`` wraps a whole expression, nesting to the right.
"""

from __future__ import annotations

from .lexer import PebbleSyntaxError, Token, tokenize
from .nodes import (
    Args,
    Attr,
    Binary,
    Call,
    Coalesce,
    Conditional,
    Contains,
    Filter,
    In,
    Item,
    Kwargs,
    ListLit,
    Literal,
    MapLit,
    Name,
    Node,
    RangeOp,
    Test,
    Unary,
)

__all__ = ["Parser", "parse_expression"]

_BINARY = {
    "or": 10, "and": 15, "is": 20, "contains": 20, "in": 30, "not": 30,
    "==": 30, "equals": 30, "!=": 30, "<": 30, ">": 30, "<=": 30, ">=": 30,
    "+": 40, "-": 40, "*": 60, "/": 60, "//": 60, "%": 60,
    "|": 100, "~": 110, "..": 120, "??": 120, "???": 120,
}  # fmt: skip
_NOT_PRECEDENCE = 16
_UNARY_PRECEDENCE = 500
_CONSTANTS: dict[str, Literal] = {
    "true": Literal(True), "false": Literal(False), "null": Literal(None), "none": Literal(None),
    "True": Literal(True), "False": Literal(False), "None": Literal(None),
}  # fmt: skip


def parse_expression(source: str, base: int = 0) -> Node:
    """Parse a whole expression; ``base`` is its offset in the template (for error positions)."""
    parser = Parser(tokenize(source, base))
    node = parser.expression()
    parser.expect_end()
    return node


class Parser:
    """A cursor over tokens; tag translation reads names and keywords with it too."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != "end":
            self.pos += 1
        return token

    def at(self, value: str, kind: str | None = None) -> bool:
        token = self.current
        return token.value == value and token.kind in ((kind,) if kind else ("op", "name"))

    def accept(self, value: str) -> bool:
        if self.at(value):
            self.advance()
            return True
        return False

    def expect(self, value: str) -> Token:
        if not self.at(value):
            raise self.error(f"expected '{value}'")
        return self.advance()

    def expect_name(self, what: str = "a name") -> str:
        token = self.current
        if token.kind != "name":
            raise self.error(f"expected {what}")
        self.advance()
        return token.value

    def expect_end(self) -> None:
        if self.current.kind != "end":
            raise self.error("unexpected")

    def error(self, message: str) -> PebbleSyntaxError:
        token = self.current
        found = "end of expression" if token.kind == "end" else repr(token.value)
        return PebbleSyntaxError(f"{message}, found {found}", token.offset)

    # -- expressions -------------------------------------------------------------------

    def expression(self) -> Node:
        node = self.binary(0)
        if self.accept("?"):
            then = self.expression()
            self.expect(":")
            return Conditional(node, then, self.expression())
        return node

    def binary(self, min_precedence: int) -> Node:
        left = self.unary()
        while True:
            token = self.current
            precedence = _BINARY.get(token.value) if token.kind in ("op", "name") else None
            if precedence is None or precedence < min_precedence:
                return left
            self.advance()
            left = self.infix(token, left, precedence)

    def infix(self, token: Token, left: Node, precedence: int) -> Node:
        op = token.value
        if op == "|":
            return self.filter(left)
        if op == "is":
            negated = self.accept("not")
            name = self.expect_name("a test name after 'is'")
            args = self.call_args()[0] if self.at("(") else ()
            return Test(left, name, args, negated)
        if op == "not":
            if not self.accept("in"):
                raise PebbleSyntaxError("expected 'in' after 'not'", token.offset)
            return In(left, self.binary(precedence + 1), True)
        right = self.binary(precedence + 1)
        if op in ("??", "???"):
            return Coalesce(left, right, op == "???")
        if op == "contains":
            return Contains(left, right)
        if op == "in":
            return In(left, right, False)
        if op == "..":
            return RangeOp(left, right)
        return Binary("==" if op == "equals" else op, left, right)

    def filter(self, value: Node) -> Node:
        name = self.expect_name("a filter name after '|'")
        args, kwargs = self.call_args() if self.at("(") else ((), ())
        return Filter(value, name, args, kwargs)

    def unary(self) -> Node:
        token = self.current
        if token.kind == "name" and token.value == "not":
            self.advance()
            return Unary("not", self.binary(_NOT_PRECEDENCE))
        if token.kind == "op" and token.value in ("-", "+"):
            self.advance()
            return Unary(token.value, self.binary(_UNARY_PRECEDENCE))
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            if self.at("."):
                self.advance()
                token = self.advance()
                if token.kind == "number" and token.value.isdigit():
                    node = Item(node, Literal(int(token.value)))
                elif token.kind == "name":
                    node = Attr(node, _checked_attribute(token))
                else:
                    raise PebbleSyntaxError("expected an attribute name after '.'", token.offset)
            elif self.at("["):
                self.advance()
                node = Item(node, self.expression())
                self.expect("]")
            elif self.at("(") and isinstance(node, Name | Attr):
                args, kwargs = self.call_args()
                node = Call(node, args, kwargs)
            else:
                return node

    def primary(self) -> Node:
        token = self.advance()
        if token.kind == "number":
            text = token.value
            return Literal(float(text) if any(c in text for c in ".eE") else int(text))
        if token.kind == "string":
            return Literal(token.value)
        if token.kind == "name":
            if token.value in _CONSTANTS:
                return _CONSTANTS[token.value]
            if token.value.startswith("__"):
                raise PebbleSyntaxError(f"names starting with '__' are reserved: {token.value!r}", token.offset)
            return Name(token.value)
        if token.kind == "op":
            if token.value == "(":
                node = self.expression()
                self.expect(")")
                return node
            if token.value == "[":
                return ListLit(self.sequence("]"))
            if token.value == "{":
                return self.map_literal()
        self.pos -= 1 if token.kind != "end" else 0
        raise self.error("expected a value")

    def sequence(self, closer: str) -> Args:
        items: list[Node] = []
        while not self.accept(closer):
            items.append(self.expression())
            if not self.accept(","):
                self.expect(closer)
                break
        return tuple(items)

    def map_literal(self) -> MapLit:
        pairs: list[tuple[Node, Node]] = []
        while not self.accept("}"):
            key = self.expression()
            self.expect(":")
            pairs.append((key, self.expression()))
            if not self.accept(","):
                self.expect("}")
                break
        return MapLit(tuple(pairs))

    def call_args(self) -> tuple[Args, Kwargs]:
        self.expect("(")
        args: list[Node] = []
        kwargs: list[tuple[str, Node]] = []
        while not self.accept(")"):
            token = self.current
            if token.kind == "name" and self.tokens[self.pos + 1].value == "=":
                self.pos += 2
                kwargs.append((token.value, self.expression()))
            elif kwargs:
                raise self.error("positional argument after a named one")
            else:
                args.append(self.expression())
            if not self.accept(","):
                self.expect(")")
                break
        return tuple(args), tuple(kwargs)


def _checked_attribute(token: Token) -> str:
    if token.value.startswith("_"):
        raise PebbleSyntaxError(f"access to private attribute {token.value!r} is not allowed", token.offset)
    return token.value
