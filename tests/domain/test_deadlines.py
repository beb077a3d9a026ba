"""The Scheme's calendar: what the journey owes next, derived from the record (so extensions move it)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.actors import SYSTEM
from domain.commands import RecordHRNotificationFailed, RecordReminder
from domain.deadlines import Deadline, Due, deadlines
from domain.errors import AlreadyRecorded, NotAllowed
from domain.events import ReminderKind
from tests.domain.journey import (
    DAY,
    FIRST_PLACEMENT_END,
    HR_ENDPOINT,
    PLACEMENT_MANAGER,
    PROGRAMME_MANAGER,
    SCHEME_END,
    TRAINEE,
    WINDOW_OPENS,
    at,
    enrolled,
    evidence,
    given,
    graduated,
    graduation_assessed,
    milestone_assessed,
    placement_started,
    request_sign_off,
    scheme_extended,
    sign_off,
    uid,
    withdrawn,
)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def reminder(kind: ReminderKind, about: str, *, by: object = SYSTEM, on: date = DAY) -> RecordReminder:
    return RecordReminder(
        actor=by, at=at(on), reminder=kind, recipient="someone", about=about, message="Please act."
    )


def test_an_enrolled_trainee_owes_the_milestone_the_window_reminder_and_graduation() -> None:
    j = given(enrolled(), placement_started())
    assert deadlines(j.state) == [
        Deadline(Due.YEAR_ONE_MILESTONE, midnight(FIRST_PLACEMENT_END + timedelta(days=1)), "year_one"),
        Deadline(Due.REFLECTIVE_WINDOW_REMINDER, midnight(WINDOW_OPENS), WINDOW_OPENS.isoformat()),
        Deadline(Due.GRADUATION, midnight(SCHEME_END), SCHEME_END.isoformat()),
    ]


def test_without_a_placement_the_milestone_falls_at_the_end_of_year_one() -> None:
    j = given(enrolled())
    assert deadlines(j.state)[0] == Deadline(Due.YEAR_ONE_MILESTONE, midnight(date(2025, 9, 2)), "year_one")


def test_a_sign_off_request_owes_a_reminder_after_fourteen_days_until_answered_or_reminded() -> None:
    j = given(enrolled(), placement_started(), evidence("4.1.3"), request_sign_off("4.1.3", id="r1"))
    owed = [d for d in deadlines(j.state) if d.due is Due.SIGN_OFF_REMINDER]
    assert owed == [
        Deadline(Due.SIGN_OFF_REMINDER, at(DAY, 16) + timedelta(days=14), str(uid("r1")))
    ] or owed[0].at - j.state.pending_requests[uid("r1")].requested_at == timedelta(days=14)
    j.when(reminder(ReminderKind.SIGN_OFF_WAITING, str(uid("r1"))))
    assert not [d for d in deadlines(j.state) if d.due is Due.SIGN_OFF_REMINDER]


def test_an_answered_request_owes_no_reminder() -> None:
    j = given(enrolled(), placement_started(), evidence("4.1.3"), request_sign_off("4.1.3", id="r1"))
    j.when(sign_off("4.1.3", by=PLACEMENT_MANAGER))
    assert not [d for d in deadlines(j.state) if d.due is Due.SIGN_OFF_REMINDER]


def test_a_milestone_at_risk_owes_the_programme_manager_a_reminder_once() -> None:
    j = given(enrolled(), placement_started(), milestone_assessed())
    (risk,) = [d for d in deadlines(j.state) if d.due is Due.MILESTONE_AT_RISK_REMINDER]
    assert risk.at == j.state.milestones[0].assessed_at
    assert not [d for d in deadlines(j.state) if d.due is Due.YEAR_ONE_MILESTONE]
    j.when(reminder(ReminderKind.MILESTONE_AT_RISK, "year_one"))
    assert not [d for d in deadlines(j.state) if d.due is Due.MILESTONE_AT_RISK_REMINDER]
    with j.refused(AlreadyRecorded, match="milestone_at_risk reminder about year_one was already sent"):
        j.when(reminder(ReminderKind.MILESTONE_AT_RISK, "year_one"))


def test_an_extension_moves_graduation_and_the_reflective_window() -> None:
    j = given(enrolled(), placement_started())
    j.when(scheme_extended(date(2027, 3, 2)))
    due = {d.due: d for d in deadlines(j.state)}
    assert due[Due.GRADUATION].at == midnight(date(2027, 3, 2))
    assert due[Due.REFLECTIVE_WINDOW_REMINDER].at == midnight(date(2026, 3, 2))


def test_not_eligible_at_the_end_waits_for_an_extension_which_owes_a_new_assessment() -> None:
    j = given(enrolled(), placement_started(), graduation_assessed())
    assert j.state.graduation is not None
    assert not j.state.graduation.eligible
    assert not [d for d in deadlines(j.state) if d.due is Due.GRADUATION]
    j.when(scheme_extended(date(2027, 3, 2), on=SCHEME_END))
    assert [d.at for d in deadlines(j.state) if d.due is Due.GRADUATION] == [midnight(date(2027, 3, 2))]


def test_a_graduate_owes_each_hr_endpoint_not_yet_notified_or_refused() -> None:
    j = given(enrolled(), *graduated())
    other, refusing = "https://hr2.example.nhs.uk/in", "https://hr3.example.nhs.uk/in"
    assert [d.about for d in deadlines(j.state, (HR_ENDPOINT, other, refusing))] == [
        HR_ENDPOINT,
        other,
        refusing,
    ]
    j.when(
        RecordHRNotificationFailed(
            actor=SYSTEM, at=at(SCHEME_END), endpoint=refusing, status_code=422, reason="unknown cost centre"
        )
    )
    graduation = j.status.graduation
    assert graduation is not None
    assert graduation.hr_failed == {refusing: "422: unknown cost centre"}
    assert [d.about for d in deadlines(j.state, (HR_ENDPOINT, other, refusing))] == [HR_ENDPOINT, other]


def test_a_withdrawn_trainee_owes_nothing() -> None:
    j = given(enrolled(), placement_started(), withdrawn())
    assert deadlines(j.state) == []


def test_only_the_system_records_reminders() -> None:
    j = given(enrolled())
    for who in (TRAINEE, PROGRAMME_MANAGER):
        with j.refused(NotAllowed, match="recording a reminder needs one of the roles system"):
            j.when(reminder(ReminderKind.REFLECTIVE_WINDOW_OPEN, "2025-09-02", by=who))
