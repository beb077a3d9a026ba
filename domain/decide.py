"""`decide(state, command) -> events`: the Scheme's rules. A refused command raises a `DomainError` and emits nothing.

Checks run in the order a person would want to hear them: is there a trainee, are they still on the Scheme,
may this actor do this, and only then is the content right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date
from typing import Any, TypeVar
from uuid import UUID

from domain.actors import Actor, Role
from domain.calendar import reflective_window_opens
from domain.commands import (
    AssessGraduation,
    AssessMilestone,
    Command,
    DeclineSignOffRequest,
    EndPlacement,
    EnrolTrainee,
    ExtendScheme,
    RecordHRNotificationFailed,
    RecordHRNotified,
    RecordProgressReview,
    RecordReminder,
    RequestSignOff,
    ReviewReflectivePiece,
    RevokeSignOff,
    SignOffCompetency,
    StartPlacement,
    SubmitEvidence,
    SubmitReflectivePiece,
    WithdrawTrainee,
)
from domain.errors import (
    AlreadyEnrolled,
    AlreadyRecorded,
    CalendarConflict,
    CompetencyNotApplicable,
    DuplicateId,
    EvidenceMissing,
    FeedbackRequired,
    LevelOutOfRange,
    NotAllowed,
    NotEnrolled,
    NothingToRevoke,
    PersonalQualitiesNotRated,
    PlacementConflict,
    ReflectivePieceRejected,
    SignOffRequestConflict,
    TraineeNotActive,
    UnknownCompetency,
    UnknownSpecialismFramework,
)
from domain.events import (
    CompetencySignedOff,
    DomainEvent,
    EvidenceSubmitted,
    GraduationAssessed,
    HRNotificationFailed,
    HRNotified,
    MilestoneAssessed,
    PlacementEnded,
    PlacementStarted,
    ProgressReviewRecorded,
    ReflectivePieceReviewed,
    ReflectivePieceSubmitted,
    ReminderSent,
    ReviewOutcome,
    SchemeExtended,
    SignOffRequestDeclined,
    SignOffRequested,
    SignOffRevoked,
    TraineeEnrolled,
    TraineeGraduated,
    TraineeWithdrawn,
)
from domain.framework import Competency, Framework, shipped_frameworks
from domain.framework.catalogue import UnknownFramework, framework_for_specialism
from domain.specialism import Specialism
from domain.state import Enrolment, Outcome, TraineeState

WORDS_MIN, WORDS_MAX = 1_800, 2_200  # 2,000 words +/- 10%
LEVEL_MIN, LEVEL_MAX = 1, 5
YEAR_ONE_AT_RISK_BELOW = 40  # percent
YEAR_ONE_QUESTIONABLE_ABOVE = 80
GRADUATION_STANDARD = 90

MANAGERS = frozenset({Role.PROGRAMME_MANAGER, Role.ADMIN})
ASSESSORS = frozenset({Role.SYSTEM, Role.PROGRAMME_MANAGER, Role.ADMIN})

C = TypeVar("C", bound=Command)
_HANDLERS: dict[type[Command], Callable[[TraineeState, Any], list[DomainEvent]]] = {}


def _handles(kind: type[C]) -> Callable[[Callable[[TraineeState, C], list[DomainEvent]]], Callable[..., Any]]:
    def register(fn: Callable[[TraineeState, C], list[DomainEvent]]) -> Callable[..., Any]:
        _HANDLERS[kind] = fn
        return fn

    return register


def decide(state: TraineeState, command: Command) -> list[DomainEvent]:
    """The events `command` produces on `state`, or a `DomainError` saying why it is refused."""
    handler = _HANDLERS.get(type(command))
    if handler is None:  # pragma: no cover - every command type has a handler (tested)
        raise TypeError(f"no rule for command {type(command).__name__}")
    return handler(state, command)


# --- guards -------------------------------------------------------------------------------------------


def _enrolment(state: TraineeState) -> tuple[Enrolment, Framework]:
    if state.enrolment is None or state.framework is None:
        raise NotEnrolled("this trainee is not enrolled on the Scheme; enrol them first")
    return state.enrolment, state.framework


def _active(state: TraineeState) -> tuple[Enrolment, Framework]:
    enrolment, framework = _enrolment(state)
    if state.outcome is Outcome.WITHDRAWN:
        raise TraineeNotActive(
            f"trainee {enrolment.trainee_id} was withdrawn ({state.withdrawal_reason}); their record is closed"
        )
    if state.outcome is Outcome.GRADUATED:
        assert state.graduation is not None
        raise TraineeNotActive(
            f"trainee {enrolment.trainee_id} graduated on {state.graduation.graduated_on}; their record is closed"
        )
    return enrolment, framework


def _role(actor: Actor, allowed: frozenset[Role], doing: str) -> None:
    if actor.role not in allowed:
        roles = ", ".join(sorted(r.value for r in allowed))
        raise NotAllowed(f"{doing} needs one of the roles {roles}; {actor.id} acts as {actor.role.value}")


def _the_trainee(state: TraineeState, actor: Actor, doing: str) -> None:
    enrolment, _ = _enrolment(state)
    if actor.role is not Role.TRAINEE or actor.id != enrolment.trainee_id:
        raise NotAllowed(
            f"only trainee {enrolment.trainee_id} can {doing}; {actor.id} ({actor.role.value}) cannot"
        )


def _signatory(state: TraineeState, actor: Actor, doing: str) -> None:
    """The trainee's current placement manager, or a programme manager; never the trainee themself."""
    enrolment, _ = _enrolment(state)
    if actor.id == enrolment.trainee_id:
        raise NotAllowed(f"trainee {enrolment.trainee_id} cannot {doing} on their own record")
    if actor.role is Role.PROGRAMME_MANAGER:
        return
    placement = state.current_placement
    if actor.role is Role.PLACEMENT_MANAGER and placement is not None and placement.manager_id == actor.id:
        return
    current = (
        f"the current placement manager is {placement.manager_id} ({placement.organisation})"
        if placement
        else "the trainee has no current placement"
    )
    raise NotAllowed(
        f"only the trainee's current placement manager or a programme manager can {doing}; "
        f"{actor.id} ({actor.role.value}) cannot: {current}"
    )


