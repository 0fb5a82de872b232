"""What Terraform said it would do and did: the plan and apply summaries, read from its output lines.

Text output (``Plan: 1 to add, 0 to change, 0 to destroy.``, ``No changes.``, ``Apply complete!
Resources: 1 added, 0 changed, 0 destroyed.``) and the machine-readable ``-json`` output
(``{"type": "change_summary", "changes": {...}}``) are both understood. The last summary of each
kind wins (a task may plan, then apply).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["ChangeSummary", "strip_ansi"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PLAN = re.compile(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy")
_APPLY = re.compile(r"(Apply|Destroy) complete! Resources: (?:(\d+) imported, )?(\d+) added, (\d+) changed, (\d+) destroyed")
_DESTROY_ONLY = re.compile(r"Destroy complete! Resources: (\d+) destroyed")
_NO_CHANGES = re.compile(r"^No changes\.")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


class ChangeSummary:
    """The line hook's memory: the last plan and apply summaries seen."""

    def __init__(self) -> None:
        self.plan: dict[str, int] | None = None
        self.apply: dict[str, int] | None = None

    def feed(self, line: str) -> None:
        text = strip_ansi(line).strip()
        if text.startswith("{"):
            self._feed_json(text)
            return
        if match := _PLAN.search(text):
            self.plan = {"add": int(match[1]), "change": int(match[2]), "destroy": int(match[3])}
        elif _NO_CHANGES.match(text):
            self.plan = {"add": 0, "change": 0, "destroy": 0}
        elif match := _APPLY.search(text):
            self.apply = {"add": int(match[3]), "change": int(match[4]), "destroy": int(match[5])}
        elif match := _DESTROY_ONLY.search(text):
            self.apply = {"add": 0, "change": 0, "destroy": int(match[1])}

    def _feed_json(self, text: str) -> None:
        try:
            event = json.loads(text)
        except ValueError:
            return
        if not isinstance(event, dict) or event.get("type") != "change_summary":
            return
        changes: Any = event.get("changes")
        if not isinstance(changes, dict):
            return
        counts = {
            key: int(changes.get(source) or 0) for key, source in (("add", "add"), ("change", "change"), ("destroy", "remove"))
        }
        if changes.get("operation") == "plan":
            self.plan = counts
        else:
            self.apply = counts

    def outputs(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.plan is not None:
            found["plan"] = {**self.plan, "hasChanges": any(self.plan.values())}
        if self.apply is not None:
            found["apply"] = self.apply
        return found
