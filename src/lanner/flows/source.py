"""Flow YAML read into plain Python data, with the line and column of every key and value.

The data is what Kestra's parser would see: mappings with string keys, lists, and scalars
(YAML 1.2; timestamps stay strings, as Jackson reads them). Problems of the text itself
(syntax, duplicate keys, recursive aliases, a document too deep or too large) are returned
as issues with their position rather than raised, so they are reported with everything else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

try:  # libyaml's parser (ruamel.yaml.clib)
    from _ruamel_yaml import CParser
except ImportError:  # pragma: no cover - installed with Lanner
    CParser = None

from lanner.errors import Issue

__all__ = [
    "ABSENT",
    "MAX_DEPTH",
    "MAX_NODES",
    "Document",
    "Mark",
    "Path",
    "Positions",
    "descend",
    "format_path",
    "load_yaml",
]

Path = tuple[str | int, ...]

#: deeper documents are refused: no flow needs it and Python's recursion limit is close
MAX_DEPTH = 100
#: alias expansion may turn a small text into a huge document ("billion laughs")
MAX_NODES = 100_000

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based position in the source text."""

    line: int
    column: int


@dataclass(slots=True)
class Positions:
    """Where each key and value of the document starts, by property path."""

    keys: dict[Path, Mark] = field(default_factory=dict)
    values: dict[Path, Mark] = field(default_factory=dict)
    #: YAML style of string scalars: None (plain), '"', "'", '|' or '>'
    styles: dict[Path, str | None] = field(default_factory=dict)

    def key(self, path: Path) -> Mark | None:
        return self.keys.get(path)

    def value(self, path: Path) -> Mark | None:
        return self.values.get(path)

    def nearest(self, path: Path) -> Mark | None:
        """The value position of ``path`` or, when it is not in the source, of its closest parent."""
        for end in range(len(path), -1, -1):
            mark = self.values.get(path[:end])
            if mark is not None:
                return mark
        return None


@dataclass(slots=True)
class Document:
    source: str
    data: Any = None
    positions: Positions = field(default_factory=Positions)
    issues: list[Issue] = field(default_factory=list)
    #: False when the text could not be read at all (syntax error, several documents)
    readable: bool = True


#: what ``descend`` returns when the data does not go that far
ABSENT: Any = object()


def descend(node: Any, key: str | int) -> Any:
    """``node[key]`` for a map key or a list index that exists, else ``ABSENT``."""
    if isinstance(node, Mapping) and isinstance(key, str):
        return node.get(key, ABSENT)
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return ABSENT