def _competency(framework: Framework, competency_id: str) -> Competency:
    c = framework.by_id.get(competency_id)
    if c is not None:
        return c
    if any(competency_id in f.by_id for f in shipped_frameworks()):
        raise CompetencyNotApplicable(
            f"competency {competency_id} is not part of the {framework.specialism} framework ({framework.ref})"
        )
    raise UnknownCompetency(f"there is no competency {competency_id} in the {framework.ref} framework")


def _rated(c: Competency, doing: str) -> None:
    if not c.rated:
        raise PersonalQualitiesNotRated(
            f"competency {c.id} is a Personal Qualities competency: these are not rated and cannot {doing}; "
            "they are achieved together when the reflective piece is accepted"
        )


def _feedback(text: str, what: str) -> None:
    if not text.strip():
        raise FeedbackRequired(f"{what} must not be blank")


def _evidence_for(state: TraineeState, competency_id: str, evidence_ids: Sequence[UUID]) -> None:
    for eid in evidence_ids:
        evidence = state.evidence.get(eid)
        if evidence is None:
            raise EvidenceMissing(f"evidence {eid} was never submitted by this trainee")
        if competency_id not in evidence.competency_ids:
            named = ", ".join(sorted(evidence.competency_ids))
            raise EvidenceMissing(
                f"evidence {eid} does not name competency {competency_id} (it names {named})"
            )


def _utc_day(c: Command) -> date:
    """The calendar day of a command in UTC, the Scheme's clock (a 23:30 -05:00 submission is the next day)."""
    return c.at.astimezone(UTC).date()


def _counts(state: TraineeState) -> tuple[int, int]:
    return state.progress()


def _percent_below(achieved: int, applicable: int, percent: int) -> bool:
    """Exact integer comparison, so 40% of 80 competencies is exactly 32, with no float rounding."""
    return achieved * 100 < percent * applicable


# --- enrolment and calendar ---------------------------------------------------------------------------


