"""HR is notified of a graduation: only after it, once per endpoint, recorded only by the system."""

from __future__ import annotations

import pytest

from domain.actors import Actor
from domain.errors import AlreadyRecorded, NotAllowed, TraineeNotActive
from domain.events import HRNotified, TraineeGraduated
from tests.domain.journey import (
    ADMIN,
    HR,
    HR_ENDPOINT,
    PROGRAMME_MANAGER,
    TRAINEE,
    enrolled,
    given,
    graduated,
    graduation_assessed,
    hr_notified,
    signed_off,
    the_event,
    types_of,
    withdrawn,
)

PAYROLL = "https://payroll.example.nhs.uk/hooks/graduates"


def test_the_system_records_hr_notified_of_the_graduation() -> None:
    j = given(enrolled(), graduated())
    graduation_event = next(e for e in j.events if isinstance(e.data, TraineeGraduated))
    notified = the_event(j.when(hr_notified(HR_ENDPOINT, status_code=202)), HRNotified)
    assert (notified.endpoint, notified.graduation_event_id, notified.status_code) == (
        HR_ENDPOINT,
        graduation_event.event_id,
        202,
    )
    graduation = j.status.graduation
    assert graduation is not None
    assert graduation.hr_notified == (HR_ENDPOINT,)


def test_hr_is_notified_once_per_endpoint() -> None:
    j = given(enrolled(), graduated(), hr_notified(HR_ENDPOINT))
    with j.refused(
        AlreadyRecorded, match=f"HR endpoint {HR_ENDPOINT} was already notified of this graduation"
    ):
        j.when(hr_notified(HR_ENDPOINT))


def test_each_endpoint_is_notified() -> None:
    j = given(enrolled(), graduated(), hr_notified(HR_ENDPOINT))
    assert types_of(j.when(hr_notified(PAYROLL))) == ["HRNotified"]
    graduation = j.status.graduation
    assert graduation is not None
    assert set(graduation.hr_notified) == {HR_ENDPOINT, PAYROLL}


def test_hr_is_not_notified_before_graduation() -> None:
    j = given(enrolled())
    with j.refused(
        TraineeNotActive, match="trainee t-0001 has not graduated; there is nothing to notify HR of"
    ):
        j.when(hr_notified())


def test_hr_is_not_notified_after_an_assessment_below_the_standard() -> None:
    j = given(enrolled(), signed_off(30), graduation_assessed())
    with j.refused(TraineeNotActive, match="has not graduated"):
        j.when(hr_notified())


def test_hr_is_not_notified_of_a_withdrawn_trainee() -> None:
    j = given(enrolled(), withdrawn())
    with j.refused(TraineeNotActive, match="has not graduated"):
        j.when(hr_notified())


@pytest.mark.parametrize("actor", [PROGRAMME_MANAGER, ADMIN, HR, TRAINEE], ids=lambda a: a.role.value)
def test_only_the_system_records_an_hr_notification(actor: Actor) -> None:
    j = given(enrolled(), graduated())
    with j.refused(
        NotAllowed,
        match=f"recording an HR notification needs one of the roles system; {actor.id} acts as {actor.role.value}",
    ):
        j.when(hr_notified(by=actor))


def test_a_failed_delivery_is_not_recorded_as_a_notification() -> None:
    j = given(enrolled(), *graduated())
    with j.refused(NotAllowed, match="answered 500: only a 2xx answer is a delivery"):
        j.when(hr_notified(status_code=500))
