"""'Did you mean …?' hints for misspelt property names, task types and ids."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["closest", "suggestion"]

_SHOWN = 12


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word``, if one is close enough to be a likely typo."""
    options = [c for c in dict.fromkeys(candidates) if c]
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not matches:  # case-only typos (`Message`) score low with difflib
        lowered = {c.lower(): c for c in options}
        return lowered.get(word.lower())
    return matches[0]


def suggestion(word: str, candidates: Iterable[str], *, list_all: bool = True) -> str | None:
    """``did you mean 'x'?``, else (with ``list_all``) ``allowed: a, b, c…``, else None."""
    options = sorted(dict.fromkeys(c for c in candidates if c))
    match = closest(word, options)
    if match is not None:
        return f"did you mean {match!r}?"
    if not list_all or not options:
        return None
    shown = ", ".join(options[:_SHOWN])
    return f"allowed: {shown}" + (f" and {len(options) - _SHOWN} more" if len(options) > _SHOWN else "")