@_handles(EnrolTrainee)
def _enrol(state: TraineeState, c: EnrolTrainee) -> list[DomainEvent]:
    if state.enrolment is not None:
        raise AlreadyEnrolled(
            f"trainee {state.enrolment.trainee_id} is already enrolled (cohort {state.enrolment.cohort})"
        )
    _role(c.actor, MANAGERS, "enrolling a trainee")
    if c.specialism not in {s.value for s in Specialism}:
        known = ", ".join(s.value for s in Specialism)
        raise UnknownSpecialismFramework(f"unknown specialism {c.specialism!r}; the Scheme runs: {known}")
    try:
        framework = framework_for_specialism(c.specialism)
    except UnknownFramework as exc:
        raise UnknownSpecialismFramework(str(exc)) from None
    if c.scheme_end <= c.scheme_start:
        raise CalendarConflict(f"the Scheme must end after it starts ({c.scheme_start} to {c.scheme_end})")
    if c.programme_manager_id == c.trainee_id:
        raise NotAllowed("a trainee cannot be their own programme manager")
    return [
        TraineeEnrolled(
            trainee_id=c.trainee_id,
            name=c.name,
            specialism=c.specialism,
            cohort=c.cohort,
            framework_id=framework.id,
            framework_version=framework.version,
            scheme_start=c.scheme_start,
            scheme_end=c.scheme_end,
            programme_manager_id=c.programme_manager_id,
        )
    ]


@_handles(StartPlacement)
def _start_placement(state: TraineeState, c: StartPlacement) -> list[DomainEvent]:
    enrolment, _ = _active(state)
    _role(c.actor, MANAGERS, "starting a placement")
    if c.placement_manager_id == enrolment.trainee_id:
        raise NotAllowed("a trainee cannot be their own placement manager")
    if any(p.placement_id == c.placement_id for p in state.placements):
        raise DuplicateId(f"placement {c.placement_id} already exists for this trainee")
    if c.planned_end <= c.starts_on:
        raise CalendarConflict(
            f"placement {c.placement_id} must end after it starts ({c.starts_on} to {c.planned_end})"
        )
    if c.starts_on < enrolment.scheme_start or c.planned_end > enrolment.scheme_end:
        raise CalendarConflict(
            f"placement {c.placement_id} ({c.starts_on} to {c.planned_end}) falls outside the Scheme "
            f"({enrolment.scheme_start} to {enrolment.scheme_end})"
        )
    current = state.current_placement
    if current is not None:
        raise PlacementConflict(
            f"placement {current.placement_id} at {current.organisation} has not ended; end it before starting another"
        )
    for p in state.placements:
        if c.starts_on <= p.last_day:
            raise PlacementConflict(
                f"placement {c.placement_id} starting {c.starts_on} would overlap placement {p.placement_id} "
                f"({p.starts_on} to {p.last_day}); placements do not overlap"
            )
    return [
        PlacementStarted(
            placement_id=c.placement_id,
            organisation=c.organisation,
            kind=c.placement_kind,
            placement_manager_id=c.placement_manager_id,
            starts_on=c.starts_on,
            planned_end=c.planned_end,
        )
    ]


@_handles(EndPlacement)
def _end_placement(state: TraineeState, c: EndPlacement) -> list[DomainEvent]:
    enrolment, _ = _active(state)
    _role(c.actor, MANAGERS, "ending a placement")
    current = state.current_placement
    if current is None or current.placement_id != c.placement_id:
        now = f"the current one is {current.placement_id}" if current else "there is no current placement"
        raise PlacementConflict(f"placement {c.placement_id} is not the trainee's current placement; {now}")
    if c.ended_on < current.starts_on:
        raise CalendarConflict(
            f"placement {c.placement_id} cannot end ({c.ended_on}) before it started ({current.starts_on})"
        )
    if c.ended_on > enrolment.scheme_end:
        raise CalendarConflict(
            f"placement {c.placement_id} cannot end ({c.ended_on}) after the Scheme ends ({enrolment.scheme_end})"
        )
    return [PlacementEnded(placement_id=c.placement_id, ended_on=c.ended_on)]


