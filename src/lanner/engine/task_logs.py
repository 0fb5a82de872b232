"""Task logs: levels, masking of secrets, and batching to storage."""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import quote, quote_plus

from lanner.models.execution import LogEntry

__all__ = ["LEVELS", "MASK", "AttemptLogger", "Masker", "secret_variants"]

LEVELS = {"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "WARNING": 3, "ERROR": 4}
MASK = "******"
MIN_SECRET_LENGTH = 3


class Masker:
    """Replaces every known secret value by ``******``, also as filters commonly transform it.

    Each secret is masked as written and in the forms an expression or a script easily turns
    it into: upper/lower/title case, base64 (also inside a longer encoded text, whatever its
    alignment), URL encoding, JSON and quote escaping. Template characters in a secret are
    plain text here: matching is literal.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._variants: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def __bool__(self) -> bool:
        return bool(self._variants)

    def add(self, secret: str) -> None:
        if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
            return  # masking 1-2 characters would garble every line
        new = secret_variants(secret) - self._variants
        if new:
            self._variants |= new
            self._pattern = None

    def __call__(self, text: str) -> str:
        if not self._variants or not text:
            return text
        return self._compiled().sub(MASK, text)

    def reveals(self, text: str) -> bool:
        """Whether ``text`` shows a secret (cheaper than masking when it does not)."""
        return bool(self._variants) and self._compiled().search(text) is not None

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            self._pattern = _compile(frozenset(self._variants))
        return self._pattern

    def deep(self, value: object) -> object:
        """``value`` with every string masked, in lists, tuples and maps (keys too)."""
        if not self._variants:
            return value
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {self.deep(k): self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value


@functools.lru_cache(maxsize=1024)
def secret_variants(secret: str) -> frozenset[str]:
    """The texts that reveal ``secret``: itself and its usual transformations."""
    cases = {secret, secret.upper(), secret.lower(), secret.title(), secret.capitalize(), secret.strip()}
    cases.add(re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).upper(), secret))  # Pebble's title
    cases.add(secret[:1].upper() + secret[1:])  # Pebble's capitalize
    forms = set(cases)
    for case in cases:
        forms.add(json.dumps(case)[1:-1])
        forms.add(json.dumps(case, ensure_ascii=False)[1:-1])
        forms.add(case.replace("'", "\\'"))
        forms.add(quote(case, safe=""))
        forms.add(quote_plus(case))
        forms.add(quote_plus(case, safe="*"))  # Java's URLEncoder, as the urlencode filter
        forms.add(html.escape(case))
    raw = secret.encode()
    for offset in range(3):
        # base64 of the secret after `offset` other bytes: the characters that depend only on
        # the secret's bytes, so `base64("user:" ~ secret)` is caught too
        encoded = base64.b64encode(bytes(offset) + raw).decode()
        start = -(-8 * offset // 6)
        end = 8 * (offset + len(raw)) // 6
        core = encoded[start:end]
        if len(core) >= MIN_SECRET_LENGTH + 1:
            forms.add(core)
            forms.add(core.replace("+", "-").replace("/", "_"))
    return frozenset(form for form in forms if len(form) >= MIN_SECRET_LENGTH)


@functools.lru_cache(maxsize=256)
def _compile(variants: frozenset[str]) -> re.Pattern[str]:
    ordered = sorted(variants, key=lambda v: (-len(v), v))  # longest first: no half-masked secret
    return re.compile("|".join(re.escape(v) for v in ordered))


class AttemptLogger:
    """The ``TaskLogger`` of one attempt: lines are masked, filtered by level and buffered."""

    def __init__(
        self,
        template: LogEntry,
        masker: Masker,
        clock: Callable[[], datetime],
        min_level: str | None = None,
        *,
        sink: AttemptLogger | None = None,
    ) -> None:
        self._template = template
        self._masker = masker
        self._clock = clock
        self._min = LEVELS.get((min_level or "TRACE").upper(), 0)
        #: the logger whose buffer receives this one's lines (a child task run's logger)
        self._sink = sink
        self.buffer: list[LogEntry] = []

    def for_task_run(self, task_id: str, task_run_id: str, min_level: str | None = None) -> AttemptLogger:
        """A logger whose lines belong to another task run of the attempt (a dynamic task run
        reported with its id), buffered and flushed with this one's."""
        t = self._template
        template = LogEntry(t.execution_id, "INFO", "", t.timestamp, t.namespace, t.flow_id, task_id, task_run_id, 1)
        return AttemptLogger(template, self._masker, self._clock, min_level, sink=self._sink or self)

    def log(self, level: str, message: str) -> None:
        level = "WARN" if level.upper() == "WARNING" else level.upper()
        if LEVELS.get(level, 2) < self._min:
            return
        t = self._template
        (self._sink or self).buffer.append(
            LogEntry(
                t.execution_id,
                level,
                self._masker(message),
                self._clock(),
                t.namespace,
                t.flow_id,
                t.task_id,
                t.task_run_id,
                t.attempt,
            )
        )

    def trace(self, message: str) -> None:
        self.log("TRACE", message)

    def debug(self, message: str) -> None:
        self.log("DEBUG", message)

    def info(self, message: str) -> None:
        self.log("INFO", message)

    def warning(self, message: str) -> None:
        self.log("WARN", message)

    def error(self, message: str) -> None:
        self.log("ERROR", message)

    def drain(self) -> list[LogEntry]:
        out, self.buffer = self.buffer, []
        return out
