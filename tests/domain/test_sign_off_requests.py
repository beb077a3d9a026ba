"""Sign-off requests: the trainee asks, the current placement manager (or programme manager) answers."""

from __future__ import annotations

from domain.commands import Command
from domain.errors import (
    DuplicateId,
    EvidenceMissing,
    FeedbackRequired,
    NotAllowed,
    PersonalQualitiesNotRated,
    SignOffRequestConflict,
    UnknownCompetency,
)
from domain.events import CompetencySignedOff, SignOffRequestDeclined, SignOffRequested
from domain.state import Achievement
from tests.domain.journey import (
    NEXT_PLACEMENT_MANAGER,
    PLACEMENT_MANAGER,
    PROGRAMME_MANAGER,
    TRAINEE,
    decline,
    enrolled,
    evidence,
    given,
    placement_started,
    request_sign_off,
    second_placement,
    sign_off,
    the_event,
    types_of,
    uid,
)


def with_evidence() -> list[Command]:
    return [enrolled(), placement_started(), evidence("4.1.3", "2.2.2", id="e1")]


def test_a_request_goes_to_the_current_placement_manager() -> None:
    j = given(with_evidence())
    requested = the_event(j.when(request_sign_off("4.1.3", id="r1")), SignOffRequested)
    assert requested.assigned_to == PLACEMENT_MANAGER.id
    [pending] = j.status.pending_sign_offs
    assert (pending.request_id, pending.competency_id, pending.assigned_to, pending.evidence_ids) == (
        uid("r1"),
        "4.1.3",
        PLACEMENT_MANAGER.id,
        (uid("e1"),),
    )


def test_a_request_goes_to_the_next_placement_manager_after_a_change_of_placement() -> None:
    j = given(with_evidence(), second_placement())
    assert (
        the_event(j.when(request_sign_off("4.1.3")), SignOffRequested).assigned_to
        == NEXT_PLACEMENT_MANAGER.id
    )


def test_without_a_placement_a_request_goes_to_the_programme_manager() -> None:
    j = given(enrolled(), evidence("4.1.3"))
    assert the_event(j.when(request_sign_off("4.1.3")), SignOffRequested).assigned_to == PROGRAMME_MANAGER.id


def test_a_sign_off_answers_the_pending_request() -> None:
    j = given(with_evidence(), request_sign_off("4.1.3", id="r1"))
    signed = the_event(j.when(sign_off("4.1.3")), CompetencySignedOff)
    assert signed.request_id == uid("r1")
    assert j.status.pending_sign_offs == ()
    assert j.competency("4.1.3").achievement is Achievement.ACHIEVED


def test_a_sign_off_without_a_request_answers_none() -> None:
    j = given(with_evidence(), request_sign_off("2.2.2", id="r1"))
    assert the_event(j.when(sign_off("4.1.3")), CompetencySignedOff).request_id is None
    assert [p.competency_id for p in j.status.pending_sign_offs] == ["2.2.2"]


def test_a_declined_request_is_answered_and_leaves_the_competency_unachieved() -> None:
    j = given(with_evidence(), request_sign_off("4.1.3", id="r1"))
    declined = the_event(j.when(decline("r1")), SignOffRequestDeclined)
    assert (declined.competency_id, declined.request_id) == ("4.1.3", uid("r1"))
    assert j.status.pending_sign_offs == ()
    assert j.competency("4.1.3").achievement is Achievement.NOT_ACHIEVED


def test_a_second_pending_request_for_the_same_competency_is_refused() -> None:
    j = given(with_evidence(), request_sign_off("4.1.3", id="r1"))
    with j.refused(
        SignOffRequestConflict, match="a sign-off of 4.1.3 is already waiting with plm-leeds since 2024-10-01"
    ):
        j.when(request_sign_off("4.1.3", id="r2"))


def test_pending_requests_for_different_competencies_stand_together() -> None:
    j = given(with_evidence(), request_sign_off("4.1.3", id="r1"))
    j.when(request_sign_off("2.2.2", id="r2"))
    assert {p.competency_id for p in j.status.pending_sign_offs} == {"4.1.3", "2.2.2"}


def test_after_a_decline_the_trainee_may_ask_again() -> None:
    j = given(with_evidence(), request_sign_off("4.1.3", id="r1"), decline("r1"))
    assert types_of(j.when(request_sign_off("4.1.3", id="r2"))) == ["SignOffRequested"]


def test_a_request_id_is_used_once() -> None:
    j = given(with_evidence(), request_sign_off("4.1.3", id="r1"), decline("r1"))
    with j.refused(DuplicateId, match=f"sign-off request {uid('r1')} already exists"):
        j.when(request_sign_off("2.2.2", id="r1"))


def test_only_the_trainee_asks_for_a_sign_off() -> None:
    j = given(with_evidence())
    with j.refused(
        NotAllowed,
        match="only trainee t-0001 can ask for a sign-off; plm-leeds \\(placement_manager\\) cannot",
    ):
        j.when(request_sign_off("4.1.3", by=PLACEMENT_MANAGER))


def test_a_request_rests_on_evidence_naming_the_competency() -> None:
    j = given(with_evidence())
    with j.refused(EvidenceMissing, match="does not name competency 4.1.4"):
        j.when(request_sign_off("4.1.4"))


def test_a_request_names_a_competency_of_the_trainees_framework() -> None:
    j = given(with_evidence())
    with j.refused(UnknownCompetency, match="there is no competency 9.9.9"):
        j.when(request_sign_off("9.9.9"))


def test_personal_qualities_are_never_requested_one_by_one() -> None:
    j = given(with_evidence())
    with j.refused(PersonalQualitiesNotRated, match="competency 1.3.2 is a Personal Qualities competency"):
        j.when(request_sign_off("1.3.2"))


def test_only_a_signatory_declines() -> None:
    j = given(with_evidence(), request_sign_off("4.1.3", id="r1"))
    with j.refused(NotAllowed, match="trainee t-0001 cannot answer a sign-off request on their own record"):
        j.when(decline("r1", by=TRAINEE))


def test_the_previous_placement_manager_cannot_decline() -> None:
    j = given(with_evidence(), request_sign_off("4.1.3", id="r1"), second_placement())
    with j.refused(NotAllowed, match="the current placement manager is plm-confed"):
        j.when(decline("r1", by=PLACEMENT_MANAGER))


def test_a_decline_answers_a_waiting_request() -> None:
    j = given(with_evidence(), request_sign_off("4.1.3", id="r1"), decline("r1"))
    with j.refused(
        SignOffRequestConflict, match=f"there is no sign-off request {uid('r1')} waiting for an answer"
    ):
        j.when(decline("r1"))


def test_a_decline_needs_feedback() -> None:
    j = given(with_evidence(), request_sign_off("4.1.3", id="r1"))
    with j.refused(FeedbackRequired, match="feedback on a declined sign-off must not be blank"):
        j.when(decline("r1", feedback="   "))
