"""Task logs: levels, masking of secrets, and batching to storage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lanner.models.execution import LogEntry

__all__ = ["LEVELS", "AttemptLogger", "Masker"]

LEVELS = {"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "WARNING": 3, "ERROR": 4}
MASK = "******"


class Masker:
    """Replaces every known secret value by ``******``."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        if secret and len(secret) >= 3:  # masking 1-2 characters would garble every line
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def deep(self, value: object) -> object:
        if not self._secrets:
            return value
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        return value


class AttemptLogger:
    """The ``TaskLogger`` of one attempt: lines are masked, filtered by level and buffered."""

    def __init__(self, template: LogEntry, masker: Masker, clock: Callable[[], datetime], min_level: str | None = None) -> None:
        self._template = template
        self._masker = masker
        self._clock = clock
        self._min = LEVELS.get((min_level or "TRACE").upper(), 0)
        self.buffer: list[LogEntry] = []

    def log(self, level: str, message: str) -> None:
        level = "WARN" if level.upper() == "WARNING" else level.upper()
        if LEVELS.get(level, 2) < self._min:
            return
        t = self._template
        self.buffer.append(
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
