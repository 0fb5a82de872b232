"""dbt's structured logs (``--log-format json``) turned into task log lines at their own level.

Each JSON line carries ``info.level`` and ``info.msg``; the message is logged at that level
(colour codes removed, blank separator lines dropped). A warning makes the task end in
WARNING, as in Kestra. Other lines (text log format, ``beforeCommands``) go through the
default script handling.
"""

from __future__ import annotations

import json
import re
from collections import deque

from lanner.tasks.context import RunContext
from lanner.tasks.scripts import Stream

__all__ = ["DbtLogRelay", "strip_ansi"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LEVELS = {"debug": "DEBUG", "info": "INFO", "warn": "WARN", "warning": "WARN", "error": "ERROR"}


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


class DbtLogRelay:
    """The line hook given to ``run_commands``: consumes dbt's JSON log lines."""

    def __init__(self, ctx: RunContext, *, tail: int = 20) -> None:
        self.ctx = ctx
        self.warnings = 0
        self.errors: deque[str] = deque(maxlen=tail)

    def feed(self, stream: Stream, line: str) -> bool:
        if not line.startswith("{"):
            return False
        try:
            event = json.loads(line)
        except ValueError:
            return False
        info = event.get("info") if isinstance(event, dict) else None
        if not isinstance(info, dict) or "msg" not in info:
            return False
        message = strip_ansi(str(info.get("msg") or "")).rstrip()
        level = _LEVELS.get(str(info.get("level", "info")).lower(), "INFO")
        if not message.strip():
            return True
        if level == "WARN":
            self.warnings += 1
        elif level == "ERROR":
            self.errors.append(message)
        self.ctx.logger.log(level, message)
        return True
