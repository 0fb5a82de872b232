"""Identifiers: random, URL-safe, 22 base62 characters (the shape of Kestra's ids)."""

from __future__ import annotations

import uuid

__all__ = ["new_id"]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_id() -> str:
    number = uuid.uuid4().int
    chars = []
    while number:
        number, rest = divmod(number, 62)
        chars.append(_ALPHABET[rest])
    return "".join(reversed(chars)).rjust(22, "0")