@_handles(ExtendScheme)
def _extend(state: TraineeState, c: ExtendScheme) -> list[DomainEvent]:
    enrolment, _ = _active(state)
    _role(c.actor, MANAGERS, "extending the Scheme")
    _feedback(c.reason, "the reason for an extension")
    if c.new_end <= enrolment.scheme_end:
        raise CalendarConflict(
            f"an extension must move the end later than {enrolment.scheme_end}; {c.new_end} is not"
        )
    return [SchemeExtended(previous_end=enrolment.scheme_end, new_end=c.new_end, reason=c.reason)]


@_handles(WithdrawTrainee)
def _withdraw(state: TraineeState, c: WithdrawTrainee) -> list[DomainEvent]:
    _active(state)
    _role(c.actor, MANAGERS, "withdrawing a trainee")
    _feedback(c.reason, "the reason for a withdrawal")
    return [TraineeWithdrawn(reason=c.reason)]


# --- evidence and sign-off ----------------------------------------------------------------------------


@_handles(SubmitEvidence)
def _submit_evidence(state: TraineeState, c: SubmitEvidence) -> list[DomainEvent]:
    _, framework = _active(state)
    _the_trainee(state, c.actor, "submit their evidence")
    if c.evidence_id in state.evidence:
        raise DuplicateId(f"evidence {c.evidence_id} was already submitted")
    if len(set(c.competency_ids)) != len(c.competency_ids):
        raise DuplicateId("evidence names the same competency more than once")
    _feedback(c.narrative, "the evidence narrative")
    for cid in c.competency_ids:
        _rated(_competency(framework, cid), "be evidenced one by one")
    return [
        EvidenceSubmitted(
            evidence_id=c.evidence_id,
            narrative=c.narrative,
            competency_ids=c.competency_ids,
            documents=c.documents,
        )
    ]


@_handles(RequestSignOff)
def _request_sign_off(state: TraineeState, c: RequestSignOff) -> list[DomainEvent]:
    enrolment, framework = _active(state)
    _the_trainee(state, c.actor, "ask for a sign-off")
    _rated(_competency(framework, c.competency_id), "be signed off one by one")
    if c.request_id in state.pending_requests or c.request_id in state.answered_requests:
        raise DuplicateId(f"sign-off request {c.request_id} already exists")
    for r in state.pending_requests.values():
        if r.competency_id == c.competency_id:
            raise SignOffRequestConflict(
                f"a sign-off of {c.competency_id} is already waiting with {r.assigned_to} since {r.requested_at:%Y-%m-%d}"
            )
    _evidence_for(state, c.competency_id, c.evidence_ids)
    placement = state.current_placement
    assigned_to = placement.manager_id if placement else enrolment.programme_manager_id
    return [
        SignOffRequested(
            request_id=c.request_id,
            competency_id=c.competency_id,
            evidence_ids=c.evidence_ids,
            assigned_to=assigned_to,
        )
    ]


@_handles(DeclineSignOffRequest)
def _decline(state: TraineeState, c: DeclineSignOffRequest) -> list[DomainEvent]:
    _active(state)
    _signatory(state, c.actor, "answer a sign-off request")
    request = state.pending_requests.get(c.request_id)
    if request is None:
        raise SignOffRequestConflict(f"there is no sign-off request {c.request_id} waiting for an answer")
    _feedback(c.feedback, "feedback on a declined sign-off")
    return [
        SignOffRequestDeclined(
            request_id=c.request_id, competency_id=request.competency_id, feedback=c.feedback
        )
    ]


@_handles(SignOffCompetency)
def _sign_off(state: TraineeState, c: SignOffCompetency) -> list[DomainEvent]:
    _, framework = _active(state)
    _signatory(state, c.actor, "sign off a competency")
    competency = _competency(framework, c.competency_id)
    _rated(competency, "be signed off one by one")
    if not LEVEL_MIN <= c.level <= LEVEL_MAX:
        raise LevelOutOfRange(
            f"level {c.level} is not on the framework's scale: 1 Awareness, 2 Support, 3 Practical application, "
            "4 Experienced practitioner, 5 Leadership"
        )
    _feedback(c.feedback, "sign-off feedback")
    _evidence_for(state, c.competency_id, c.evidence_ids)
    request = next((r for r in state.pending_requests.values() if r.competency_id == c.competency_id), None)
    return [
        CompetencySignedOff(
            competency_id=c.competency_id,
            level=c.level,
            feedback=c.feedback,
            evidence_ids=c.evidence_ids,
            request_id=request.request_id if request else None,
        )
    ]


