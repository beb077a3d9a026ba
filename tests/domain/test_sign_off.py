"""Sign-off and revoke: who signs, on what evidence, at which level, and what a revoke restores."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.actors import Actor, Role
from domain.commands import Command, SignOffCompetency
from domain.errors import (
    EvidenceMissing,
    FeedbackRequired,
    LevelOutOfRange,
    NotAllowed,
    NothingToRevoke,
    PersonalQualitiesNotRated,
    UnknownCompetency,
)
from domain.events import CompetencySignedOff, SignOffRevoked
from domain.state import Achievement, achievement
from tests.domain.journey import (
    ADMIN,
    AUDITOR,
    HR,
    NEXT_PLACEMENT_MANAGER,
    PLACEMENT_MANAGER,
    PROGRAMME_MANAGER,
    TRAINEE,
    enrolled,
    evidence,
    given,
    placement_ended,
    placement_started,
    revoke,
    second_placement,
    sign_off,
    the_event,
    types_of,
    uid,
)

SOMEONE_ELSES_MANAGER = Actor(id="plm-elsewhere", role=Role.PLACEMENT_MANAGER)


def on_placement() -> list[Command]:
    return [enrolled(), placement_started(), evidence("4.1.3", "2.2.2", id="e1")]


# --- who signs ----------------------------------------------------------------------------------------


def test_the_current_placement_manager_signs_off_a_competency() -> None:
    j = given(on_placement())
    signed = the_event(j.when(sign_off("4.1.3", level=3, by=PLACEMENT_MANAGER)), CompetencySignedOff)
    assert (signed.competency_id, signed.level, signed.evidence_ids) == ("4.1.3", 3, (uid("e1"),))
    c = j.competency("4.1.3")
    assert (c.level, c.achievement, c.signed_by) == (3, Achievement.ACHIEVED, PLACEMENT_MANAGER)


def test_a_programme_manager_signs_off_a_competency() -> None:
    j = given(on_placement())
    j.when(sign_off("4.1.3", by=PROGRAMME_MANAGER))
    assert j.competency("4.1.3").signed_by == PROGRAMME_MANAGER


def test_a_programme_manager_signs_off_without_a_placement() -> None:
    j = given(enrolled(), evidence("4.1.3"))
    assert types_of(j.when(sign_off("4.1.3", by=PROGRAMME_MANAGER))) == ["CompetencySignedOff"]


@pytest.mark.parametrize(
    "impostor",
    [
        pytest.param(TRAINEE, id="as trainee"),
        pytest.param(Actor(id=TRAINEE.id, role=Role.PLACEMENT_MANAGER), id="token claims placement manager"),
        pytest.param(Actor(id=TRAINEE.id, role=Role.PROGRAMME_MANAGER), id="token claims programme manager"),
    ],
)
def test_a_trainee_never_signs_off_their_own_competency(impostor: Actor) -> None:
    j = given(on_placement())
    with j.refused(NotAllowed, match="trainee t-0001 cannot sign off a competency on their own record"):
        j.when(sign_off("4.1.3", by=impostor))


def test_the_placement_manager_of_a_previous_placement_cannot_sign_off() -> None:
    j = given(on_placement(), second_placement())
    with j.refused(NotAllowed, match="the current placement manager is plm-confed"):
        j.when(sign_off("4.1.3", by=PLACEMENT_MANAGER))
    assert types_of(j.when(sign_off("4.1.3", by=NEXT_PLACEMENT_MANAGER))) == ["CompetencySignedOff"]


def test_a_placement_manager_cannot_sign_off_once_the_placement_ended() -> None:
    j = given(on_placement(), placement_ended())
    with j.refused(NotAllowed, match="the trainee has no current placement"):
        j.when(sign_off("4.1.3", by=PLACEMENT_MANAGER))


@pytest.mark.parametrize(
    "actor",
    [
        pytest.param(SOMEONE_ELSES_MANAGER, id="another placement manager"),
        pytest.param(ADMIN, id="admin"),
        pytest.param(AUDITOR, id="auditor"),
        pytest.param(HR, id="hr"),
    ],
)
def test_only_the_current_placement_manager_or_a_programme_manager_signs_off(actor: Actor) -> None:
    j = given(on_placement())
    with j.refused(
        NotAllowed,
        match=f"only the trainee's current placement manager or a programme manager can sign off a competency; {actor.id}",
    ):
        j.when(sign_off("4.1.3", by=actor))


# --- what is signed -----------------------------------------------------------------------------------


@pytest.mark.parametrize("feedback", [" ", "   \n\t "])
def test_a_sign_off_needs_feedback(feedback: str) -> None:
    j = given(on_placement())
    with j.refused(FeedbackRequired, match="sign-off feedback must not be blank"):
        j.when(sign_off("4.1.3", feedback=feedback))


def test_empty_feedback_is_not_even_a_command() -> None:
    with pytest.raises(ValidationError, match="at least 1 character"):
        sign_off("4.1.3", feedback="")


def test_a_sign_off_rests_on_submitted_evidence() -> None:
    j = given(on_placement())
    with j.refused(EvidenceMissing, match=f"evidence {uid('never')} was never submitted by this trainee"):
        j.when(sign_off("4.1.3", evidence=("e1", "never")))


def test_a_sign_off_rests_on_evidence_that_names_the_competency() -> None:
    j = given(on_placement())
    with j.refused(
        EvidenceMissing,
        match=f"evidence {uid('e1')} does not name competency 4.1.4 \\(it names 2.2.2, 4.1.3\\)",
    ):
        j.when(sign_off("4.1.4"))


def test_a_sign_off_names_a_competency_of_the_trainees_framework() -> None:
    j = given(on_placement())
    with j.refused(UnknownCompetency, match="there is no competency 9.9.9"):
        j.when(sign_off("9.9.9"))


@pytest.mark.parametrize("level", [0, 6, -1])
def test_levels_run_from_one_to_five(level: int) -> None:
    j = given(on_placement())
    with j.refused(LevelOutOfRange, match=f"level {level} is not on the framework's scale: 1 Awareness"):
        j.when(sign_off("4.1.3", level=level))


@pytest.mark.parametrize("level", [1, 5])
def test_the_scale_ends_are_levels(level: int) -> None:
    j = given(on_placement())
    j.when(sign_off("4.1.3", level=level))
    assert j.competency("4.1.3").level == level


# --- achievement against the target -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "target", "expected"),
    [
        (0, 3, Achievement.NOT_ACHIEVED),
        (1, 3, Achievement.PARTIALLY_ACHIEVED),
        (2, 3, Achievement.PARTIALLY_ACHIEVED),
        (3, 3, Achievement.ACHIEVED),
        (4, 3, Achievement.ACHIEVED_PLUS),
        (5, 3, Achievement.ACHIEVED_PLUS),
        (1, 1, Achievement.ACHIEVED),
        (0, 1, Achievement.NOT_ACHIEVED),
        (4, 5, Achievement.PARTIALLY_ACHIEVED),
        (5, 5, Achievement.ACHIEVED),
    ],
)
def test_achievement_is_the_level_against_the_target(level: int, target: int, expected: Achievement) -> None:
    assert achievement(level, target) is expected


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (2, Achievement.PARTIALLY_ACHIEVED),
        (3, Achievement.ACHIEVED),
        (4, Achievement.ACHIEVED_PLUS),
    ],
)
def test_the_status_shows_the_achievement_against_target_three(level: int, expected: Achievement) -> None:
    j = given(on_placement())
    j.when(sign_off("4.1.3", level=level))
    c = j.competency("4.1.3")
    assert (c.target_level, c.achievement) == (3, expected)


# --- a later sign-off supersedes; a revoke restores ---------------------------------------------------


def test_a_later_sign_off_at_a_new_level_supersedes() -> None:
    j = given(on_placement(), sign_off("4.1.3", level=2))
    j.when(sign_off("4.1.3", level=4, by=PROGRAMME_MANAGER))
    c = j.competency("4.1.3")
    assert (c.level, c.achievement, c.sign_off_count, c.signed_by) == (
        4,
        Achievement.ACHIEVED_PLUS,
        2,
        PROGRAMME_MANAGER,
    )


def test_a_revoke_restores_the_previous_level() -> None:
    j = given(on_placement(), sign_off("4.1.3", level=2), sign_off("4.1.3", level=4))
    revoked = the_event(j.when(revoke("4.1.3")), SignOffRevoked)
    assert revoked.revoked_level == 4
    c = j.competency("4.1.3")
    assert (c.level, c.achievement, c.sign_off_count) == (2, Achievement.PARTIALLY_ACHIEVED, 1)


def test_revoking_the_only_sign_off_leaves_the_competency_not_achieved() -> None:
    j = given(on_placement(), sign_off("4.1.3", level=3))
    j.when(revoke("4.1.3"))
    c = j.competency("4.1.3")
    assert (c.level, c.achievement, c.sign_off_count, c.signed_by) == (
        None,
        Achievement.NOT_ACHIEVED,
        0,
        None,
    )
    j.then_progress(0)


def test_revoke_needs_a_sign_off_to_revoke() -> None:
    j = given(on_placement())
    with j.refused(NothingToRevoke, match="competency 4.1.3 has no sign-off to revoke"):
        j.when(revoke("4.1.3"))


def test_a_sign_off_is_revoked_once() -> None:
    j = given(on_placement(), sign_off("4.1.3"), revoke("4.1.3"))
    with j.refused(NothingToRevoke, match="competency 4.1.3 has no sign-off to revoke"):
        j.when(revoke("4.1.3"))


def test_a_revoke_needs_a_reason() -> None:
    j = given(on_placement(), sign_off("4.1.3"))
    with j.refused(FeedbackRequired, match="the reason for a revoke must not be blank"):
        j.when(revoke("4.1.3", reason=" \t"))


def test_the_trainee_cannot_revoke_a_sign_off() -> None:
    j = given(on_placement(), sign_off("4.1.3"))
    with j.refused(NotAllowed, match="trainee t-0001 cannot revoke a sign-off on their own record"):
        j.when(revoke("4.1.3", by=TRAINEE))


def test_a_previous_placement_manager_cannot_revoke() -> None:
    j = given(on_placement(), sign_off("4.1.3"), second_placement())
    with j.refused(
        NotAllowed,
        match="only the trainee's current placement manager or a programme manager can revoke a sign-off",
    ):
        j.when(revoke("4.1.3", by=PLACEMENT_MANAGER))


# --- Personal Qualities are never rated ---------------------------------------------------------------


def test_personal_qualities_are_never_signed_off_one_by_one() -> None:
    j = given(on_placement())
    with j.refused(
        PersonalQualitiesNotRated,
        match="competency 1.2.1 is a Personal Qualities competency: these are not rated and cannot be signed off one by one",
    ):
        j.when(sign_off("1.2.1", evidence=("e1",)))


def test_personal_qualities_are_never_revoked_one_by_one() -> None:
    j = given(on_placement())
    with j.refused(
        PersonalQualitiesNotRated,
        match="competency 1.2.1 is a Personal Qualities competency: these are not rated and cannot be revoked one by one",
    ):
        j.when(revoke("1.2.1"))


@pytest.mark.parametrize("level", [True, "3", 3.0])
def test_a_level_must_be_a_whole_number_not_something_like_one(level: object) -> None:
    with pytest.raises(ValidationError, match="Input should be a valid integer"):
        SignOffCompetency.model_validate({**sign_off("4.1.3").model_dump(), "level": level})
