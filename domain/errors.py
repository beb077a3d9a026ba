"""Why a command was refused. Each error has a stable `code` for clients and a message a programme manager can act on.

A refused command produces no events: `decide` raises one of these before anything is emitted.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation. `code` is stable (clients branch on it); the message is for people."""

    code = "rule_violation"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotEnrolled(DomainError):
    code = "not_enrolled"


class AlreadyEnrolled(DomainError):
    code = "already_enrolled"


class NotAllowed(DomainError):
    """The actor's role or relation to the trainee does not permit this command."""

    code = "not_allowed"


class TraineeNotActive(DomainError):
    code = "trainee_not_active"


class UnknownCompetency(DomainError):
    code = "unknown_competency"


class CompetencyNotApplicable(DomainError):
    code = "competency_not_applicable"


class PersonalQualitiesNotRated(DomainError):
    code = "personal_qualities_not_rated"


class LevelOutOfRange(DomainError):
    code = "level_out_of_range"


class FeedbackRequired(DomainError):
    code = "feedback_required"


class EvidenceMissing(DomainError):
    code = "evidence_missing"


class DuplicateId(DomainError):
    code = "duplicate_id"


class PlacementConflict(DomainError):
    code = "placement_conflict"


class SignOffRequestConflict(DomainError):
    code = "sign_off_request_conflict"


class NothingToRevoke(DomainError):
    code = "nothing_to_revoke"


class ReflectivePieceRejected(DomainError):
    """Word count outside 1,800-2,200, outside the last twelve months, or not in a state to submit/review."""

    code = "reflective_piece_rejected"


class CalendarConflict(DomainError):
    """A date that does not fit the Scheme's calendar (extension not later, graduation before the end...)."""

    code = "calendar_conflict"


class AlreadyRecorded(DomainError):
    code = "already_recorded"


class UnknownSpecialismFramework(DomainError):
    code = "unknown_framework"
