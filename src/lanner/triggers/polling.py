"""Polling triggers: check an outside system every `interval` and start executions for what is new.

A polling trigger (a SQL query returning rows, a file arriving in a bucket…) subclasses
``PollingTrigger`` and implements ``poll``. The scheduler calls it when it is due, one
scheduler at a time (the trigger is locked while it polls), hands it the state it returned
last time (``ctx.state``, any JSON) and stores that state again, with the executions the poll
asked for, in one transaction. A crash during a poll only repeats that poll.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from lanner.triggers.base import Trigger

__all__ = ["PollContext", "PollingTrigger"]


@dataclass(slots=True)
class PollContext:
    """What a poll sees."""

    namespace: str
    flow_id: str
    trigger_id: str
    #: when the poll started
    now: datetime
    #: the state the previous poll left (an empty dict at first); change it in place
    state: dict[str, Any] = field(default_factory=dict)
    #: renders a value's expressions (flow variables, secrets)
    render: Callable[[Any], Any] = lambda value: value
    #: renders one template with more variables (e.g. ``response``); a template that is exactly
    #: one ``{{ expression }}`` gives its value (a bool stays a bool)
    evaluate: Callable[[str, Mapping[str, Any]], Any] = lambda template, extra: template
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("lanner.triggers.polling"))


class PollingTrigger(Trigger):
    """Base of the triggers that poll: every `interval`, start one execution per item found."""

    interval: timedelta = Field(
        default=timedelta(seconds=60),
        description="Time between two polls (ISO-8601 duration).",
        examples=["PT30S"],
    )
    inputs: dict[str, Any] | None = Field(
        default=None,
        description="Inputs of the executions started (expressions over `trigger.*` allowed).",
        examples=[{"rows": "{{ trigger.rows }}"}],
    )

    async def poll(self, ctx: PollContext) -> Sequence[dict[str, Any]]:
        """Look for something new; one execution is started per returned mapping, seen as `{{ trigger.* }}`.

        Record in ``ctx.state`` what was already seen, so the next poll skips it.
        """
        raise NotImplementedError

    def next_poll(self, now: datetime) -> datetime:
        return now + self.interval
