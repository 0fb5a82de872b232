"""Webhook triggers: start an execution for an HTTP request to a flow's webhook URL.

The caller learns nothing about flows it does not hold the key of: an unknown namespace, an
unknown flow, a wrong key, a disabled flow or trigger all give the same ``NOT_FOUND``. Keys
are compared in constant time; a key written as an expression (``{{ secret('K') }}``) is
rendered first.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from lanner.errors import LannerError, NotFoundError
from lanner.models.execution import Execution
from lanner.storage.ports import TriggerCommit
from lanner.triggers.core.webhook import Webhook

if TYPE_CHECKING:
    from lanner.engine.engine import Engine

__all__ = ["HIDDEN_HEADERS", "Outcome", "WebhookCall", "WebhookRequest", "call_webhook"]

log = logging.getLogger(__name__)

#: request headers never exposed as `trigger.headers` (credentials)
HIDDEN_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


class Outcome(Enum):
    NOT_FOUND = "not_found"
    #: the trigger's conditions do not hold: nothing started
    SKIPPED = "skipped"
    STARTED = "started"


@dataclass(slots=True)
class WebhookRequest:
    body: bytes = b""
    headers: Sequence[tuple[str, str]] = ()
    parameters: Sequence[tuple[str, str]] = ()

    def variables(self) -> dict[str, Any]:
        """`trigger.body` (JSON when it parses, else text), `trigger.headers` and `trigger.parameters`
        (each name with the list of its values, as Kestra gives them)."""
        text = self.body.decode("utf-8", errors="replace")
        body: Any = None
        if text.strip():
            try:
                body = json.loads(text)
            except ValueError:
                body = text
        return {"body": body, "headers": _multi(self.headers, hide=HIDDEN_HEADERS), "parameters": _multi(self.parameters)}


def _multi(pairs: Sequence[tuple[str, str]], hide: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name, value in pairs:
        if name.lower() not in hide:
            result.setdefault(name.lower() if hide else name, []).append(value)
    return result


@dataclass(slots=True)
class WebhookCall:
    outcome: Outcome
    execution: Execution | None = None
    trigger: Webhook | None = None
    #: why nothing started (for logs; never sent to the caller of a NOT_FOUND)
    reason: str = ""


def _key_matches(engine: Engine, trigger: Webhook, key: str) -> bool:
    expected = trigger.key
    if "{{" in expected:
        try:
            expected = str(engine.renderer.render(expected, {}, {"secret": engine.secrets.get}))
        except LannerError as exc:
            log.warning("webhook key of trigger %s cannot be rendered: %s", trigger.id, exc)
            return False
    return hmac.compare_digest(expected.encode(), key.encode())


async def call_webhook(engine: Engine, namespace: str, flow_id: str, key: str, request: WebhookRequest) -> WebhookCall:
    """Start the flow for this request if ``key`` opens one of its webhook triggers.

    Raises ``InputError``/``ExpressionError`` when the trigger's inputs cannot be built from the request.
    """
    try:
        index = await engine.flows.get(namespace, flow_id)
    except (NotFoundError, LannerError):
        return WebhookCall(Outcome.NOT_FOUND, reason="no such flow")
    flow = index.flow
    trigger = next(
        (t for t in flow.triggers or [] if isinstance(t, Webhook) and _key_matches(engine, t, key)),
        None,
    )
    if trigger is None or flow.disabled or trigger.disabled:
        return WebhookCall(Outcome.NOT_FOUND, reason="no enabled webhook with this key")
    state = await engine.store.get_trigger_state(namespace, flow_id, trigger.id)
    if state is not None and state.disabled:
        return WebhookCall(Outcome.NOT_FOUND, reason="trigger disabled")
    launcher = engine.scheduler.launcher
    variables = request.variables()
    now = engine.clock()
    if not launcher.conditions_hold(trigger, launcher.variables(index, variables), now):
        return WebhookCall(Outcome.SKIPPED, trigger=trigger)
    execution = launcher.execution(index, trigger, variables, now)
    for _ in range(5):  # record the last start on the trigger state, fenced; the execution is what matters
        if state is None:
            break
        state.last_date, state.execution_id = now, execution.id
        if await engine.store.commit_triggers(TriggerCommit([state], [execution])):
            return WebhookCall(Outcome.STARTED, execution, trigger)
        state = await engine.store.get_trigger_state(namespace, flow_id, trigger.id)
    await engine.store.create_execution(execution)
    return WebhookCall(Outcome.STARTED, execution, trigger)
