"""Split a Pebble template into text and tags, and tokenize the expressions inside tags.

Both steps respect string literals, so ``{{ "}}" }}`` and ``{{ {'a': {'b': 1}} }}`` are
read the way Pebble reads them. Every position is an offset into the original template,
which is how syntax errors point at the right line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["PebbleSyntaxError", "Segment", "Token", "split_template", "tokenize"]

SegmentKind = Literal["text", "print", "tag", "comment", "raw"]
TokenKind = Literal["name", "number", "string", "op", "end"]

_OPENER = re.compile(r"\{[{%#]")
_RAW_END = re.compile(r"\{%-?\s*(?:endraw|endverbatim)\s*-?%\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
# longest first, so "???" wins over "??" and "?"
_OPERATORS = (
    "???", "??", "==", "!=", "<=", ">=", "..", "//",
    "(", ")", "[", "]", "{", "}", ",", ":", ".", "|", "?", "+", "-", "*", "/", "%", "~", "<", ">", "=",
)  # fmt: skip
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "/": "/", "0": "\0"}
_CLOSERS = {"print": "}}", "tag": "%}"}
_PAIRS = {")": "(", "]": "[", "}": "{"}


class PebbleSyntaxError(Exception):
    """An expression or tag cannot be parsed; ``offset`` points into the template."""

    def __init__(self, message: str, offset: int) -> None:
        self.message = message
        self.offset = offset
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of a template: plain text, ``{{ }}``, ``{% %}``, ``{# #}`` or a raw block."""

    kind: SegmentKind
    source: str
    body: str
    start: int
    body_start: int
    strip_left: bool = False
    strip_right: bool = False


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    value: str
    offset: int


def split_template(template: str) -> list[Segment]:
    """Cut ``template`` into segments; raise :class:`PebbleSyntaxError` on an unclosed tag."""
    segments: list[Segment] = []
    pos = 0
    while True:
        match = _OPENER.search(template, pos)
        if match is None:
            if pos < len(template):
                segments.append(Segment("text", template[pos:], template[pos:], pos, pos))
            return segments
        start = match.start()
        if start > pos:
            segments.append(Segment("text", template[pos:start], template[pos:start], pos, pos))
        if match.group() == "{#":
            end = template.find("#}", start + 2)
            if end < 0:
                raise PebbleSyntaxError("unclosed comment: '{#' has no matching '#}'", start)
            segment = Segment("comment", template[start : end + 2], template[start + 2 : end], start, start + 2)
        else:
            segment = _read_tag(template, start, "print" if match.group() == "{{" else "tag")
        segments.append(segment)
        pos = start + len(segment.source)
        if segment.kind == "tag" and segment.body.strip() in ("raw", "verbatim"):
            end_match = _RAW_END.search(template, pos)
            if end_match is None:
                raise PebbleSyntaxError(f"'{{% {segment.body.strip()} %}}' has no matching end tag", start)
            body = template[pos : end_match.start()]
            segments.append(Segment("raw", body, body, pos, pos))
            segments.append(_read_tag(template, end_match.start(), "tag"))
            pos = end_match.end()


def _read_tag(template: str, start: int, kind: Literal["print", "tag"]) -> Segment:
    closer = _CLOSERS[kind]
    body_start = start + 2
    strip_left = template.startswith("-", body_start)
    if strip_left:
        body_start += 1
    opened: list[int] = []  # offsets of the brackets still open
    index = body_start
    length = len(template)
    while index < length:
        char = template[index]
        if char in "'\"":
            index = _skip_string(template, index)
            continue
        if char in "([{":
            opened.append(index)
        elif char in _PAIRS and opened and template[opened[-1]] == _PAIRS[char]:
            opened.pop()
        elif not opened and template.startswith(closer, index):
            strip_right = index > body_start and template[index - 1] == "-"
            body_end = index - 1 if strip_right else index
            end = index + 2
            return Segment(kind, template[start:end], template[body_start:body_end], start, body_start, strip_left, strip_right)
        index += 1
    if opened:
        raise PebbleSyntaxError(f"'{template[opened[-1]]}' is never closed", opened[-1])
    opener = "{{" if kind == "print" else "{%"
    raise PebbleSyntaxError(f"unclosed tag: '{opener}' has no matching '{closer}'", start)


def _skip_string(text: str, start: int) -> int:
    """Return the offset just after the string literal opening at ``start``."""
    quote = text[start]
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == quote:
            return index + 1
        index += 1
    raise PebbleSyntaxError("unterminated string literal", start)


def tokenize(source: str, base: int = 0) -> list[Token]:
    """Tokens of one expression; offsets are ``base`` plus the position in ``source``."""
    tokens: list[Token] = []
    index = 0
    length = len(source)
    while index < length:
        char = source[index]
        if char.isspace():
            index += 1
            continue
        if char in "'\"":
            end = _skip_string(source, index)
            tokens.append(Token("string", _unescape(source[index + 1 : end - 1]), base + index))
            index = end
            continue
        match = _NAME.match(source, index) or _NUMBER.match(source, index)
        if match is not None:
            kind: TokenKind = "number" if char.isdigit() else "name"
            tokens.append(Token(kind, match.group(), base + index))
            index = match.end()
            continue
        operator = next((op for op in _OPERATORS if source.startswith(op, index)), None)
        if operator is None:
            raise PebbleSyntaxError(f"unexpected character {char!r}", base + index)
        if operator == "*" and source.startswith("**", index):
            raise PebbleSyntaxError("the power operator '**' is not supported", base + index)
        tokens.append(Token("op", operator, base + index))
        index += len(operator)
    tokens.append(Token("end", "", base + length))
    return tokens


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char != "\\" or index + 1 == len(raw):
            out.append(char)
            index += 1
            continue
        nxt = raw[index + 1]
        if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", raw[index + 2 : index + 6]):
            out.append(chr(int(raw[index + 2 : index + 6], 16)))
            index += 6
            continue
        out.append(_ESCAPES.get(nxt, "\\" + nxt))
        index += 2
    return "".join(out)
