"""Progress, the year-one milestone and graduation: achieved (incl. Achieved+) over applicable competencies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.actors import Actor
from domain.errors import AlreadyRecorded, CalendarConflict, DuplicateId, FeedbackRequired, NotAllowed
from domain.events import GraduationAssessed, MilestoneAssessed, ProgressReviewRecorded, TraineeGraduated
from domain.state import Outcome
from tests.domain.journey import (
    ADMIN,
    AUDITOR,
    HR,
    PLACEMENT_MANAGER,
    PROGRAMME_MANAGER,
    RATED,
    SCHEME_END,
    TRAINEE,
    enrolled,
    evidence,
    given,
    graduation_assessed,
    milestone_assessed,
    personal_qualities_accepted,
    placement_started,
    progress_review,
    scheme_extended,
    sign_off,
    signed_off,
    the_event,
    types_of,
)

# --- progress -----------------------------------------------------------------------------------------


def test_progress_counts_achieved_and_achieved_plus_but_not_partial() -> None:
    j = given(enrolled(), placement_started(), evidence("2.1.1", "2.1.2", "2.2.1", id="e1"))
    j.when(sign_off("2.1.1", level=2))  # partially achieved
    j.then_progress(0)
    j.when(sign_off("2.1.2", level=3))  # achieved
    j.when(sign_off("2.2.1", level=5))  # achieved+
    j.then_progress(2)
    assert j.status.progress.percent == 1.9


def test_progress_counts_personal_qualities_once_accepted() -> None:
    j = given(enrolled(), signed_off(10), personal_qualities_accepted())
    j.then_progress(24)


def test_section_progress_adds_up_to_the_total() -> None:
    j = given(enrolled(), signed_off(40), personal_qualities_accepted())
    sections = j.status.sections
    assert sum(s.progress.achieved for s in sections) == j.status.progress.achieved == 54
    assert sum(s.progress.applicable for s in sections) == j.status.progress.applicable == 105


def test_a_progress_review_records_progress_at_the_time() -> None:
    j = given(enrolled(), placement_started(), signed_off(7))
    review = the_event(j.when(progress_review(by=PLACEMENT_MANAGER)), ProgressReviewRecorded)
    assert (review.achieved, review.applicable) == (7, 105)


def test_a_progress_review_is_recorded_once() -> None:
    j = given(enrolled(), placement_started(), progress_review("review-1"))
    with j.refused(DuplicateId, match="progress review .* was already recorded"):
        j.when(progress_review("review-1"))


def test_a_progress_review_needs_a_summary() -> None:
    j = given(enrolled(), placement_started())
    with j.refused(FeedbackRequired, match="the progress review summary must not be blank"):
        j.when(progress_review(summary="\t"))


def test_the_trainee_does_not_review_their_own_progress() -> None:
    j = given(enrolled(), placement_started())
    with j.refused(NotAllowed, match="trainee t-0001 cannot record a progress review on their own record"):
        j.when(progress_review(by=TRAINEE))


# --- the year-one milestone ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("achieved", "at_risk", "questionable"),
    [
        pytest.param(0, True, False, id="0/105"),
        pytest.param(41, True, False, id="41/105 below 40%"),
        pytest.param(42, False, False, id="42/105 exactly 40%"),
        pytest.param(84, False, False, id="84/105 exactly 80%"),
        pytest.param(85, False, True, id="85/105 above 80%"),
    ],
)
def test_the_year_one_milestone_flags_at_risk_below_40_and_questionable_above_80(
    achieved: int, at_risk: bool, questionable: bool
) -> None:
    j = given(enrolled(), signed_off(achieved))
    assessed = the_event(j.when(milestone_assessed()), MilestoneAssessed)
    assert (assessed.achieved, assessed.applicable, assessed.at_risk, assessed.questionable) == (
        achieved,
        105,
        at_risk,
        questionable,
    )
    [milestone] = j.status.milestones
    assert (milestone.progress.achieved, milestone.at_risk, milestone.questionable) == (
        achieved,
        at_risk,
        questionable,
    )


def test_the_milestone_is_assessed_once() -> None:
    j = given(enrolled(), milestone_assessed())
    with j.refused(AlreadyRecorded, match="the year_one milestone was already assessed"):
        j.when(milestone_assessed())


@pytest.mark.parametrize("actor", [TRAINEE, PLACEMENT_MANAGER, AUDITOR, HR], ids=lambda a: a.role.value)
def test_only_the_system_or_a_programme_manager_assesses_the_milestone(actor: Actor) -> None:
    j = given(enrolled())
    with j.refused(
        NotAllowed,
        match=f"assessing a milestone needs one of the roles admin, programme_manager, system; {actor.id}",
    ):
        j.when(milestone_assessed(by=actor))


def test_a_programme_manager_may_assess_the_milestone() -> None:
    assert types_of(given(enrolled()).when(milestone_assessed(by=PROGRAMME_MANAGER))) == ["MilestoneAssessed"]


# --- graduation ---------------------------------------------------------------------------------------


def test_graduation_is_not_assessed_before_the_schemes_end() -> None:
    j = given(enrolled(), signed_off(81), personal_qualities_accepted())
    with j.refused(
        CalendarConflict, match=f"graduation is assessed at the Scheme's end, {SCHEME_END}, not before"
    ):
        j.when(graduation_assessed(on=SCHEME_END - timedelta(days=1)))


def test_95_of_105_graduates_at_the_schemes_end() -> None:
    j = given(enrolled(), signed_off(81), personal_qualities_accepted())
    events = j.when(graduation_assessed(on=SCHEME_END))
    assert types_of(events) == ["GraduationAssessed", "TraineeGraduated"]
    assessed = the_event(events, GraduationAssessed)
    graduated = the_event(events, TraineeGraduated)
    assert (assessed.achieved, assessed.applicable, assessed.eligible) == (95, 105, True)
    assert (graduated.graduated_on, graduated.achieved) == (SCHEME_END, 95)
    j.then_status(outcome=Outcome.GRADUATED)
    graduation = j.status.graduation
    assert graduation is not None
    assert (graduation.eligible, graduation.graduated_on, graduation.progress.percent) == (
        True,
        SCHEME_END,
        90.5,
    )


def test_94_of_105_is_below_the_graduation_standard() -> None:
    j = given(enrolled(), signed_off(80), personal_qualities_accepted())
    events = j.when(graduation_assessed())
    assert types_of(events) == ["GraduationAssessed"]
    assessed = the_event(events, GraduationAssessed)
    assert (assessed.achieved, assessed.applicable, assessed.eligible) == (94, 105, False)
    j.then_status(outcome=Outcome.ACTIVE)
    graduation = j.status.graduation
    assert graduation is not None
    assert (graduation.eligible, graduation.graduated_on, graduation.progress.percent) == (False, None, 89.5)


def test_every_rated_competency_without_personal_qualities_is_not_enough() -> None:
    j = given(enrolled(), signed_off(len(RATED)))
    assessed = the_event(j.when(graduation_assessed()), GraduationAssessed)
    assert (assessed.achieved, assessed.eligible) == (91, False)


def test_after_a_failed_assessment_an_extension_lets_a_later_assessment_graduate() -> None:
    j = given(enrolled(), signed_off(80), personal_qualities_accepted(), graduation_assessed())
    new_end = date(2027, 3, 2)
    j.when(scheme_extended(new_end))
    j.then_status(outcome=Outcome.ACTIVE, scheme_end=new_end)
    j.when(evidence(RATED[80], id="late"))
    j.when(sign_off(RATED[80], by=PROGRAMME_MANAGER, evidence=("late",)))
    with j.refused(CalendarConflict, match=f"at the Scheme's end, {new_end}, not before"):
        j.when(graduation_assessed(on=SCHEME_END))
    events = j.when(graduation_assessed(on=new_end))
    assert types_of(events) == ["GraduationAssessed", "TraineeGraduated"]
    assert the_event(events, TraineeGraduated).graduated_on == new_end
    j.then_status(outcome=Outcome.GRADUATED)


def test_an_admin_or_programme_manager_may_assess_graduation() -> None:
    for actor in (ADMIN, PROGRAMME_MANAGER):
        j = given(enrolled(), signed_off(81), personal_qualities_accepted())
        assert types_of(j.when(graduation_assessed(by=actor))) == ["GraduationAssessed", "TraineeGraduated"]


@pytest.mark.parametrize("actor", [TRAINEE, PLACEMENT_MANAGER, AUDITOR, HR], ids=lambda a: a.role.value)
def test_trainees_and_placement_managers_do_not_assess_graduation(actor: Actor) -> None:
    j = given(enrolled(), signed_off(81), personal_qualities_accepted())
    with j.refused(
        NotAllowed,
        match=f"assessing graduation needs one of the roles admin, programme_manager, system; {actor.id}",
    ):
        j.when(graduation_assessed(by=actor))
