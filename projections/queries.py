"""Queries on the read models, for the API: cohort progress, the at-risk list, sign-offs waiting on a manager,
graduations for HR. Each answers from the tables the projector keeps, so it is as fresh as the projector's
checkpoint (`freshness` says how far that is behind); the record itself is always the fold of the events.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from domain.state import Outcome
from eventstore.log import LogPosition
from projections.projector import Projector

_PROGRESS_COLUMNS = (
    "trainee_id, name, cohort, specialism, programme_manager_id, current_placement_id, placement_manager_id,"
    " outcome, achieved, applicable, percent::float8 AS percent, year_one_at_risk, year_one_questionable,"
    " graduated_on, last_event_version AS version, last_recorded_at AS as_of"
)


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class TraineeProgress(_Row):
    trainee_id: str
    name: str
    cohort: str
    specialism: str
    programme_manager_id: str
    current_placement_id: str | None
    placement_manager_id: str | None
    outcome: Outcome
    achieved: int
    applicable: int
    percent: float
    year_one_at_risk: bool | None  # None until the year-one milestone is assessed
    year_one_questionable: bool | None
    graduated_on: date | None
    version: int  # the trainee's stream version these figures are folded to
    as_of: datetime  # when that event was recorded


class PendingSignOff(_Row):
    request_id: UUID
    trainee_id: str
    trainee_name: str
    cohort: str
    competency_id: str
    assigned_to: str
    requested_at: datetime


class GraduationRecord(_Row):
    trainee_id: str
    name: str
    cohort: str
    specialism: str
    graduated_on: date
    graduation_event_id: UUID


class Freshness(_Row):
    checkpoint: str  # "transaction id:global position" (eventstore.log.LogPosition)
    events_behind: int


async def cohort_progress(pool: asyncpg.Pool, cohort: str) -> list[TraineeProgress]:
    """Every trainee of a cohort (whatever their outcome), ordered by trainee id."""
    rows = await pool.fetch(
        f"SELECT {_PROGRESS_COLUMNS} FROM trainee_progress WHERE cohort = $1 ORDER BY trainee_id", cohort
    )
    return [TraineeProgress(**dict(r)) for r in rows]


async def trainee_progress(pool: asyncpg.Pool, trainee_id: str) -> TraineeProgress | None:
    row = await pool.fetchrow(
        f"SELECT {_PROGRESS_COLUMNS} FROM trainee_progress WHERE trainee_id = $1", trainee_id
    )
    return TraineeProgress(**dict(row)) if row else None


async def at_risk(
    pool: asyncpg.Pool, cohort: str | None = None, *, include_closed: bool = False
) -> list[TraineeProgress]:
    """Trainees the year-one milestone found at risk, by cohort then trainee id.

    Only active trainees unless `include_closed` (a withdrawn or graduated trainee is no longer at risk).
    """
    rows = await pool.fetch(
        f"SELECT {_PROGRESS_COLUMNS} FROM trainee_progress WHERE year_one_at_risk"
        " AND ($1::text IS NULL OR cohort = $1) AND ($2 OR outcome = $3)"
        " ORDER BY cohort, trainee_id",
        cohort,
        include_closed,
        Outcome.ACTIVE.value,
    )
    return [TraineeProgress(**dict(r)) for r in rows]


async def pending_sign_offs(
    pool: asyncpg.Pool, assigned_to: str, *, include_closed: bool = False
) -> list[PendingSignOff]:
    """Sign-off requests waiting on one manager, oldest first.

    Only active trainees' unless `include_closed`: a withdrawn or graduated trainee's request stays pending in
    the record but can no longer be signed off (sign-offs need an active trainee), so it is not work to do.
    """
    rows = await pool.fetch(
        "SELECT s.request_id, s.trainee_id, p.name AS trainee_name, p.cohort, s.competency_id, s.assigned_to,"
        " s.requested_at FROM pending_sign_offs s JOIN trainee_progress p USING (trainee_id)"
        " WHERE s.assigned_to = $1 AND ($2 OR p.outcome = $3) ORDER BY s.requested_at, s.request_id",
        assigned_to,
        include_closed,
        Outcome.ACTIVE.value,
    )
    return [PendingSignOff(**dict(r)) for r in rows]


async def graduations(pool: asyncpg.Pool, since: date | None = None) -> list[GraduationRecord]:
    """Graduations on or after `since` (all when None), by date then trainee id."""
    rows = await pool.fetch(
        "SELECT trainee_id, name, cohort, specialism, graduated_on, graduation_event_id FROM graduations"
        " WHERE $1::date IS NULL OR graduated_on >= $1 ORDER BY graduated_on, trainee_id",
        since,
    )
    return [GraduationRecord(**dict(r)) for r in rows]


async def freshness(pool: asyncpg.Pool) -> Freshness:
    """Where the read models stand in the log, and how many committed events they have yet to include."""
    projector = Projector(pool)
    position: LogPosition = await projector.checkpoint()
    return Freshness(checkpoint=str(position), events_behind=await projector.lag())
