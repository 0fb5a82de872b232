"""Execution and task run states, and the table of allowed transitions.

The state machine is data: ``TRANSITIONS`` lists, for each state, the states it may move to.
``can_transition`` is the one function that checks it; the engine never changes a state
without asking it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "FAILURE_STATES",
    "RESTARTABLE",
    "State",
    "TERMINAL_STATES",
    "TRANSITIONS",
    "can_transition",
    "worst",
]


class State(StrEnum):
    CREATED = "CREATED"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    RETRYING = "RETRYING"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    FAILED = "FAILED"
    KILLING = "KILLING"
    KILLED = "KILLED"
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def is_failed(self) -> bool:
        return self in FAILURE_STATES

    @property
    def is_successful(self) -> bool:
        return self in (State.SUCCESS, State.WARNING, State.SKIPPED)


TERMINAL_STATES = frozenset({State.SUCCESS, State.WARNING, State.FAILED, State.KILLED, State.CANCELLED, State.SKIPPED})
FAILURE_STATES = frozenset({State.FAILED, State.KILLED, State.CANCELLED})

_ANY_END = {State.SUCCESS, State.WARNING, State.FAILED, State.KILLING, State.KILLED, State.CANCELLED}

TRANSITIONS: dict[State, frozenset[State]] = {
    State.CREATED: frozenset({State.QUEUED, State.RUNNING, State.SKIPPED, State.KILLING} | _ANY_END),
    State.QUEUED: frozenset({State.RUNNING, State.KILLING, State.KILLED, State.CANCELLED, State.FAILED}),
    State.RUNNING: frozenset({State.PAUSED, State.RETRYING} | _ANY_END),
    State.PAUSED: frozenset({State.RUNNING} | _ANY_END),
    State.RETRYING: frozenset({State.RUNNING, State.CREATED} | _ANY_END),
    State.KILLING: frozenset({State.KILLED, State.FAILED, State.SUCCESS, State.WARNING}),
    # Terminal states are left only by an explicit restart or replay, or by a manual change.
    State.SUCCESS: frozenset(),
    State.WARNING: frozenset(),
    State.FAILED: frozenset(),
    State.KILLED: frozenset(),
    State.CANCELLED: frozenset(),
    State.SKIPPED: frozenset(),
}

# Restart and replay move a terminal execution back to RESTARTED work; they are user actions
# handled explicitly by the engine and allowed from these states.
RESTARTABLE = frozenset({State.FAILED, State.KILLED, State.WARNING, State.SUCCESS, State.CANCELLED})


def can_transition(current: State, target: State) -> bool:
    """Whether a state may move from ``current`` to ``target`` in normal operation."""
    return current == target or target in TRANSITIONS[current]


_SEVERITY = {
    State.SKIPPED: 0,
    State.SUCCESS: 1,
    State.WARNING: 2,
    State.CANCELLED: 3,
    State.FAILED: 4,
    State.KILLED: 5,
}


def worst(states: list[State]) -> State:
    """The most severe terminal state of a group (SUCCESS for an empty or all-skipped group)."""
    result = State.SUCCESS
    for state in states:
        if _SEVERITY.get(state, 0) > _SEVERITY[result]:
            result = state
    return result