@_handles(RevokeSignOff)
def _revoke(state: TraineeState, c: RevokeSignOff) -> list[DomainEvent]:
    _, framework = _active(state)
    _signatory(state, c.actor, "revoke a sign-off")
    _rated(_competency(framework, c.competency_id), "be revoked one by one")
    current = state.current_sign_off(c.competency_id)
    if current is None:
        raise NothingToRevoke(f"competency {c.competency_id} has no sign-off to revoke")
    _feedback(c.reason, "the reason for a revoke")
    return [SignOffRevoked(competency_id=c.competency_id, revoked_level=current.level, reason=c.reason)]


# --- the reflective piece (Personal Qualities) --------------------------------------------------------


def _in_window(state: TraineeState, c: Command, doing: str) -> None:
    enrolment, _ = _enrolment(state)
    opens = reflective_window_opens(enrolment.scheme_end)
    day = _utc_day(c)
    if not opens <= day <= enrolment.scheme_end:
        raise ReflectivePieceRejected(
            f"the reflective piece can only {doing} in the Scheme's last twelve months, "
            f"{opens} to {enrolment.scheme_end}; {day} is outside that window"
        )


@_handles(SubmitReflectivePiece)
def _submit_piece(state: TraineeState, c: SubmitReflectivePiece) -> list[DomainEvent]:
    _active(state)
    _the_trainee(state, c.actor, "submit their reflective piece")
    if not WORDS_MIN <= c.word_count <= WORDS_MAX:
        raise ReflectivePieceRejected(
            f"the reflective piece must be 2,000 words +/- 10% ({WORDS_MIN:,} to {WORDS_MAX:,}); "
            f"this one has {c.word_count:,}"
        )
    _in_window(state, c, "be submitted")
    if state.personal_qualities_achieved:
        raise ReflectivePieceRejected(
            "the reflective piece was already accepted; Personal Qualities are signed off"
        )
    latest = state.reflective_piece
    if latest is not None and latest.outcome is None:
        raise ReflectivePieceRejected(
            f"reflective piece {latest.piece_id} is still awaiting review; it must be reviewed before another is submitted"
        )
    if any(p.piece_id == c.piece_id for p in state.reflective_pieces):
        raise DuplicateId(f"reflective piece {c.piece_id} was already submitted")
    return [ReflectivePieceSubmitted(piece_id=c.piece_id, word_count=c.word_count, document=c.document)]


@_handles(ReviewReflectivePiece)
def _review_piece(state: TraineeState, c: ReviewReflectivePiece) -> list[DomainEvent]:
    _active(state)
    _signatory(state, c.actor, "review the reflective piece")
    latest = state.reflective_piece
    if latest is None or latest.outcome is not None:
        raise ReflectivePieceRejected("there is no reflective piece awaiting review")
    _feedback(c.feedback, "feedback on the reflective piece")
    if c.outcome is ReviewOutcome.ACCEPTED:
        _in_window(state, c, "be accepted")
    return [ReflectivePieceReviewed(piece_id=latest.piece_id, outcome=c.outcome, feedback=c.feedback)]


# --- reviews, milestones, graduation, HR --------------------------------------------------------------


@_handles(RecordProgressReview)
def _progress_review(state: TraineeState, c: RecordProgressReview) -> list[DomainEvent]:
    _active(state)
    _signatory(state, c.actor, "record a progress review")
    if any(r.review_id == c.review_id for r in state.reviews):
        raise DuplicateId(f"progress review {c.review_id} was already recorded")
    _feedback(c.summary, "the progress review summary")
    achieved, applicable = _counts(state)
    return [
        ProgressReviewRecorded(
            review_id=c.review_id, summary=c.summary, achieved=achieved, applicable=applicable
        )
    ]


