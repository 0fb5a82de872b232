"""The syntax tree of one Pebble expression, as read by :mod:`lanner.expressions.parser`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "Attr",
    "Binary",
    "Call",
    "Coalesce",
    "Conditional",
    "Contains",
    "Filter",
    "In",
    "Item",
    "ListLit",
    "Literal",
    "MapLit",
    "Name",
    "Node",
    "RangeOp",
    "Test",
    "Unary",
    "walk",
]

Scalar = str | int | float | bool | None
Args = tuple["Node", ...]
Kwargs = tuple[tuple[str, "Node"], ...]


class Node:
    """Base of every expression node."""

    __slots__ = ()

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Scalar


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Attr(Node):
    """``obj.name``: a key of a map, or an attribute."""

    obj: Node
    name: str

    def children(self) -> tuple[Node, ...]:
        return (self.obj,)


@dataclass(frozen=True, slots=True)
class Item(Node):
    """``obj[key]``."""

    obj: Node
    key: Node

    def children(self) -> tuple[Node, ...]:
        return (self.obj, self.key)


@dataclass(frozen=True, slots=True)
class Call(Node):
    func: Node
    args: Args
    kwargs: Kwargs

    def children(self) -> tuple[Node, ...]:
        return (self.func, *self.args, *(value for _, value in self.kwargs))


@dataclass(frozen=True, slots=True)
class Filter(Node):
    """``value | name(args)``."""

    value: Node
    name: str
    args: Args
    kwargs: Kwargs

    def children(self) -> tuple[Node, ...]:
        return (self.value, *self.args, *(value for _, value in self.kwargs))


@dataclass(frozen=True, slots=True)
class Test(Node):
    """``value is [not] name(args)``."""

    value: Node
    name: str
    args: Args
    negated: bool

    def children(self) -> tuple[Node, ...]:
        return (self.value, *self.args)


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """Arithmetic, comparison, ``and``/``or`` and ``~`` concatenation."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Contains(Node):
    """``container contains item``."""

    container: Node
    item: Node

    def children(self) -> tuple[Node, ...]:
        return (self.container, self.item)


@dataclass(frozen=True, slots=True)
class In(Node):
    """``item [not] in container``."""

    item: Node
    container: Node
    negated: bool

    def children(self) -> tuple[Node, ...]:
        return (self.item, self.container)


@dataclass(frozen=True, slots=True)
class Coalesce(Node):
    """``left ?? right`` (``undefined_only`` is False) or ``left ??? right`` (True)."""

    left: Node
    right: Node
    undefined_only: bool

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    """``test ? then : otherwise``."""

    test: Node
    then: Node
    otherwise: Node

    def children(self) -> tuple[Node, ...]:
        return (self.test, self.then, self.otherwise)


@dataclass(frozen=True, slots=True)
class RangeOp(Node):
    """``start..end`` (inclusive)."""

    start: Node
    end: Node

    def children(self) -> tuple[Node, ...]:
        return (self.start, self.end)


@dataclass(frozen=True, slots=True)
class ListLit(Node):
    items: Args

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class MapLit(Node):
    pairs: tuple[tuple[Node, Node], ...]

    def children(self) -> tuple[Node, ...]:
        return tuple(node for pair in self.pairs for node in pair)


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children()))
