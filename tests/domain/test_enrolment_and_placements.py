"""Enrolment, the Scheme's calendar and placements: who may set them up, and placements never overlap."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.actors import Actor, Role
from domain.commands import Command
from domain.errors import (
    AlreadyEnrolled,
    CalendarConflict,
    DuplicateId,
    FeedbackRequired,
    NotAllowed,
    NotEnrolled,
    PlacementConflict,
    UnknownSpecialismFramework,
)
from domain.events import PlacementStarted, SchemeExtended, TraineeEnrolled
from domain.state import Outcome
from tests.domain.journey import (
    ADMIN,
    AUDITOR,
    FIRST_PLACEMENT_END,
    HR,
    NEXT_PLACEMENT_MANAGER,
    PLACEMENT_MANAGER,
    PROGRAMME_MANAGER,
    SCHEME_END,
    SCHEME_START,
    TRAINEE,
    decline,
    enrolled,
    evidence,
    given,
    graduation_assessed,
    hr_notified,
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
    types_of,
    withdrawn,
)

NOT_MANAGERS = [
    pytest.param(TRAINEE, id="trainee"),
    pytest.param(AUDITOR, id="auditor"),
    pytest.param(HR, id="hr"),
    pytest.param(PLACEMENT_MANAGER, id="placement_manager"),
]

# --- enrolment ----------------------------------------------------------------------------------------


def test_a_programme_manager_enrols_a_trainee_on_their_specialisms_framework() -> None:
    j = given()
    events = j.when(enrolled())
    enrolment = the_event(events, TraineeEnrolled)
    assert (enrolment.framework_id, enrolment.framework_version) == ("general-management", "2.1")
    j.then_status(
        outcome=Outcome.ACTIVE,
        trainee_id=TRAINEE.id,
        framework="general-management@2.1",
        scheme_start=SCHEME_START,
        scheme_end=SCHEME_END,
        programme_manager_id=PROGRAMME_MANAGER.id,
        version=1,
    )


def test_an_admin_may_enrol_a_trainee() -> None:
    assert types_of(given().when(enrolled(by=ADMIN))) == ["TraineeEnrolled"]


@pytest.mark.parametrize("actor", NOT_MANAGERS)
def test_only_programme_managers_and_admins_enrol(actor: Actor) -> None:
    j = given()
    with j.refused(
        NotAllowed,
        match=f"enrolling a trainee needs one of the roles admin, programme_manager; {actor.id} acts as {actor.role.value}",
    ):
        j.when(enrolled(by=actor))


def test_a_trainee_is_enrolled_once() -> None:
    j = given(enrolled())
    with j.refused(AlreadyEnrolled, match="t-0001 is already enrolled"):
        j.when(enrolled())


def test_enrolment_needs_a_specialism_the_scheme_runs() -> None:
    j = given()
    with j.refused(UnknownSpecialismFramework, match="unknown specialism 'astrology'"):
        j.when(enrolled(specialism="astrology"))


def test_enrolment_needs_a_shipped_framework_for_the_specialism() -> None:
    j = given()
    with j.refused(UnknownSpecialismFramework, match="no framework is shipped for specialism 'finance'"):
        j.when(enrolled(specialism="finance"))


@pytest.mark.parametrize("end", [SCHEME_START, SCHEME_START - timedelta(days=1)])
def test_the_scheme_ends_after_it_starts(end: date) -> None:
    j = given()
    with j.refused(CalendarConflict, match="the Scheme must end after it starts"):
        j.when(enrolled(end=end))


def test_a_trainee_cannot_be_their_own_programme_manager() -> None:
    j = given()
    with j.refused(NotAllowed, match="cannot be their own programme manager"):
        j.when(enrolled(programme_manager_id=TRAINEE.id))


EVERY_OTHER_COMMAND: list[Command] = [
    placement_started(),
    placement_ended(),
    evidence("4.1.3"),
    request_sign_off("4.1.3"),
    decline(),
    sign_off("4.1.3"),
    revoke("4.1.3"),
    reflective_piece(),
    piece_reviewed(),
    progress_review(),
    milestone_assessed(),
    scheme_extended(date(2027, 3, 1)),
    withdrawn(),
    graduation_assessed(),
    hr_notified(),
]


@pytest.mark.parametrize("command", EVERY_OTHER_COMMAND, ids=lambda c: type(c).__name__)
def test_nothing_happens_to_a_trainee_before_enrolment(command: Command) -> None:
    j = given()
    with j.refused(NotEnrolled, match="not enrolled on the Scheme; enrol them first"):
        j.when(command)


# --- extension and withdrawal: who may -----------------------------------------------------------------


def test_a_programme_manager_extends_the_scheme() -> None:
    j = given(enrolled())
    extended = the_event(j.when(scheme_extended(date(2027, 3, 1))), SchemeExtended)
    assert (extended.previous_end, extended.new_end) == (SCHEME_END, date(2027, 3, 1))
    j.then_status(scheme_end=date(2027, 3, 1))


@pytest.mark.parametrize("actor", NOT_MANAGERS)
def test_only_programme_managers_and_admins_extend_the_scheme(actor: Actor) -> None:
    j = given(enrolled())
    with j.refused(
        NotAllowed, match=f"extending the Scheme needs one of the roles admin, programme_manager; {actor.id}"
    ):
        j.when(scheme_extended(date(2027, 3, 1), by=actor))


@pytest.mark.parametrize("new_end", [SCHEME_END, SCHEME_END - timedelta(days=1)])
def test_an_extension_moves_the_end_later(new_end: date) -> None:
    j = given(enrolled())
    with j.refused(CalendarConflict, match=f"must move the end later than {SCHEME_END}"):
        j.when(scheme_extended(new_end))


def test_an_extension_needs_a_reason() -> None:
    j = given(enrolled())
    with j.refused(FeedbackRequired, match="the reason for an extension must not be blank"):
        j.when(scheme_extended(date(2027, 3, 1), reason="  \n"))


@pytest.mark.parametrize("actor", NOT_MANAGERS)
def test_only_programme_managers_and_admins_withdraw_a_trainee(actor: Actor) -> None:
    j = given(enrolled())
    with j.refused(
        NotAllowed, match=f"withdrawing a trainee needs one of the roles admin, programme_manager; {actor.id}"
    ):
        j.when(withdrawn(by=actor))


# --- placements ---------------------------------------------------------------------------------------


def test_a_placement_starts_with_its_placement_manager() -> None:
    j = given(enrolled())
    started = the_event(j.when(placement_started()), PlacementStarted)
    assert started.placement_manager_id == PLACEMENT_MANAGER.id
    current = j.status.current_placement
    assert current is not None
    assert (current.placement_id, current.placement_manager_id, current.ended_on) == (
        "operational",
        PLACEMENT_MANAGER.id,
        None,
    )


@pytest.mark.parametrize("actor", NOT_MANAGERS)
def test_only_programme_managers_and_admins_start_placements(actor: Actor) -> None:
    j = given(enrolled())
    with j.refused(
        NotAllowed, match=f"starting a placement needs one of the roles admin, programme_manager; {actor.id}"
    ):
        j.when(placement_started(by=actor))


@pytest.mark.parametrize("actor", NOT_MANAGERS)
def test_only_programme_managers_and_admins_end_placements(actor: Actor) -> None:
    j = given(enrolled(), placement_started())
    with j.refused(
        NotAllowed, match=f"ending a placement needs one of the roles admin, programme_manager; {actor.id}"
    ):
        j.when(placement_ended(by=actor))


def test_a_trainee_cannot_be_their_own_placement_manager() -> None:
    j = given(enrolled())
    with j.refused(NotAllowed, match="cannot be their own placement manager"):
        j.when(placement_started(manager=Actor(id=TRAINEE.id, role=Role.PLACEMENT_MANAGER)))


def test_a_placement_cannot_start_while_another_is_open() -> None:
    j = given(enrolled(), placement_started(planned_end=date(2025, 1, 31)))
    with j.refused(PlacementConflict, match="placement operational at Operational NHS Trust has not ended"):
        j.when(placement_started("flexi", starts_on=date(2025, 3, 1), planned_end=date(2025, 5, 1)))


@pytest.mark.parametrize(
    "starts_on",
    [FIRST_PLACEMENT_END, FIRST_PLACEMENT_END - timedelta(days=30)],
    ids=["on its end", "before its end"],
)
def test_a_placement_cannot_start_on_or_before_the_previous_ones_end(starts_on: date) -> None:
    j = given(enrolled(), placement_started(), placement_ended())
    with j.refused(
        PlacementConflict,
        match=f"would overlap placement operational \\({SCHEME_START} to {FIRST_PLACEMENT_END}\\)",
    ):
        j.when(placement_started("flexi", starts_on=starts_on, planned_end=date(2025, 10, 1)))


def test_a_placement_starts_the_day_after_the_previous_one_ended() -> None:
    j = given(enrolled(), placement_started(), placement_ended())
    events = j.when(
        placement_started(
            "flexi", starts_on=FIRST_PLACEMENT_END + timedelta(days=1), planned_end=date(2025, 10, 1)
        )
    )
    assert types_of(events) == ["PlacementStarted"]
    assert [p.placement_id for p in j.status.placements] == ["operational", "flexi"]


def test_a_placement_ended_early_frees_the_days_after_it() -> None:
    j = given(enrolled(), placement_started(), placement_ended(on=date(2025, 2, 28)))
    j.when(placement_started("flexi", starts_on=date(2025, 3, 1), planned_end=date(2025, 5, 1)))
    current = j.status.current_placement
    assert current is not None
    assert current.placement_id == "flexi"


def test_placement_ids_are_unique() -> None:
    j = given(enrolled(), placement_started(), placement_ended())
    with j.refused(DuplicateId, match="placement operational already exists"):
        j.when(placement_started(starts_on=date(2025, 9, 1), planned_end=date(2025, 10, 1)))


@pytest.mark.parametrize(
    ("starts_on", "planned_end"),
    [
        pytest.param(SCHEME_START - timedelta(days=1), date(2025, 1, 1), id="starts before the Scheme"),
        pytest.param(date(2026, 1, 1), SCHEME_END + timedelta(days=1), id="ends after the Scheme"),
    ],
)
def test_a_placement_falls_within_the_scheme(starts_on: date, planned_end: date) -> None:
    j = given(enrolled())
    with j.refused(CalendarConflict, match=f"falls outside the Scheme \\({SCHEME_START} to {SCHEME_END}\\)"):
        j.when(placement_started(starts_on=starts_on, planned_end=planned_end))


def test_a_placement_may_run_to_the_schemes_last_day() -> None:
    j = given(enrolled())
    assert types_of(j.when(placement_started(starts_on=date(2026, 1, 1), planned_end=SCHEME_END))) == [
        "PlacementStarted"
    ]


@pytest.mark.parametrize("planned_end", [date(2025, 1, 1), date(2024, 12, 1)], ids=["same day", "earlier"])
def test_a_placement_ends_after_it_starts(planned_end: date) -> None:
    j = given(enrolled())
    with j.refused(CalendarConflict, match="placement operational must end after it starts"):
        j.when(placement_started(starts_on=date(2025, 1, 1), planned_end=planned_end))


def test_only_the_current_placement_can_end() -> None:
    j = given(enrolled(), placement_started())
    with j.refused(
        PlacementConflict,
        match="placement flexi is not the trainee's current placement; the current one is operational",
    ):
        j.when(placement_ended("flexi"))


def test_ending_a_placement_needs_one_open() -> None:
    j = given(enrolled(), placement_started(), placement_ended())
    with j.refused(PlacementConflict, match="there is no current placement"):
        j.when(placement_ended())


def test_a_placement_cannot_end_before_it_started() -> None:
    j = given(enrolled(), placement_started(starts_on=date(2024, 11, 1)))
    with j.refused(CalendarConflict, match="cannot end \\(2024-10-31\\) before it started \\(2024-11-01\\)"):
        j.when(placement_ended(on=date(2024, 10, 31)))


def test_a_placement_cannot_end_after_the_scheme() -> None:
    j = given(enrolled(), placement_started(starts_on=date(2026, 1, 1), planned_end=SCHEME_END))
    with j.refused(
        CalendarConflict,
        match=f"placement operational cannot end \\({SCHEME_END + timedelta(days=1)}\\) after the Scheme ends \\({SCHEME_END}\\)",
    ):
        j.when(placement_ended(on=SCHEME_END + timedelta(days=1)))


def test_an_ended_placement_is_no_longer_current() -> None:
    j = given(enrolled(), placement_started())
    j.when(placement_ended())
    assert j.status.current_placement is None
    assert j.status.placements[0].ended_on == FIRST_PLACEMENT_END


def test_the_next_placement_has_its_own_manager() -> None:
    j = given(enrolled(), placement_started(), placement_ended())
    j.when(
        placement_started(
            "flexi", manager=NEXT_PLACEMENT_MANAGER, starts_on=date(2025, 8, 2), planned_end=date(2025, 10, 1)
        )
    )
    current = j.status.current_placement
    assert current is not None
    assert current.placement_manager_id == NEXT_PLACEMENT_MANAGER.id