@_handles(AssessMilestone)
def _milestone(state: TraineeState, c: AssessMilestone) -> list[DomainEvent]:
    _active(state)
    _role(c.actor, ASSESSORS, "assessing a milestone")
    if any(m.milestone is c.milestone for m in state.milestones):
        raise AlreadyRecorded(f"the {c.milestone.value} milestone was already assessed")
    achieved, applicable = _counts(state)
    return [
        MilestoneAssessed(
            milestone=c.milestone,
            achieved=achieved,
            applicable=applicable,
            at_risk=_percent_below(achieved, applicable, YEAR_ONE_AT_RISK_BELOW),
            questionable=achieved * 100 > YEAR_ONE_QUESTIONABLE_ABOVE * applicable,
        )
    ]


@_handles(AssessGraduation)
def _graduation(state: TraineeState, c: AssessGraduation) -> list[DomainEvent]:
    enrolment, _ = _active(state)
    _role(c.actor, ASSESSORS, "assessing graduation")
    if _utc_day(c) < enrolment.scheme_end:
        raise CalendarConflict(
            f"graduation is assessed at the Scheme's end, {enrolment.scheme_end}, not before"
        )
    achieved, applicable = _counts(state)
    eligible = not _percent_below(achieved, applicable, GRADUATION_STANDARD)
    events: list[DomainEvent] = [
        GraduationAssessed(achieved=achieved, applicable=applicable, eligible=eligible)
    ]
    if eligible:
        events.append(TraineeGraduated(graduated_on=_utc_day(c), achieved=achieved, applicable=applicable))
    return events


@_handles(RecordHRNotified)
def _hr_notified(state: TraineeState, c: RecordHRNotified) -> list[DomainEvent]:
    _, graduation_event_id = _graduated(state, c, "recording an HR notification")
    if not 200 <= c.status_code < 300:
        raise NotAllowed(
            f"HR endpoint {c.endpoint} answered {c.status_code}: only a 2xx answer is a delivery; "
            "record a refusal as an HR delivery failure"
        )
    if c.endpoint in state.hr_notified:
        raise AlreadyRecorded(f"HR endpoint {c.endpoint} was already notified of this graduation")
    return [
        HRNotified(endpoint=c.endpoint, graduation_event_id=graduation_event_id, status_code=c.status_code)
    ]


def _graduated(state: TraineeState, c: Command, doing: str) -> tuple[Enrolment, UUID]:
    enrolment, _ = _enrolment(state)
    _role(c.actor, frozenset({Role.SYSTEM}), doing)
    graduation = state.graduation
    if state.outcome is not Outcome.GRADUATED or graduation is None or graduation.graduation_event_id is None:
        raise TraineeNotActive(
            f"trainee {enrolment.trainee_id} has not graduated; there is nothing to notify HR of"
        )
    return enrolment, graduation.graduation_event_id


@_handles(RecordHRNotificationFailed)
def _hr_failed(state: TraineeState, c: RecordHRNotificationFailed) -> list[DomainEvent]:
    _, graduation_event_id = _graduated(state, c, "recording an HR delivery failure")
    if c.endpoint in state.hr_notified:
        raise AlreadyRecorded(f"HR endpoint {c.endpoint} was already notified of this graduation")
    return [
        HRNotificationFailed(
            endpoint=c.endpoint,
            graduation_event_id=graduation_event_id,
            status_code=c.status_code,
            reason=c.reason,
        )
    ]


@_handles(RecordReminder)
def _reminder(state: TraineeState, c: RecordReminder) -> list[DomainEvent]:
    _enrolment(state)
    _role(c.actor, frozenset({Role.SYSTEM}), "recording a reminder")
    if (c.reminder.value, c.about) in state.reminders:
        raise AlreadyRecorded(f"the {c.reminder.value} reminder about {c.about} was already sent")
    return [ReminderSent(kind=c.reminder, recipient=c.recipient, about=c.about, message=c.message)]
