"""The status is a fold of the events; as of an instant it is the fold of the events recorded by then."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta

import pytest

from domain.evolve import evolve, fold, fold_as_of
from domain.state import Achievement, Outcome, TraineeState
from domain.status import status_of
from tests.domain.journey import (
    PLACEMENT_MANAGER,
    SCHEME_END,
    Journey,
    at,
    enrolled,
    evidence,
    given,
    graduated,
    placement_started,
    request_sign_off,
    revoke,
    sign_off,
    uid,
)

SIGNED_ON = date(2024, 10, 1)
REVOKED_ON = date(2024, 11, 1)


def revoked_journey() -> Journey:
    return given(
        enrolled(),
        placement_started(),
        evidence("4.1.3", id="e1", on=SIGNED_ON),
        sign_off("4.1.3", level=3, on=SIGNED_ON, feedback="Well evidenced."),
        revoke("4.1.3", on=REVOKED_ON),
    )


def test_the_status_is_the_fold_of_the_recorded_events() -> None:
    j = revoked_journey()
    assert status_of(fold(j.events)).model_dump() == j.status.model_dump()


def test_the_status_names_its_version_and_instant() -> None:
    j = revoked_journey()
    j.then_status(version=len(j.events), as_of=j.events[-1].recorded_at)
    assert [e.version for e in j.events] == list(range(1, len(j.events) + 1))


def test_a_competency_shows_who_signed_it_when_on_what_and_why() -> None:
    j = given(enrolled(), placement_started(), evidence("4.1.3", id="e1"))
    j.when(sign_off("4.1.3", level=4, on=SIGNED_ON, feedback="Well evidenced."))
    c = j.competency("4.1.3")
    assert (
        c.level,
        c.achievement,
        c.signed_by,
        c.signed_at,
        c.evidence_ids,
        c.feedback,
        c.sign_off_count,
    ) == (
        4,
        Achievement.ACHIEVED_PLUS,
        PLACEMENT_MANAGER,
        at(SIGNED_ON, 11),
        (uid("e1"),),
        "Well evidenced.",
        1,
    )


def test_as_of_before_the_revoke_the_sign_off_stands() -> None:
    j = revoked_journey()
    then = status_of(fold_as_of(j.events, at(SIGNED_ON + timedelta(days=7))))
    c = next(c for c in then.competencies if c.id == "4.1.3")
    assert (c.level, c.achievement) == (3, Achievement.ACHIEVED)
    assert then.progress.achieved == 1


def test_as_of_after_the_revoke_it_is_gone() -> None:
    j = revoked_journey()
    now = status_of(fold_as_of(j.events, at(REVOKED_ON + timedelta(days=1))))
    c = next(c for c in now.competencies if c.id == "4.1.3")
    assert (c.level, c.achievement) == (None, Achievement.NOT_ACHIEVED)
    assert now.progress.achieved == 0


def test_as_of_an_events_instant_includes_that_event() -> None:
    j = revoked_journey()
    signed = j.events[3]
    assert signed.type == "CompetencySignedOff"
    assert fold_as_of(j.events, signed.recorded_at).version == 4
    assert fold_as_of(j.events, signed.recorded_at - timedelta(microseconds=1)).version == 3


def test_as_of_before_enrolment_there_is_no_status() -> None:
    j = revoked_journey()
    before = fold_as_of(j.events, datetime(2024, 1, 1, tzinfo=at(SIGNED_ON).tzinfo))
    assert before.outcome is Outcome.NOT_ENROLLED
    with pytest.raises(ValueError, match="no status before enrolment"):
        status_of(before)


def test_as_of_never_splits_the_events_of_one_command() -> None:
    j = given(enrolled(), graduated())
    graduated_at = j.events[-1].recorded_at
    assert [e.type for e in j.events if e.recorded_at == graduated_at] == [
        "GraduationAssessed",
        "TraineeGraduated",
    ]
    before = fold_as_of(j.events, graduated_at - timedelta(microseconds=1))
    assert (before.outcome, before.graduation) == (Outcome.ACTIVE, None)
    at_graduation = status_of(fold_as_of(j.events, graduated_at))
    assert at_graduation.outcome is Outcome.GRADUATED
    assert at_graduation.graduation is not None
    assert at_graduation.graduation.graduated_on == SCHEME_END


def test_pending_requests_show_in_the_status_until_answered() -> None:
    j = given(
        enrolled(), placement_started(), evidence("4.1.3", id="e1"), request_sign_off("4.1.3", on=SIGNED_ON)
    )
    requested_at = j.events[-1].recorded_at
    j.when(sign_off("4.1.3", on=SIGNED_ON + timedelta(days=2)))
    assert [p.competency_id for p in status_of(fold_as_of(j.events, requested_at)).pending_sign_offs] == [
        "4.1.3"
    ]
    assert j.status.pending_sign_offs == ()


# --- the folded state belongs to whoever folded it ----------------------------------------------------


def snapshot(state: TraineeState) -> TraineeState:
    return copy.deepcopy(state, {id(state.framework): state.framework})


def test_evolve_leaves_the_state_it_was_given_unchanged() -> None:
    j = revoked_journey()
    for k in range(1, len(j.events)):
        state = fold(j.events[:k])
        before = snapshot(state)
        after = evolve(state, j.events[k])
        assert state == before, f"evolving {j.events[k].type} changed the state it was given"
        assert after.version == k + 1


def test_fold_onto_a_state_leaves_that_state_unchanged() -> None:
    j = revoked_journey()
    halfway = fold(j.events[:3])
    before = snapshot(halfway)
    assert fold(j.events[3:], halfway) == fold(j.events)
    assert halfway == before


def test_a_later_command_leaves_an_earlier_state_unchanged() -> None:
    j = given(enrolled(), placement_started(), evidence("4.1.3", id="e1"), sign_off("4.1.3", level=2))
    earlier, before = j.state, snapshot(j.state)
    j.when(sign_off("4.1.3", level=4))
    j.when(revoke("4.1.3"))
    j.when(revoke("4.1.3"))
    assert earlier == before
    assert earlier.current_sign_off("4.1.3") is not None
