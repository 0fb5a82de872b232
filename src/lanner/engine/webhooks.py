"""Webhook triggers: start an execution for an HTTP request to a flow's webhook URL.

The caller learns nothing about flows it does not hold the key of: an unknown namespace, an
unknown flow, a wrong key, a disabled flow or trigger all give the same ``NOT_FOUND``. Keys
are compared in constant time; a key written as an expression (``{{ secret('K') }}``) is
rendered first. Calls to one flow arriving together are answered in rounds (``WebhookStarter``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from lanner.errors import LannerError, NotFoundError, StorageError
from lanner.models.execution import Execution
from lanner.storage.ports import TriggerCommit, TriggerState
from lanner.triggers.core.webhook import Webhook

if TYPE_CHECKING:
    from lanner.engine.engine import Engine

__all__ = ["HIDDEN_HEADERS", "Outcome", "WebhookCall", "WebhookRequest", "WebhookStarter", "call_webhook"]

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
    """Start the flow for this request if ``key`` opens one of its webhook triggers (one call
    alone; a server answering many goes through one ``WebhookStarter``).

    Raises ``InputError``/``ExpressionError`` when the trigger's inputs cannot be built from the request.
    """
    return await WebhookStarter(engine).call(namespace, flow_id, key, request)


@dataclass(slots=True)
class _Pending:
    key: str
    request: WebhookRequest
    future: asyncio.Future[WebhookCall]


#: calls answered by one round of reads and one transaction at most
_MAX_BATCH = 256


class WebhookStarter:
    """Answers webhook calls, several at a time under load.

    Calls to one flow that arrive while a round for that flow is in flight are answered
    together by the next round: one read of the flow, one of each trigger state, and one
    transaction creating every execution of the round (and recording the last start on each
    trigger state). Idle, a call is answered at once; each call still sees the flow and the
    trigger states as stored after it arrived, and fails alone when its inputs are bad.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: calls waiting, by flow; a flow is here while a round for it runs
        self._waiting: dict[tuple[str, str], list[_Pending]] = {}
        self._rounds: set[asyncio.Task[None]] = set()  # referenced while they run

    async def call(self, namespace: str, flow_id: str, key: str, request: WebhookRequest) -> WebhookCall:
        """See ``call_webhook``."""
        pending = _Pending(key, request, asyncio.get_running_loop().create_future())
        flow = (namespace, flow_id)
        waiting = self._waiting.get(flow)
        if waiting is None:
            waiting = self._waiting[flow] = []
            task = asyncio.create_task(self._answer_waiting(flow, waiting))
            self._rounds.add(task)
            task.add_done_callback(self._rounds.discard)
        waiting.append(pending)
        return await pending.future

    async def _answer_waiting(self, flow: tuple[str, str], waiting: list[_Pending]) -> None:
        batch: list[_Pending] = []
        try:
            while waiting:
                batch = waiting[:_MAX_BATCH]
                del waiting[:_MAX_BATCH]
                try:
                    await _answer(self.engine, flow[0], flow[1], batch)
                except Exception as exc:  # the store failed: every call of the round fails with it
                    for pending in batch:
                        _settle(pending.future, exc)
        finally:
            del self._waiting[flow]
            for pending in [*batch, *waiting]:  # left unanswered only when the server stops
                _settle(pending.future, StorageError("the server is stopping; try again"))


def _settle(future: asyncio.Future[WebhookCall], outcome: WebhookCall | BaseException) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


async def _answer(engine: Engine, namespace: str, flow_id: str, batch: list[_Pending]) -> None:
    """Answer every call of ``batch`` (calls to one flow)."""
    try:
        index = await engine.flows.get(namespace, flow_id)
    except (NotFoundError, LannerError):
        for pending in batch:
            _settle(pending.future, WebhookCall(Outcome.NOT_FOUND, reason="no such flow"))
        return
    flow = index.flow
    matched: list[tuple[_Pending, Webhook]] = []
    for pending in batch:
        trigger = next(
            (t for t in flow.triggers or [] if isinstance(t, Webhook) and _key_matches(engine, t, pending.key)),
            None,
        )
        if trigger is None or flow.disabled or trigger.disabled:
            _settle(pending.future, WebhookCall(Outcome.NOT_FOUND, reason="no enabled webhook with this key"))
        else:
            matched.append((pending, trigger))
    states: dict[str, TriggerState | None] = {}
    for trigger_id in dict.fromkeys(trigger.id for _, trigger in matched):
        states[trigger_id] = await engine.store.get_trigger_state(namespace, flow_id, trigger_id)
    launcher = engine.scheduler.launcher
    started: list[tuple[_Pending, WebhookCall]] = []
    last: dict[str, tuple[datetime, str]] = {}
    for pending, trigger in matched:
        state = states[trigger.id]
        if state is not None and state.disabled:
            _settle(pending.future, WebhookCall(Outcome.NOT_FOUND, reason="trigger disabled"))
            continue
        try:
            variables = pending.request.variables()
            now = engine.clock()
            if not launcher.conditions_hold(trigger, launcher.variables(index, variables), now):
                _settle(pending.future, WebhookCall(Outcome.SKIPPED, trigger=trigger))
                continue
            execution = launcher.execution(index, trigger, variables, now)
        except Exception as exc:  # this call's inputs or conditions: it fails alone
            _settle(pending.future, exc)
            continue
        started.append((pending, WebhookCall(Outcome.STARTED, execution, trigger)))
        last[trigger.id] = (now, execution.id)
    if not started:
        return
    executions = [call.execution for _, call in started if call.execution is not None]
    await _commit(engine, namespace, flow_id, {t: s for t, s in states.items() if s is not None and t in last}, last, executions)
    for pending, call in started:
        _settle(pending.future, call)


async def _commit(
    engine: Engine,
    namespace: str,
    flow_id: str,
    states: dict[str, TriggerState],
    last: dict[str, tuple[datetime, str]],
    executions: list[Execution],
) -> None:
    """Create the executions, recording the last start on the trigger states, fenced; the
    executions are what matters: after a few lost races they are created alone."""
    for _ in range(5):
        if not states:
            break
        for trigger_id, state in states.items():
            state.last_date, state.execution_id = last[trigger_id]
        if await engine.store.commit_triggers(TriggerCommit(list(states.values()), executions)):
            return
        for trigger_id in list(states):
            found = await engine.store.get_trigger_state(namespace, flow_id, trigger_id)
            if found is None:
                del states[trigger_id]
            else:
                states[trigger_id] = found
    await engine.store.commit_triggers(TriggerCommit([], executions))
