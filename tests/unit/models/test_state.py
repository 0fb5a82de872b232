from __future__ import annotations

import pytest

from lanner.models.state import FAILURE_STATES, TERMINAL_STATES, TRANSITIONS, State, can_transition, worst


def test_every_state_has_a_transition_entry() -> None:
    assert set(TRANSITIONS) == set(State)


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_terminal_states_never_move_on_their_own(state: State) -> None:
    assert all(not can_transition(state, other) for other in State if other != state)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (State.CREATED, State.RUNNING, True),
        (State.CREATED, State.QUEUED, True),
        (State.QUEUED, State.RUNNING, True),
        (State.RUNNING, State.PAUSED, True),
        (State.PAUSED, State.RUNNING, True),
        (State.RUNNING, State.RETRYING, True),
        (State.RETRYING, State.RUNNING, True),
        (State.RUNNING, State.KILLING, True),
        (State.KILLING, State.KILLED, True),
        (State.KILLING, State.RUNNING, False),
        (State.QUEUED, State.PAUSED, False),
        (State.SUCCESS, State.RUNNING, False),
    ],
)
def test_transition_table(current: State, target: State, allowed: bool) -> None:
    assert can_transition(current, target) is allowed


def test_worst_orders_severity() -> None:
    assert worst([]) == State.SUCCESS
    assert worst([State.SKIPPED, State.SKIPPED]) == State.SUCCESS
    assert worst([State.SUCCESS, State.WARNING]) == State.WARNING
    assert worst([State.WARNING, State.FAILED, State.SUCCESS]) == State.FAILED
    assert worst([State.FAILED, State.KILLED]) == State.KILLED
    assert all(state.is_terminal for state in FAILURE_STATES)
