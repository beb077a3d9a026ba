"""The trainee's status as people read it: derived from the folded state, never stored.

`status_of(fold(events))` is the status; `status_of(fold_as_of(events, t))` is what the record said at `t`.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.actors import Actor
from domain.calendar import reflective_window_opens
from domain.events import Milestone, PlacementKind, ReviewOutcome
from domain.state import Achievement, Outcome, TraineeState, Who, achievement


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Progress(_View):
    achieved: int
    applicable: int
    percent: float

    @classmethod
    def of(cls, achieved: int, applicable: int) -> Progress:
        return cls(
            achieved=achieved,
            applicable=applicable,
            percent=round(100 * achieved / applicable, 1) if applicable else 0.0,
        )


class CompetencyStatus(_View):
    id: str
    section: int
    kind: str
    target_level: int | None
    level: int | None
    achievement: Achievement
    signed_by: Actor | None = None
    signed_at: datetime | None = None
    evidence_ids: tuple[UUID, ...] = ()
    feedback: str | None = None
    sign_off_count: int = 0


class SectionStatus(_View):
    number: int
    title: str
    rated: bool
    progress: Progress


class PlacementStatus(_View):
    placement_id: str
    organisation: str
    kind: PlacementKind
    placement_manager_id: str
    starts_on: date
    planned_end: date
    ended_on: date | None


class PersonalQualitiesStatus(_View):
    state: str  # not_submitted | awaiting_review | returned | accepted
    achieved: bool
    window_opens: date
    word_count: int | None = None
    reviewed_by: Actor | None = None
    reviewed_at: datetime | None = None
    feedback: str | None = None


class MilestoneStatus(_View):
    milestone: Milestone
    progress: Progress
    at_risk: bool
    questionable: bool
    assessed_at: datetime


class PendingSignOff(_View):
    request_id: UUID
    competency_id: str
    assigned_to: str
    requested_at: datetime
    evidence_ids: tuple[UUID, ...]


class GraduationStatus(_View):
    eligible: bool
    progress: Progress
    assessed_at: datetime
    graduated_on: date | None
    hr_notified: tuple[str, ...]
    hr_failed: dict[str, str]  # endpoint -> why it refused the record (needs a person)


class TraineeStatus(_View):
    trainee_id: str
    name: str
    specialism: str
    cohort: str
    framework: str
    programme_manager_id: str
    scheme_start: date
    scheme_end: date
    outcome: Outcome
    version: int
    as_of: datetime | None
    progress: Progress
    sections: tuple[SectionStatus, ...]
    competencies: tuple[CompetencyStatus, ...]
    current_placement: PlacementStatus | None
    placements: tuple[PlacementStatus, ...]
    personal_qualities: PersonalQualitiesStatus
    milestones: tuple[MilestoneStatus, ...]
    pending_sign_offs: tuple[PendingSignOff, ...]
    graduation: GraduationStatus | None
    withdrawal_reason: str | None
    reminders_sent: int


def status_of(state: TraineeState) -> TraineeStatus:
    """The readable status of an enrolled trainee's state (`ValueError` before enrolment)."""
    enrolment, framework = state.enrolment, state.framework
    if enrolment is None or framework is None:
        raise ValueError("no status before enrolment")
    pq_done = state.personal_qualities_achieved
    accepted = next((p for p in state.reflective_pieces if p.outcome is ReviewOutcome.ACCEPTED), None)
    competencies = []
    for c in framework.competencies:
        if not c.rated:
            competencies.append(
                CompetencyStatus(
                    id=c.id,
                    section=c.section,
                    kind=c.kind.value,
                    target_level=None,
                    level=None,
                    achievement=Achievement.ACHIEVED if pq_done else Achievement.NOT_ACHIEVED,
                    signed_by=_actor(accepted.reviewed_by) if accepted else None,
                    signed_at=accepted.reviewed_at if accepted else None,
                    feedback=accepted.feedback if accepted else None,
                )
            )
            continue
        history = state.sign_offs.get(c.id, ())
        current = history[-1] if history else None
        competencies.append(
            CompetencyStatus(
                id=c.id,
                section=c.section,
                kind=c.kind.value,
                target_level=c.target_level,
                level=current.level if current else None,
                achievement=achievement(current.level if current else 0, c.target_level),
                signed_by=_actor(current.signed_by) if current else None,
                signed_at=current.signed_at if current else None,
                evidence_ids=current.evidence_ids if current else (),
                feedback=current.feedback if current else None,
                sign_off_count=len(history),
            )
        )
    sections = []
    for section in framework.sections:
        mine = [c for c in competencies if c.section == section.number]
        done = sum(c.achievement in (Achievement.ACHIEVED, Achievement.ACHIEVED_PLUS) for c in mine)
        sections.append(
            SectionStatus(
                number=section.number,
                title=section.title,
                rated=section.rated,
                progress=Progress.of(done, len(mine)),
            )
        )
    placements = tuple(
        PlacementStatus(
            placement_id=p.placement_id,
            organisation=p.organisation,
            kind=p.kind,
            placement_manager_id=p.manager_id,
            starts_on=p.starts_on,
            planned_end=p.planned_end,
            ended_on=p.ended_on,
        )
        for p in state.placements
    )
    open_placement = state.current_placement
    piece = state.reflective_piece
    pq_state = (
        "accepted"
        if pq_done
        else "not_submitted"
        if piece is None
        else "awaiting_review"
        if piece.outcome is None
        else "returned"
    )
    shown = accepted or piece
    graduation = state.graduation
    return TraineeStatus(
        trainee_id=enrolment.trainee_id,
        name=enrolment.name,
        specialism=enrolment.specialism,
        cohort=enrolment.cohort,
        framework=framework.ref,
        programme_manager_id=enrolment.programme_manager_id,
        scheme_start=enrolment.scheme_start,
        scheme_end=enrolment.scheme_end,
        outcome=state.outcome,
        version=state.version,
        as_of=state.last_recorded_at,
        progress=Progress.of(*state.progress()),
        sections=tuple(sections),
        competencies=tuple(competencies),
        current_placement=next(
            (p for p in placements if open_placement and p.placement_id == open_placement.placement_id), None
        ),
        placements=placements,
        personal_qualities=PersonalQualitiesStatus(
            state=pq_state,
            achieved=pq_done,
            window_opens=reflective_window_opens(enrolment.scheme_end),
            word_count=shown.word_count if shown else None,
            reviewed_by=_actor(shown.reviewed_by) if shown else None,
            reviewed_at=shown.reviewed_at if shown else None,
            feedback=shown.feedback if shown else None,
        ),
        milestones=tuple(
            MilestoneStatus(
                milestone=m.milestone,
                progress=Progress.of(m.achieved, m.applicable),
                at_risk=m.at_risk,
                questionable=m.questionable,
                assessed_at=m.assessed_at,
            )
            for m in state.milestones
        ),
        pending_sign_offs=tuple(
            PendingSignOff(
                request_id=r.request_id,
                competency_id=r.competency_id,
                assigned_to=r.assigned_to,
                requested_at=r.requested_at,
                evidence_ids=r.evidence_ids,
            )
            for r in state.pending_requests.values()
        ),
        graduation=GraduationStatus(
            eligible=graduation.eligible,
            progress=Progress.of(graduation.achieved, graduation.applicable),
            assessed_at=graduation.assessed_at,
            graduated_on=graduation.graduated_on,
            hr_notified=tuple(sorted(state.hr_notified)),
            hr_failed=dict(sorted(state.hr_failed.items())),
        )
        if graduation
        else None,
        withdrawal_reason=state.withdrawal_reason,
        reminders_sent=len(state.reminders),
    )


def _actor(who: Who | None) -> Actor | None:
    return Actor(id=who.id, role=who.role) if who else None


class StatusSummary(_View):
    """What a command returns: where the journey stands now (the full status is a query away)."""

    trainee_id: str | None
    version: int
    outcome: Outcome
    progress: Progress
    current_placement: str | None
    pending_sign_offs: int
    personal_qualities_achieved: bool


def summary_of(state: TraineeState) -> StatusSummary:
    placement = state.current_placement
    return StatusSummary(
        trainee_id=state.trainee_id,
        version=state.version,
        outcome=state.outcome,
        progress=Progress.of(*state.progress()),
        current_placement=placement.placement_id if placement else None,
        pending_sign_offs=len(state.pending_requests),
        personal_qualities_achieved=state.personal_qualities_achieved,
    )
