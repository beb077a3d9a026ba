"""What one trainee's folded state puts in the read models: pure, no I/O. The projector writes these rows.

Every value comes from `domain` (the state `fold` builds and its `progress()`); nothing here decides anything.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

from domain.events import Milestone
from domain.state import TraineeState
from domain.status import Progress

STREAM_PREFIX = "trainee-"  # domain.events.stream_id_for: one stream per trainee


class ProgressRow(NamedTuple):
    """A `trainee_progress` row, in column order."""

    trainee_id: str
    stream_id: str
    name: str
    cohort: str
    specialism: str
    programme_manager_id: str
    current_placement_id: str | None
    placement_manager_id: str | None
    outcome: str
    achieved: int
    applicable: int
    percent: Decimal
    year_one_at_risk: bool | None
    year_one_questionable: bool | None
    graduated_on: date | None
    last_event_version: int
    last_recorded_at: datetime


class PendingRow(NamedTuple):
    """A `pending_sign_offs` row, in column order."""

    request_id: UUID
    trainee_id: str
    competency_id: str
    assigned_to: str
    requested_at: datetime


class GraduationRow(NamedTuple):
    """A `graduations` row, in column order."""

    trainee_id: str
    name: str
    cohort: str
    specialism: str
    graduated_on: date
    graduation_event_id: UUID


class TraineeRows(NamedTuple):
    progress: ProgressRow
    pending: list[PendingRow]
    graduation: GraduationRow | None


def rows_of(stream_id: str, state: TraineeState) -> TraineeRows | None:
    """The read-model rows of one trainee's state; None before enrolment (nothing to show yet)."""
    enrolment = state.enrolment
    if enrolment is None or state.last_recorded_at is None:
        return None
    placement = state.current_placement
    year_one = next((m for m in reversed(state.milestones) if m.milestone is Milestone.YEAR_ONE), None)
    progress = Progress.of(*state.progress())
    g = state.graduation
    graduation = (
        GraduationRow(
            trainee_id=enrolment.trainee_id,
            name=enrolment.name,
            cohort=enrolment.cohort,
            specialism=enrolment.specialism,
            graduated_on=g.graduated_on,
            graduation_event_id=g.graduation_event_id,
        )
        if g is not None and g.graduated_on is not None and g.graduation_event_id is not None
        else None
    )
    return TraineeRows(
        progress=ProgressRow(
            trainee_id=enrolment.trainee_id,
            stream_id=stream_id,
            name=enrolment.name,
            cohort=enrolment.cohort,
            specialism=enrolment.specialism,
            programme_manager_id=enrolment.programme_manager_id,
            current_placement_id=placement.placement_id if placement else None,
            placement_manager_id=placement.manager_id if placement else None,
            outcome=state.outcome.value,
            achieved=progress.achieved,
            applicable=progress.applicable,
            percent=Decimal(f"{progress.percent:.1f}"),
            year_one_at_risk=year_one.at_risk if year_one else None,
            year_one_questionable=year_one.questionable if year_one else None,
            graduated_on=graduation.graduated_on if graduation else None,
            last_event_version=state.version,
            last_recorded_at=state.last_recorded_at,
        ),
        pending=[
            PendingRow(r.request_id, enrolment.trainee_id, r.competency_id, r.assigned_to, r.requested_at)
            for r in state.pending_requests.values()
        ],
        graduation=graduation,
    )
