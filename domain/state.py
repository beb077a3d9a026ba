"""A trainee's journey state: what the events so far add up to. Built only by `evolve`/`fold`; never stored as truth.

The records inside are immutable NamedTuples (cheap to build: a replay builds one or two per event). The state object itself is owned by whoever folded it: `evolve` copies it
before applying an event (so callers' states never change), while `fold` applies a whole stream to one private
copy in place, which is what makes replaying a cohort fast (see bench/fold_events.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple
from uuid import UUID

from domain.actors import Role
from domain.events import DocumentRef, Milestone, PlacementKind, ReviewOutcome
from domain.framework import Framework


class Outcome(StrEnum):
    NOT_ENROLLED = "not_enrolled"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    GRADUATED = "graduated"


class Achievement(StrEnum):
    NOT_ACHIEVED = "not_achieved"
    PARTIALLY_ACHIEVED = "partially_achieved"
    ACHIEVED = "achieved"
    ACHIEVED_PLUS = "achieved_plus"


def achievement(level: int, target: int) -> Achievement:
    """The framework's four achievement levels for a rated competency signed off at `level` (0: none)."""
    if level <= 0:
        return Achievement.NOT_ACHIEVED
    if level < target:
        return Achievement.PARTIALLY_ACHIEVED
    if level == target:
        return Achievement.ACHIEVED
    return Achievement.ACHIEVED_PLUS


class Who(NamedTuple):
    """Who did something, as recorded in the event's envelope."""

    id: str
    role: Role


class Enrolment(NamedTuple):
    trainee_id: str
    name: str
    specialism: str
    cohort: str
    scheme_start: date
    scheme_end: date
    programme_manager_id: str
    enrolled_at: datetime


class Placement(NamedTuple):
    placement_id: str
    organisation: str
    kind: PlacementKind
    manager_id: str
    starts_on: date
    planned_end: date
    ended_on: date | None = None

    @property
    def last_day(self) -> date:
        return self.ended_on if self.ended_on is not None else self.planned_end


class Evidence(NamedTuple):
    evidence_id: UUID
    competency_ids: tuple[str, ...]
    submitted_at: datetime
    documents: tuple[DocumentRef, ...]


class SignOff(NamedTuple):
    competency_id: str
    level: int
    feedback: str
    evidence_ids: tuple[UUID, ...]
    signed_by: Who
    signed_at: datetime
    event_id: UUID


class SignOffRequest(NamedTuple):
    request_id: UUID
    competency_id: str
    evidence_ids: tuple[UUID, ...]
    assigned_to: str
    requested_at: datetime


class ReflectivePiece(NamedTuple):
    piece_id: UUID
    word_count: int
    document: DocumentRef
    submitted_at: datetime
    outcome: ReviewOutcome | None = None
    feedback: str | None = None
    reviewed_by: Who | None = None
    reviewed_at: datetime | None = None


class MilestoneResult(NamedTuple):
    milestone: Milestone
    achieved: int
    applicable: int
    at_risk: bool
    questionable: bool
    assessed_at: datetime


class ProgressReview(NamedTuple):
    review_id: UUID
    summary: str
    achieved: int
    applicable: int
    reviewed_by: Who
    reviewed_at: datetime


class Graduation(NamedTuple):
    achieved: int
    applicable: int
    eligible: bool
    assessed_at: datetime
    graduated_on: date | None = None
    graduation_event_id: UUID | None = None


@dataclass(slots=True)
class TraineeState:
    version: int = 0
    outcome: Outcome = Outcome.NOT_ENROLLED
    enrolment: Enrolment | None = None
    framework: Framework | None = None
    placements: list[Placement] = field(default_factory=list)
    evidence: dict[UUID, Evidence] = field(default_factory=dict)
    # The history of sign-offs per competency, newest last: a revoke pops back to the one before.
    sign_offs: dict[str, list[SignOff]] = field(default_factory=dict)
    pending_requests: dict[UUID, SignOffRequest] = field(default_factory=dict)
    answered_requests: set[UUID] = field(default_factory=set)
    reflective_pieces: list[ReflectivePiece] = field(default_factory=list)
    milestones: list[MilestoneResult] = field(default_factory=list)
    reviews: list[ProgressReview] = field(default_factory=list)
    graduation: Graduation | None = None
    withdrawal_reason: str | None = None
    hr_notified: set[str] = field(default_factory=set)
    hr_failed: dict[str, str] = field(default_factory=dict)  # endpoint -> why it refused
    reminders: set[tuple[str, str]] = field(default_factory=set)  # (kind, about) already sent
    last_recorded_at: datetime | None = None

    def copy(self) -> TraineeState:
        """An independent copy: containers are copied, the immutable records inside are shared."""
        return TraineeState(
            version=self.version,
            outcome=self.outcome,
            enrolment=self.enrolment,
            framework=self.framework,
            placements=list(self.placements),
            evidence=dict(self.evidence),
            sign_offs={k: list(v) for k, v in self.sign_offs.items()},
            pending_requests=dict(self.pending_requests),
            answered_requests=set(self.answered_requests),
            reflective_pieces=list(self.reflective_pieces),
            milestones=list(self.milestones),
            reviews=list(self.reviews),
            graduation=self.graduation,
            withdrawal_reason=self.withdrawal_reason,
            hr_notified=set(self.hr_notified),
            hr_failed=dict(self.hr_failed),
            reminders=set(self.reminders),
            last_recorded_at=self.last_recorded_at,
        )

    @property
    def trainee_id(self) -> str | None:
        return self.enrolment.trainee_id if self.enrolment else None

    @property
    def current_placement(self) -> Placement | None:
        """The placement started and not yet ended (placements never overlap, so at most one)."""
        for p in reversed(self.placements):
            if p.ended_on is None:
                return p
        return None

    @property
    def reflective_piece(self) -> ReflectivePiece | None:
        return self.reflective_pieces[-1] if self.reflective_pieces else None

    @property
    def personal_qualities_achieved(self) -> bool:
        return any(p.outcome is ReviewOutcome.ACCEPTED for p in self.reflective_pieces)

    def current_sign_off(self, competency_id: str) -> SignOff | None:
        history = self.sign_offs.get(competency_id)
        return history[-1] if history else None

    def progress(self) -> tuple[int, int]:
        """(achieved, applicable): competencies at Achieved or Achieved+ over all that apply to the trainee."""
        if self.framework is None:
            return (0, 0)
        achieved = 0
        pq = self.personal_qualities_achieved
        for c in self.framework.competencies:
            if not c.rated:
                achieved += pq
            else:
                history = self.sign_offs.get(c.id)
                if history and history[-1].level >= c.target_level:
                    achieved += 1
        return (achieved, len(self.framework.competencies))
