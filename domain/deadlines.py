"""The Scheme's calendar as data: what the trainee's journey must do next, and when. Pure.

The workflow sleeps until the earliest deadline, then asks again which are due; because every deadline is
derived from the recorded state, an extension or a new placement moves them, and a restarted or continued
workflow finds exactly what is still owed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from domain.calendar import months_before, reflective_window_opens
from domain.events import Milestone, ReminderKind
from domain.state import Outcome, TraineeState

SIGN_OFF_REMINDER_AFTER = timedelta(days=14)


class Due(StrEnum):
    YEAR_ONE_MILESTONE = "year_one_milestone"
    MILESTONE_AT_RISK_REMINDER = "milestone_at_risk_reminder"
    REFLECTIVE_WINDOW_REMINDER = "reflective_window_reminder"
    SIGN_OFF_REMINDER = "sign_off_reminder"
    GRADUATION = "graduation"
    HR_NOTIFICATION = "hr_notification"


@dataclass(frozen=True)
class Deadline:
    due: Due
    at: datetime
    about: str  # which request, milestone, endpoint...


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def deadlines(state: TraineeState, hr_endpoints: tuple[str, ...] = ()) -> list[Deadline]:
    """Everything still owed, earliest first (those already past are due now)."""
    enrolment = state.enrolment
    if enrolment is None or state.outcome is Outcome.WITHDRAWN:
        return []
    if state.outcome is Outcome.GRADUATED:
        assert state.graduation is not None
        assert state.graduation.graduated_on is not None
        at = _start_of(state.graduation.graduated_on)
        owed = [e for e in hr_endpoints if e not in state.hr_notified and e not in state.hr_failed]
        return [Deadline(Due.HR_NOTIFICATION, at, endpoint) for endpoint in owed]
    out: list[Deadline] = []
    year_one = next((m for m in state.milestones if m.milestone is Milestone.YEAR_ONE), None)
    if year_one is None:
        first = state.placements[0] if state.placements else None
        end_of_year_one = months_before(enrolment.scheme_start, -12)
        # The end of placement one (the day after its last day), or of year one when no placement has started.
        out.append(
            Deadline(
                Due.YEAR_ONE_MILESTONE,
                _start_of((first.last_day + timedelta(days=1)) if first else end_of_year_one),
                Milestone.YEAR_ONE.value,
            )
        )
    elif (
        year_one.at_risk
        and (ReminderKind.MILESTONE_AT_RISK.value, Milestone.YEAR_ONE.value) not in state.reminders
    ):
        out.append(Deadline(Due.MILESTONE_AT_RISK_REMINDER, year_one.assessed_at, Milestone.YEAR_ONE.value))
    opens = reflective_window_opens(enrolment.scheme_end)
    if (
        not state.personal_qualities_achieved
        and (
            ReminderKind.REFLECTIVE_WINDOW_OPEN.value,
            opens.isoformat(),
        )
        not in state.reminders
    ):
        out.append(Deadline(Due.REFLECTIVE_WINDOW_REMINDER, _start_of(opens), opens.isoformat()))
    for request in state.pending_requests.values():
        if (ReminderKind.SIGN_OFF_WAITING.value, str(request.request_id)) not in state.reminders:
            out.append(
                Deadline(
                    Due.SIGN_OFF_REMINDER,
                    request.requested_at + SIGN_OFF_REMINDER_AFTER,
                    str(request.request_id),
                )
            )
    graduation = state.graduation
    if graduation is None or graduation.assessed_at.date() < enrolment.scheme_end:
        # Not yet assessed, or assessed before an extension moved the end: assess at the (new) end.
        out.append(
            Deadline(Due.GRADUATION, _start_of(enrolment.scheme_end), enrolment.scheme_end.isoformat())
        )
    return sorted(out, key=lambda d: d.at)
