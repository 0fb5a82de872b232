"""What an execution notification says, and how each chat service lays it out.

The summary is read from the execution as the API shows it (``RunContext.execution``). In an
`errors` branch the execution is still running: it is reported FAILED when a task failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["ExecutionSummary", "discord_message", "slack_message", "summarize", "teams_message"]

_COLORS = {"SUCCESS": "#2eb886", "WARNING": "#daa038", "FAILED": "#a30200", "KILLED": "#6b6b6b"}
_EMOJI = {"SUCCESS": ":white_check_mark:", "WARNING": ":warning:", "FAILED": ":x:", "KILLED": ":no_entry_sign:"}


@dataclass(frozen=True, slots=True)
class ExecutionSummary:
    execution_id: str
    namespace: str
    flow_id: str
    state: str
    start: str | None
    duration: str
    failed_tasks: list[str]
    link: str | None
    custom_message: str | None = None
    custom_fields: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.namespace}.{self.flow_id}"

    @property
    def color(self) -> str:
        return _COLORS.get(self.state, "#4a90d9")

    def facts(self) -> list[tuple[str, str]]:
        facts = [
            ("Namespace", self.namespace),
            ("Flow", self.flow_id),
            ("Execution", self.execution_id),
            ("State", self.state),
            ("Started", self.start or "-"),
            ("Duration", self.duration),
        ]
        if self.failed_tasks:
            facts.append(("Failed task" + ("s" if len(self.failed_tasks) > 1 else ""), ", ".join(self.failed_tasks)))
        return facts + list(self.custom_fields.items())

    def headline(self) -> str:
        return f"[{self.state}] {self.title} - execution {self.execution_id}"


def _parse(moment: Any) -> datetime | None:
    if not isinstance(moment, str) or not moment:
        return None
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _human(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def summarize(
    execution: dict[str, Any],
    *,
    ui_url: str | None,
    current_task_run: str | None = None,
    custom_message: str | None = None,
    custom_fields: dict[str, str] | None = None,
    now: datetime | None = None,
) -> ExecutionSummary:
    """The summary of an execution read through ``RunContext.execution``."""
    state = execution.get("state") or {}
    runs = [r for r in execution.get("taskRunList") or [] if r.get("id") != current_task_run]
    failed = [
        str(r.get("taskId")) + (f"[{r['value']}]" if r.get("value") else "")
        for r in runs
        if (r.get("state") or {}).get("current") == "FAILED"
    ]
    current = str(state.get("current", "UNKNOWN"))
    if current in ("RUNNING", "CREATED") and failed:
        current = "FAILED"  # an `errors` branch runs before the execution ends
    start = _parse(state.get("startDate"))
    end = _parse(state.get("endDate")) or now or datetime.now(UTC)
    namespace, flow_id, execution_id = str(execution.get("namespace")), str(execution.get("flowId")), str(execution.get("id"))
    link = None
    if ui_url:
        link = f"{ui_url.rstrip('/')}/ui/executions/{namespace}/{flow_id}/{execution_id}"
    return ExecutionSummary(
        execution_id=execution_id,
        namespace=namespace,
        flow_id=flow_id,
        state=current,
        start=state.get("startDate"),
        duration=_human((end - start).total_seconds()) if start else "-",
        failed_tasks=list(dict.fromkeys(failed)),
        link=link,
        custom_message=custom_message,
        custom_fields=dict(custom_fields or {}),
    )


def slack_message(summary: ExecutionSummary) -> dict[str, Any]:
    """A Block Kit message; `text` is the notification's fallback."""
    title = f"<{summary.link}|{summary.title}>" if summary.link else f"*{summary.title}*"
    emoji = _EMOJI.get(summary.state, ":information_source:")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{emoji} {title} execution *{summary.state}*"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{name}*\n{value}"} for name, value in summary.facts()][:10]},
    ]
    if summary.custom_message:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": summary.custom_message}})
    if summary.link:
        blocks.append(
            {
                "type": "actions",
                "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open execution"}, "url": summary.link}],
            }
        )
    return {"text": summary.headline(), "attachments": [{"color": summary.color, "blocks": blocks}]}


def teams_message(summary: ExecutionSummary) -> dict[str, Any]:
    """A Teams MessageCard."""
    section: dict[str, Any] = {
        "activityTitle": f"{summary.title} execution {summary.state}",
        "facts": [{"name": name, "value": value} for name, value in summary.facts()],
    }
    if summary.custom_message:
        section["text"] = summary.custom_message
    card: dict[str, Any] = {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": summary.headline(),
        "themeColor": summary.color.lstrip("#"),
        "title": summary.headline(),
        "sections": [section],
    }
    if summary.link:
        card["potentialAction"] = [
            {"@type": "OpenUri", "name": "Open execution", "targets": [{"os": "default", "uri": summary.link}]}
        ]
    return card


def discord_message(summary: ExecutionSummary) -> dict[str, Any]:
    """A Discord message with one embed."""
    embed: dict[str, Any] = {
        "title": f"{summary.title} execution {summary.state}",
        "color": int(summary.color.lstrip("#"), 16),
        "fields": [{"name": name, "value": value, "inline": True} for name, value in summary.facts()],
        "footer": {"text": "Lanner"},
    }
    if summary.link:
        embed["url"] = summary.link
    message: dict[str, Any] = {"embeds": [embed]}
    if summary.custom_message:
        message["content"] = summary.custom_message
    return message
