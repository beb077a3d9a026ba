"""Withdrawal and graduation close the record: nothing more is recorded about the journey itself."""

from __future__ import annotations

from datetime import date

import pytest

from domain.commands import Command, ReviewReflectivePiece, StartPlacement
from domain.errors import FeedbackRequired, TraineeNotActive
from domain.events import TraineeWithdrawn
from domain.state import Outcome
from tests.domain.journey import (
    PROGRAMME_MANAGER,
    RATED,
    SCHEME_END,
    decline,
    enrolled,
    evidence,
    given,
    graduated,
    graduation_assessed,
    milestone_assessed,
    piece_reviewed,
    placement_ended,
    placement_started,
    progress_review,
    reflective_piece,
    request_sign_off,
    revoke,
    scheme_extended,
    sign_off,
    the_event,
    withdrawn,
)

AFTER_THE_END = date(2026, 9, 3)

# Everything a journey can still ask for, each of which would otherwise be accepted.
CLOSED_TO: list[Command] = [
    placement_started("late", starts_on=date(2026, 1, 1), planned_end=SCHEME_END),
    placement_ended(),
    evidence(RATED[0], id="late"),
    request_sign_off("2.1.2", id="r-late", evidence=("e-open",)),
    decline("r-open"),
    sign_off("2.1.1", by=PROGRAMME_MANAGER, evidence=("e-open",)),
    revoke("2.1.2"),
    reflective_piece(id="p-late"),
    piece_reviewed(),
    progress_review("review-late", by=PROGRAMME_MANAGER),
    milestone_assessed(),
    scheme_extended(date(2027, 3, 2)),
    withdrawn(),
    graduation_assessed(),
]


def open_journey() -> list[Command]:
    return [
        enrolled(),
        placement_started(),
        evidence("2.1.1", "2.1.2", id="e-open"),
        sign_off("2.1.2", evidence=("e-open",)),
        request_sign_off("2.1.1", id="r-open", evidence=("e-open",)),
    ]


def test_a_withdrawal_closes_the_record_with_its_reason() -> None:
    j = given(open_journey())
    assert the_event(j.when(withdrawn(reason="Left the NHS.")), TraineeWithdrawn).reason == "Left the NHS."
    j.then_status(outcome=Outcome.WITHDRAWN, withdrawal_reason="Left the NHS.")


def test_a_withdrawal_needs_a_reason() -> None:
    j = given(open_journey())
    with j.refused(FeedbackRequired, match="the reason for a withdrawal must not be blank"):
        j.when(withdrawn(reason="  "))


@pytest.mark.parametrize("command", CLOSED_TO, ids=lambda c: type(c).__name__)
def test_nothing_more_is_recorded_for_a_withdrawn_trainee(command: Command) -> None:
    j = given(open_journey(), withdrawn(reason="Left the NHS."))
    with j.refused(
        TraineeNotActive, match="trainee t-0001 was withdrawn \\(Left the NHS.\\); their record is closed"
    ):
        j.when(command)


@pytest.mark.parametrize("command", CLOSED_TO, ids=lambda c: type(c).__name__)
def test_nothing_more_is_recorded_for_a_graduated_trainee(command: Command) -> None:
    j = given(open_journey(), graduated())
    j.then_status(outcome=Outcome.GRADUATED)
    with j.refused(
        TraineeNotActive, match=f"trainee t-0001 graduated on {SCHEME_END}; their record is closed"
    ):
        j.when(command)


def test_each_of_those_commands_is_accepted_while_the_record_is_open() -> None:
    """The two tests above only show something if each command would otherwise be accepted."""
    for command in CLOSED_TO:
        j = given(open_journey())
        if isinstance(command, StartPlacement):
            j.when(placement_ended())
        if isinstance(command, ReviewReflectivePiece):
            j.when(reflective_piece())
        assert j.when(command), f"{type(command).__name__} recorded nothing"
