"""`evolve(state, event) -> state`: how each recorded fact changes a journey. `fold` replays a stream.

Evolve never refuses: the event already happened. The rules were applied when `decide` produced it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from domain.events import (
    CompetencySignedOff,
    EvidenceSubmitted,
    GraduationAssessed,
    HRNotified,
    MilestoneAssessed,
    PlacementEnded,
    PlacementStarted,
    ProgressReviewRecorded,
    RecordedEvent,
    ReflectivePieceReviewed,
    ReflectivePieceSubmitted,
    SchemeExtended,
    SignOffRequestDeclined,
    SignOffRequested,
    SignOffRevoked,
    TraineeEnrolled,
    TraineeGraduated,
    TraineeWithdrawn,
)
from domain.framework import framework_for
from domain.state import (
    Enrolment,
    Evidence,
    Graduation,
    MilestoneResult,
    Outcome,
    Placement,
    ProgressReview,
    ReflectivePiece,
    SignOff,
    SignOffRequest,
    TraineeState,
)


def evolve(state: TraineeState, event: RecordedEvent) -> TraineeState:
    s = _apply(state, event)
    return replace(s, version=event.version, last_recorded_at=event.recorded_at)


def fold(events: Iterable[RecordedEvent], state: TraineeState | None = None) -> TraineeState:
    """The state the events add up to: the status of a journey is this fold, nothing stored."""
    s = state if state is not None else TraineeState()
    for e in events:
        s = evolve(s, e)
    return s


def fold_as_of(events: Iterable[RecordedEvent], instant: datetime) -> TraineeState:
    """The state as the record stood at `instant`: the fold of the events recorded up to it."""
    return fold(e for e in events if e.recorded_at <= instant)


def _apply(s: TraineeState, event: RecordedEvent) -> TraineeState:
    e = event.data
    match e:
        case TraineeEnrolled():
            return replace(
                s,
                outcome=Outcome.ACTIVE,
                framework=framework_for(e.framework_id, e.framework_version),
                enrolment=Enrolment(
                    trainee_id=e.trainee_id,
                    name=e.name,
                    specialism=e.specialism,
                    cohort=e.cohort,
                    scheme_start=e.scheme_start,
                    scheme_end=e.scheme_end,
                    programme_manager_id=e.programme_manager_id,
                    enrolled_at=event.occurred_at,
                ),
            )
        case PlacementStarted():
            placement = Placement(
                placement_id=e.placement_id,
                organisation=e.organisation,
                kind=e.kind,
                manager_id=e.placement_manager_id,
                starts_on=e.starts_on,
                planned_end=e.planned_end,
            )
            return replace(s, placements=(*s.placements, placement))
        case PlacementEnded():
            placements = tuple(
                replace(p, ended_on=e.ended_on) if p.placement_id == e.placement_id else p
                for p in s.placements
            )
            return replace(s, placements=placements)
        case EvidenceSubmitted():
            evidence = Evidence(e.evidence_id, frozenset(e.competency_ids), event.occurred_at, e.documents)
            return replace(s, evidence={**s.evidence, e.evidence_id: evidence})
        case SignOffRequested():
            request = SignOffRequest(
                e.request_id, e.competency_id, e.evidence_ids, e.assigned_to, event.occurred_at
            )
            return replace(s, pending_requests={**s.pending_requests, e.request_id: request})
        case SignOffRequestDeclined():
            return _answer(s, e.request_id)
        case CompetencySignedOff():
            sign_off = SignOff(
                e.competency_id,
                e.level,
                e.feedback,
                e.evidence_ids,
                event.actor,
                event.occurred_at,
                event.event_id,
            )
            history = (*s.sign_offs.get(e.competency_id, ()), sign_off)
            s = replace(s, sign_offs={**s.sign_offs, e.competency_id: history})
            # A sign-off answers every request waiting on that competency.
            for request in [r for r in s.pending_requests.values() if r.competency_id == e.competency_id]:
                s = _answer(s, request.request_id)
            return s
        case SignOffRevoked():
            history = s.sign_offs.get(e.competency_id, ())[:-1]
            sign_offs = {**s.sign_offs, e.competency_id: history}
            if not history:
                del sign_offs[e.competency_id]
            return replace(s, sign_offs=sign_offs)
        case ReflectivePieceSubmitted():
            piece = ReflectivePiece(e.piece_id, e.word_count, e.document, event.occurred_at)
            return replace(s, reflective_pieces=(*s.reflective_pieces, piece))
        case ReflectivePieceReviewed():
            pieces = tuple(
                replace(
                    p,
                    outcome=e.outcome,
                    feedback=e.feedback,
                    reviewed_by=event.actor,
                    reviewed_at=event.occurred_at,
                )
                if p.piece_id == e.piece_id
                else p
                for p in s.reflective_pieces
            )
            return replace(s, reflective_pieces=pieces)
        case ProgressReviewRecorded():
            review = ProgressReview(
                e.review_id, e.summary, e.achieved, e.applicable, event.actor, event.occurred_at
            )
            return replace(s, reviews=(*s.reviews, review))
        case MilestoneAssessed():
            result = MilestoneResult(
                e.milestone, e.achieved, e.applicable, e.at_risk, e.questionable, event.occurred_at
            )
            return replace(s, milestones=(*s.milestones, result))
        case SchemeExtended():
            assert s.enrolment is not None
            return replace(s, enrolment=replace(s.enrolment, scheme_end=e.new_end))
        case TraineeWithdrawn():
            return replace(s, outcome=Outcome.WITHDRAWN, withdrawal_reason=e.reason)
        case GraduationAssessed():
            graduation = Graduation(e.achieved, e.applicable, e.eligible, event.occurred_at)
            return replace(s, graduation=graduation)
        case TraineeGraduated():
            assert s.graduation is not None
            graduation = replace(
                s.graduation, graduated_on=e.graduated_on, graduation_event_id=event.event_id
            )
            return replace(s, outcome=Outcome.GRADUATED, graduation=graduation)
        case HRNotified():
            return replace(s, hr_notified=s.hr_notified | {e.endpoint})
    raise AssertionError(f"unhandled event type {event.type}")  # pragma: no cover - the union is exhaustive


def _answer(s: TraineeState, request_id: UUID) -> TraineeState:
    pending = {k: v for k, v in s.pending_requests.items() if k != request_id}
    return replace(s, pending_requests=pending, answered_requests=s.answered_requests | {request_id})
