"""`evolve(state, event) -> state`: how each recorded fact changes a journey. `fold` replays a stream.

Evolve never refuses: the event already happened; the rules were applied when `decide` produced it.
`evolve` copies the state first, so the caller's state never changes; `fold` copies once and then applies
every event to its private copy in place, which keeps replaying a whole cohort cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from domain.events import (
    CompetencySignedOff,
    EvidenceSubmitted,
    GraduationAssessed,
    HRNotificationFailed,
    HRNotified,
    MilestoneAssessed,
    PlacementEnded,
    PlacementStarted,
    ProgressReviewRecorded,
    RecordedEvent,
    ReflectivePieceReviewed,
    ReflectivePieceSubmitted,
    ReminderSent,
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
    Who,
)


def evolve(state: TraineeState, event: RecordedEvent) -> TraineeState:
    """The state after `event`; `state` itself is left as it was."""
    s = state.copy()
    _apply(s, event)
    return s


def fold(events: Iterable[RecordedEvent], state: TraineeState | None = None) -> TraineeState:
    """The state the events add up to: the status of a journey is this fold, nothing stored."""
    s = state.copy() if state is not None else TraineeState()
    for e in events:
        _apply(s, e)
    return s


def fold_as_of(events: Iterable[RecordedEvent], instant: datetime) -> TraineeState:
    """The state as the record stood at `instant`: the fold of the events recorded up to it."""
    return fold(e for e in events if e.recorded_at <= instant)


def _actor(event: RecordedEvent) -> Who:
    return Who(event.actor_id, event.actor_role)


def _apply(s: TraineeState, event: RecordedEvent) -> None:
    """Apply one event to `s` in place (only on a state this module owns)."""
    s.version = event.version
    s.last_recorded_at = event.recorded_at
    e = event.data
    match e:
        case EvidenceSubmitted():
            s.evidence[e.evidence_id] = Evidence(
                e.evidence_id, e.competency_ids, event.occurred_at, e.documents
            )
        case SignOffRequested():
            s.pending_requests[e.request_id] = SignOffRequest(
                e.request_id, e.competency_id, e.evidence_ids, e.assigned_to, event.occurred_at
            )
        case CompetencySignedOff():
            sign_off = SignOff(
                e.competency_id,
                e.level,
                e.feedback,
                e.evidence_ids,
                _actor(event),
                event.occurred_at,
                event.event_id,
            )
            s.sign_offs.setdefault(e.competency_id, []).append(sign_off)
            # A sign-off answers every request waiting on that competency.
            for request_id in [
                r.request_id for r in s.pending_requests.values() if r.competency_id == e.competency_id
            ]:
                _answer(s, request_id)
        case SignOffRequestDeclined():
            _answer(s, e.request_id)
        case SignOffRevoked():
            history = s.sign_offs[e.competency_id]
            history.pop()
            if not history:
                del s.sign_offs[e.competency_id]
        case ProgressReviewRecorded():
            s.reviews.append(
                ProgressReview(
                    e.review_id, e.summary, e.achieved, e.applicable, _actor(event), event.occurred_at
                )
            )
        case TraineeEnrolled():
            s.outcome = Outcome.ACTIVE
            s.framework = framework_for(e.framework_id, e.framework_version)
            s.enrolment = Enrolment(
                trainee_id=e.trainee_id,
                name=e.name,
                specialism=e.specialism,
                cohort=e.cohort,
                scheme_start=e.scheme_start,
                scheme_end=e.scheme_end,
                programme_manager_id=e.programme_manager_id,
                enrolled_at=event.occurred_at,
            )
        case PlacementStarted():
            s.placements.append(
                Placement(
                    placement_id=e.placement_id,
                    organisation=e.organisation,
                    kind=e.kind,
                    manager_id=e.placement_manager_id,
                    starts_on=e.starts_on,
                    planned_end=e.planned_end,
                )
            )
        case PlacementEnded():
            s.placements = [
                p._replace(ended_on=e.ended_on) if p.placement_id == e.placement_id else p
                for p in s.placements
            ]
        case ReflectivePieceSubmitted():
            s.reflective_pieces.append(
                ReflectivePiece(e.piece_id, e.word_count, e.document, event.occurred_at)
            )
        case ReflectivePieceReviewed():
            s.reflective_pieces = [
                p._replace(
                    outcome=e.outcome,
                    feedback=e.feedback,
                    reviewed_by=_actor(event),
                    reviewed_at=event.occurred_at,
                )
                if p.piece_id == e.piece_id
                else p
                for p in s.reflective_pieces
            ]
        case MilestoneAssessed():
            s.milestones.append(
                MilestoneResult(
                    e.milestone, e.achieved, e.applicable, e.at_risk, e.questionable, event.occurred_at
                )
            )
        case SchemeExtended():
            assert s.enrolment is not None
            s.enrolment = s.enrolment._replace(scheme_end=e.new_end)
        case TraineeWithdrawn():
            s.outcome = Outcome.WITHDRAWN
            s.withdrawal_reason = e.reason
        case GraduationAssessed():
            s.graduation = Graduation(e.achieved, e.applicable, e.eligible, event.occurred_at)
        case TraineeGraduated():
            assert s.graduation is not None
            s.graduation = s.graduation._replace(
                graduated_on=e.graduated_on, graduation_event_id=event.event_id
            )
            s.outcome = Outcome.GRADUATED
        case HRNotified():
            s.hr_notified.add(e.endpoint)
            s.hr_failed.pop(e.endpoint, None)
        case HRNotificationFailed():
            s.hr_failed[e.endpoint] = f"{e.status_code}: {e.reason}"
        case ReminderSent():
            s.reminders.add((e.kind.value, e.about))
        case _:  # pragma: no cover - the union is exhaustive
            raise AssertionError(f"unhandled event type {event.type}")


def _answer(s: TraineeState, request_id: UUID) -> None:
    s.pending_requests.pop(request_id, None)
    s.answered_requests.add(request_id)