def format_path(path: Path) -> str:
    """``("tasks", 2, "retry", "interval")`` → ``tasks[2].retry.interval``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.replace("_", "a").replace("-", "a").isalnum():
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


def load_yaml(source: str, filename: str | None = None, *, stored: bool = False) -> Document:
    """The document's data with the position of every key and value, or its problems.

    ``stored``: the source was read without a problem when it was saved (a stored flow
    revision): libyaml's C parser reads it when installed (``_compose_fast``). It composes
    the same nodes as the pure-Python parser for such documents but parses ~7x faster; it
    is not used for new text because on malformed input the two disagree (the C parser lets
    a few stray tabs and control characters through that the pure parser reports)."""
    doc = Document(source)
    deep = _deep_brackets(source)
    if deep is not None:  # refused before parsing: ruamel takes seconds, then overflows the stack
        doc.readable = False
        doc.issues.append(
            Issue(
                f"the document is nested more than {MAX_DEPTH} levels deep",
                line=deep.line,
                column=deep.column,
                source=filename,
                kind="syntax",
            )
        )
        return doc
    node = _compose_fast(source) if stored else None
    try:
        if node is None:
            node = YAML(typ="safe", pure=True).compose(source)
    except MarkedYAMLError as exc:
        doc.readable = False
        doc.issues.append(_syntax_issue(exc, filename))
        return doc
    except ReaderError as exc:
        doc.readable = False
        position = exc.position if isinstance(exc.position, int) else 0
        line = source.count("\n", 0, position) + 1
        column = position - source.rfind("\n", 0, position)
        character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        doc.issues.append(
            Issue(
                f"character #x{character:04x} is not allowed in YAML ({exc.reason})",
                source=filename,
                line=line,
                column=column,
                kind="syntax",
                hint="remove the character, or quote binary data as base64",
            )
        )
        return doc
    except (YAMLError, RecursionError, ValueError) as exc:
        doc.readable = False
        message = "the document is nested too deeply" if isinstance(exc, RecursionError) else f"invalid YAML: {exc}"
        doc.issues.append(Issue(message, source=filename, line=1, column=1, kind="syntax"))
        return doc
    if node is None:
        return doc
    builder = _Builder(doc, filename)
    doc.positions.values[()] = _mark(node)
    doc.data = builder.build(node, ())
    return doc


def _compose_fast(source: str) -> Node | None:
    """The document's nodes from libyaml's C parser (``ruamel.yaml.clib``); None when it is
    not installed, the document is empty, or the C parser refuses it — the pure parser then
    reads it again and reports any problem as it always does. On the documents the pure
    parser accepts, both compose the same nodes (tags come from the same resolver), except a
    plain scalar's style ('' here, None there: see ``_style``) and the position of an empty
    value (a null left implicit)."""
    if CParser is None:
        return None
    try:
        node: Node | None = YAML(typ="safe", pure=False).compose(source)
    except Exception:  # whatever it is, the pure parser reports it properly
        return None
    return node


def _deep_brackets(source: str) -> Mark | None:
    """Where flow-style brackets (``[[[…``) first nest deeper than ``MAX_DEPTH``, if they do."""
    depth, line, column, quote = 0, 1, 0, ""
    previous = "\n"
    for char in source:
        column += 1
        if char == "\n":
            line, column, previous = line + 1, 0, char
            if quote == "#":
                quote = ""
            continue
        if quote:
            if char == quote and quote != "#":
                quote = ""
        elif char in "\"'" and previous in " \t\n:[{,":
            quote = char
        elif char == "#" and previous in " \t\n":
            quote = "#"
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return Mark(line, column)
        elif char in "]}":
            depth = max(depth - 1, 0)
        previous = char
    return None


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _syntax_issue(exc: MarkedYAMLError, filename: str | None) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    problem: str = exc.problem or "invalid YAML"
    hint: str | None = None
    if exc.context and "single document" in exc.context:
        problem, hint = "a flow file holds one document; found a second one", "remove the `---` separator"
    else:
        hint = f"{exc.context}" if exc.context else None
        if "\\t" in problem or "\t" in problem:
            hint = "indent with spaces, not tabs"
    return Issue(
        f"YAML syntax error: {problem}",
        line=mark.line + 1 if mark is not None else 1,
        column=mark.column + 1 if mark is not None else 1,
        hint=hint,
        source=filename,
        kind="syntax",
    )


class _Builder:
    """Turns composed YAML nodes into plain data, recording positions and text problems."""

    def __init__(self, doc: Document, filename: str | None) -> None:
        self.doc = doc
        self.filename = filename
        self.count = 0
        self.active: set[int] = set()
        self.too_big = False

    def issue(self, message: str, node: Node, kind: str, hint: str | None = None) -> None:
        mark = _mark(node)
        self.doc.issues.append(Issue(message, line=mark.line, column=mark.column, hint=hint, source=self.filename, kind=kind))

    def build(self, node: Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            if not self.too_big:
                self.too_big = True
                self.issue("the document is too large (an alias is probably repeated many times)", node, "syntax")
            return None
        if len(path) > MAX_DEPTH:
            self.issue(f"the document is nested more than {MAX_DEPTH} levels deep", node, "syntax")
            return None
        if id(node) in self.active:
            self.issue("an alias refers to the node that contains it", node, "syntax")
            return None
        if isinstance(node, ScalarNode):
            style = _style(node)
            if style is not None or str(node.tag).endswith(":str"):
                self.doc.positions.styles[path] = style
            return _scalar(node)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self.sequence(node, path)
            if isinstance(node, MappingNode):
                return self.mapping(node, path)
        finally:
            self.active.discard(id(node))
        return None

    def sequence(self, node: SequenceNode, path: Path) -> list[Any]:
        items = []
        for index, child in enumerate(node.value):
            self.doc.positions.values[(*path, index)] = _mark(child)
            items.append(self.build(child, (*path, index)))
        return items

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        pairs = []
        for key_node, value_node in node.value:
            if str(key_node.tag) == _MERGE_TAG:
                self.merge(result, value_node, path)  # first, so the keys written here win
            else:
                pairs.append((key_node, value_node))
        first_seen: dict[str, Mark] = {}
        for key_node, value_node in pairs:
            if not isinstance(key_node, ScalarNode):
                self.issue("a key must be a plain value, not a list or a map", key_node, "syntax")
                continue
            key = str(key_node.value)
            if key in first_seen:
                where = first_seen[key]
                self.issue(
                    f"duplicate key {key!r}",
                    key_node,
                    "duplicate-key",
                    f"{key!r} is already set on line {where.line}; keep only one",
                )
                continue
            first_seen[key] = _mark(key_node)
            child_path = (*path, key)
            self.doc.positions.keys[child_path] = _mark(key_node)
            self.doc.positions.values[child_path] = _mark(value_node)
            result[key] = self.build(value_node, child_path)
        return result

    def merge(self, result: dict[str, Any], node: Node, path: Path) -> None:
        """YAML merge keys (``<<: *defaults``): keys written in the mapping itself win."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self.issue("`<<` must merge a map or a list of maps", source, "syntax")
                continue
            extra = self.build(source, path)
            for key, value in (extra or {}).items():
                result.setdefault(key, value)  # with several maps, the first one wins


def _style(node: ScalarNode) -> str | None:
    """A scalar's style: None when plain (the C parser says '')."""
    return node.style or None


def _scalar(node: ScalarNode) -> Any:
    tag, text = str(node.tag), str(node.value)
    if _style(node) is not None:  # quoted and block scalars are strings whatever they look like
        return text
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return text.lower() in ("true", "yes", "on")
    if tag.endswith(":int"):
        return _int(text)
    if tag.endswith(":float"):
        return _float(text)
    return text


def _int(text: str) -> int | str:
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    try:
        for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
            if digits.lower().startswith(prefix):
                return sign * int(digits[2:], base)
        return sign * int(digits, 10)
    except ValueError:
        return text


def _float(text: str) -> float | str:
    lowered = text.replace("_", "").lower()
    if lowered.endswith((".inf", "inf")):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered.endswith(".nan"):
        return math.nan
    try:
        return float(lowered)
    except ValueError:
        return text
