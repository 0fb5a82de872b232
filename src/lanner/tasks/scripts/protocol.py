"""Kestra's line protocol: what a script prints becomes logs, outputs and metrics.

A line ``::{json}::`` is not logged but interpreted (this is what the ``kestra`` Python
package's ``Kestra.outputs()``, ``Kestra.counter()`` and ``Kestra.logger()`` print):

- ``{"outputs": {...}}`` is merged into the task's ``vars`` output;
- ``{"metrics": [{"name", "type", "value", "tags"}]}`` records metrics;
- ``{"logs": [{"level", "message"}]}`` logs at the given level.

A line ``##kestra:log:<level>##`` changes the level of the following standard output lines
(Kestra wraps ``beforeCommands`` in such markers so their chatter is logged at DEBUG).
Any other line is logged: standard output at INFO, standard error at WARN.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Literal

from lanner.tasks.context import RunContext

__all__ = ["LEVELS", "LineHook", "LineProtocol", "Stream"]

Stream = Literal["stdout", "stderr"]

#: A hook that sees every output line first; it returns True when it consumed the line.
LineHook = Callable[[Stream, str], bool]

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
_LEVEL_ALIASES = {"WARNING": "WARN", "CRITICAL": "ERROR", "FATAL": "ERROR"}
_MESSAGE = re.compile(r"^::(\{.*\})::$")
_LEVEL_MARKER = re.compile(r"^##kestra:log:(trace|debug|info|warn|error)##$", re.IGNORECASE)
_METRIC_TYPES = ("counter", "timer", "gauge")


def _level(name: object, default: str) -> str:
    level = str(name).upper() if name is not None else default
    level = _LEVEL_ALIASES.get(level, level)
    return level if level in LEVELS else default


class LineProtocol:
    """Turns each output line of a script into a log line, outputs or metrics.

    ``vars`` holds the outputs sent so far; ``stdout_lines``/``stderr_lines`` count the lines
    that were logged, and ``stderr_tail`` keeps the last ones for error messages.
    """

    def __init__(self, ctx: RunContext, *, hook: LineHook | None = None, tail: int = 20) -> None:
        self.ctx = ctx
        self.hook = hook
        self.vars: dict[str, Any] = {}
        self.stdout_lines = 0
        self.stderr_lines = 0
        self.stderr_tail: deque[str] = deque(maxlen=tail)
        self._stdout_level = "INFO"

    def feed(self, stream: Stream, line: str) -> None:
        """Handle one line (without its line break) read from ``stream``."""
        if self.hook is not None and self.hook(stream, line):
            return
        match = _MESSAGE.match(line)
        if match is not None and self._interpret(match.group(1)):
            return
        marker = _LEVEL_MARKER.match(line)
        if marker is not None and stream == "stdout":
            self._stdout_level = marker.group(1).upper()
            return
        if stream == "stdout":
            self.stdout_lines += 1
            self.ctx.logger.log(self._stdout_level, line)
        else:
            self.stderr_lines += 1
            self.stderr_tail.append(line)
            self.ctx.logger.log("WARN", line)

    def _interpret(self, payload: str) -> bool:
        try:
            message = json.loads(payload)
        except ValueError:
            return False
        if not isinstance(message, dict):
            return False
        outputs = message.get("outputs")
        if isinstance(outputs, Mapping):
            self.vars.update(outputs)
        elif outputs is not None:
            self.ctx.logger.warning(f"ignored script outputs that are not a map: {str(outputs)[:200]}")
        for metric in _as_list(message.get("metrics")):
            self._metric(metric)
        for entry in _as_list(message.get("logs")):
            if isinstance(entry, Mapping):
                self.ctx.logger.log(_level(entry.get("level"), "INFO"), str(entry.get("message", "")))
        return True

    def _metric(self, metric: object) -> None:
        if not isinstance(metric, Mapping):
            self.ctx.logger.warning(f"ignored an invalid metric: {str(metric)[:200]}")
            return
        name, kind, value = metric.get("name"), str(metric.get("type", "counter")).lower(), metric.get("value")
        tags = metric.get("tags") or {}
        if not isinstance(name, str) or kind not in _METRIC_TYPES or isinstance(value, bool):
            self.ctx.logger.warning(f"ignored an invalid metric: {json.dumps(metric, default=str)[:200]}")
            return
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.ctx.logger.warning(f"ignored metric {name!r}: its value {value!r} is not a number")
            return
        clean_tags = {str(k): str(v) for k, v in tags.items()} if isinstance(tags, Mapping) else {}
        self.ctx.metric(name, number, kind, clean_tags)


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
