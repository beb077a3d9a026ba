"""Given / when / then for a trainee's journey, so tests read like the Scheme's rules.

    j = given(enrolled(), placement_started(), evidence("4.1.3"))
    events = j.when(sign_off("4.1.3", level=3, by=PLACEMENT_MANAGER))
    with j.refused(NotAllowed, match="current placement manager"):
        j.when(sign_off("4.1.3", by=TRAINEE))

Every command goes through `execute` (decide, record, evolve), on a fixed clock with deterministic ids.
Builders name evidence, requests and pieces by short strings ("e1"); `uid` turns a name into its UUID.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from typing import TypeVar
from uuid import UUID, uuid5

import pytest
from pydantic import BaseModel

from domain.actors import SYSTEM, Actor, Role
from domain.commands import (
    AssessGraduation,
    AssessMilestone,
    Command,
    DeclineSignOffRequest,
    EndPlacement,
    EnrolTrainee,
    ExtendScheme,
    RecordHRNotified,
    RecordProgressReview,
    RequestSignOff,
    ReviewReflectivePiece,
    RevokeSignOff,
    SignOffCompetency,
    StartPlacement,
    SubmitEvidence,
    SubmitReflectivePiece,
    WithdrawTrainee,
)
from domain.errors import DomainError
from domain.events import DocumentRef, PlacementKind, RecordedEvent, ReviewOutcome
from domain.execute import execute
from domain.framework import framework_for_specialism
from domain.state import TraineeState
from domain.status import CompetencyStatus, TraineeStatus, status_of

# --- the Scheme's calendar for every test -------------------------------------------------------------

SCHEME_START = date(2024, 9, 2)
SCHEME_END = date(2026, 9, 2)
WINDOW_OPENS = date(2025, 9, 2)  # the reflective piece: the Scheme's last twelve months
DAY = date(2024, 10, 1)  # an ordinary working day in the first placement
IN_WINDOW = date(2026, 6, 1)  # an ordinary day inside the reflective-piece window
FIRST_PLACEMENT_END = date(2025, 8, 1)

FRAMEWORK = framework_for_specialism("general-management")
RATED = tuple(c.id for c in FRAMEWORK.competencies if c.rated)
PERSONAL_QUALITIES = tuple(c.id for c in FRAMEWORK.competencies if not c.rated)

# --- who acts -----------------------------------------------------------------------------------------

TRAINEE = Actor(id="t-0001", role=Role.TRAINEE)
PROGRAMME_MANAGER = Actor(id="pm-north", role=Role.PROGRAMME_MANAGER)
PLACEMENT_MANAGER = Actor(id="plm-leeds", role=Role.PLACEMENT_MANAGER)
NEXT_PLACEMENT_MANAGER = Actor(id="plm-confed", role=Role.PLACEMENT_MANAGER)
ADMIN = Actor(id="admin-1", role=Role.ADMIN)
AUDITOR = Actor(id="auditor-1", role=Role.AUDITOR)
HR = Actor(id="hr-1", role=Role.HR)
OTHER_TRAINEE = Actor(id="t-0002", role=Role.TRAINEE)
HR_ENDPOINT = "https://hr.example.nhs.uk/graduations"

_NAMES = UUID("6f1c1f0e-2b0a-4c39-9d8e-0b7e5a2f4a11")


def uid(name: str) -> UUID:
    """The UUID a test names `name` (evidence "e1", request "r1", piece "p1"...)."""
    return uuid5(_NAMES, name)


def at(day: date | datetime, hour: int = 10) -> datetime:
    """A day at `hour` UTC (an aware datetime passes through)."""
    if isinstance(day, datetime):
        return day
    return datetime.combine(day, time(hour), tzinfo=UTC)


def document(name: str = "doc") -> DocumentRef:
    return DocumentRef(sha256=uid(name).hex * 2, filename=f"{name}.pdf", media_type="application/pdf")


# --- commands, phrased as the Scheme phrases them -----------------------------------------------------

When = date | datetime


def enrolled(
    *,
    by: Actor = PROGRAMME_MANAGER,
    trainee_id: str = TRAINEE.id,
    specialism: str = "general-management",
    start: date = SCHEME_START,
    end: date = SCHEME_END,
    programme_manager_id: str = PROGRAMME_MANAGER.id,
    on: When = SCHEME_START,
) -> EnrolTrainee:
    return EnrolTrainee(
        actor=by,
        at=at(on, 9),
        trainee_id=trainee_id,
        name="Alex Example",
        specialism=specialism,
        cohort="2024-north",
        scheme_start=start,
        scheme_end=end,
        programme_manager_id=programme_manager_id,
    )


def placement_started(
    placement_id: str = "operational",
    *,
    manager: Actor | str = PLACEMENT_MANAGER,
    starts_on: date = SCHEME_START,
    planned_end: date = FIRST_PLACEMENT_END,
    kind: PlacementKind = PlacementKind.OPERATIONAL,
    by: Actor = PROGRAMME_MANAGER,
) -> StartPlacement:
    return StartPlacement(
        actor=by,
        at=at(starts_on, 9),
        placement_id=placement_id,
        organisation=f"{placement_id.title()} NHS Trust",
        placement_kind=kind,
        placement_manager_id=manager.id if isinstance(manager, Actor) else manager,
        starts_on=starts_on,
        planned_end=planned_end,
    )


def placement_ended(
    placement_id: str = "operational", *, on: date = FIRST_PLACEMENT_END, by: Actor = PROGRAMME_MANAGER
) -> EndPlacement:
    return EndPlacement(actor=by, at=at(on, 17), placement_id=placement_id, ended_on=on)


def second_placement(manager: Actor = NEXT_PLACEMENT_MANAGER) -> list[Command]:
    """The first placement ends on 1 Aug 2025 and a flexi placement with `manager` starts the next day."""
    return [
        placement_ended(),
        placement_started(
            "flexi",
            manager=manager,
            starts_on=FIRST_PLACEMENT_END + timedelta(days=1),
            planned_end=date(2025, 10, 1),
            kind=PlacementKind.FLEXI,
        ),
    ]


def evidence(
    *competency_ids: str,
    id: str = "e1",
    narrative: str = "Led a workshop with clinicians to redesign the outpatient pathway.",
    by: Actor = TRAINEE,
    on: When = DAY,
) -> SubmitEvidence:
    return SubmitEvidence(
        actor=by, at=at(on), evidence_id=uid(id), narrative=narrative, competency_ids=competency_ids
    )


def sign_off(
    competency_id: str,
    level: int = 3,
    *,
    by: Actor = PLACEMENT_MANAGER,
    evidence: Sequence[str] = ("e1",),
    feedback: str = "Clear, well-evidenced contribution with measurable outcomes.",
    on: When = DAY,
) -> SignOffCompetency:
    return SignOffCompetency(
        actor=by,
        at=at(on, 11),
        competency_id=competency_id,
        level=level,
        feedback=feedback,
        evidence_ids=tuple(uid(e) for e in evidence),
    )


def revoke(
    competency_id: str,
    *,
    by: Actor = PROGRAMME_MANAGER,
    reason: str = "Signed against the wrong evidence.",
    on: When = DAY,
) -> RevokeSignOff:
    return RevokeSignOff(actor=by, at=at(on, 15), competency_id=competency_id, reason=reason)


def request_sign_off(
    competency_id: str,
    *,
    id: str = "r1",
    evidence: Sequence[str] = ("e1",),
    by: Actor = TRAINEE,
    on: When = DAY,
) -> RequestSignOff:
    return RequestSignOff(
        actor=by,
        at=at(on, 16),
        request_id=uid(id),
        competency_id=competency_id,
        evidence_ids=tuple(uid(e) for e in evidence),
    )


def decline(
    request: str = "r1",
    *,
    by: Actor = PLACEMENT_MANAGER,
    feedback: str = "The evidence needs to show your own responsibility for the outcome.",
    on: When = DAY,
) -> DeclineSignOffRequest:
    return DeclineSignOffRequest(actor=by, at=at(on, 17), request_id=uid(request), feedback=feedback)


def reflective_piece(
    words: int = 2_000, *, id: str = "p1", by: Actor = TRAINEE, on: When = IN_WINDOW
) -> SubmitReflectivePiece:
    return SubmitReflectivePiece(
        actor=by, at=at(on), piece_id=uid(id), word_count=words, document=document(id)
    )


def piece_reviewed(
    outcome: ReviewOutcome = ReviewOutcome.ACCEPTED,
    *,
    by: Actor = PROGRAMME_MANAGER,
    feedback: str = "A candid, well-evidenced reflection.",
    on: When = IN_WINDOW,
) -> ReviewReflectivePiece:
    return ReviewReflectivePiece(actor=by, at=at(on, 15), outcome=outcome, feedback=feedback)


def personal_qualities_accepted(on: When = IN_WINDOW) -> list[Command]:
    return [reflective_piece(on=on), piece_reviewed(on=on)]


def progress_review(
    id: str = "review-1", *, by: Actor = PLACEMENT_MANAGER, summary: str = "On track.", on: When = DAY
) -> RecordProgressReview:
    return RecordProgressReview(actor=by, at=at(on, 14), review_id=uid(id), summary=summary)


def milestone_assessed(*, by: Actor = SYSTEM, on: When = FIRST_PLACEMENT_END) -> AssessMilestone:
    return AssessMilestone(actor=by, at=at(on, 18))


def graduation_assessed(*, by: Actor = SYSTEM, on: When = SCHEME_END) -> AssessGraduation:
    return AssessGraduation(actor=by, at=at(on, 9))


def scheme_extended(
    new_end: date,
    *,
    by: Actor = PROGRAMME_MANAGER,
    reason: str = "Long-term sickness absence.",
    on: When = DAY,
) -> ExtendScheme:
    return ExtendScheme(actor=by, at=at(on), new_end=new_end, reason=reason)


def withdrawn(
    *, by: Actor = PROGRAMME_MANAGER, reason: str = "Left the NHS.", on: When = DAY
) -> WithdrawTrainee:
    return WithdrawTrainee(actor=by, at=at(on, 16), reason=reason)


def hr_notified(
    endpoint: str = HR_ENDPOINT, *, by: Actor = SYSTEM, status_code: int = 200, on: When = SCHEME_END
) -> RecordHRNotified:
    return RecordHRNotified(actor=by, at=at(on, 10), endpoint=endpoint, status_code=status_code)


def signed_off(n: int, *, by: Actor = PROGRAMME_MANAGER, on: When = DAY) -> list[Command]:
    """The first `n` rated competencies evidenced (30 per evidence) and signed off at their target level."""
    chosen = RATED[:n]
    assert len(chosen) == n, f"only {len(RATED)} competencies are rated"
    commands: list[Command] = []
    for start in range(0, n, 30):
        chunk = chosen[start : start + 30]
        name = f"bulk-{start // 30}"
        commands.append(evidence(*chunk, id=name, on=on))
        commands.extend(
            sign_off(cid, FRAMEWORK.by_id[cid].target_level, by=by, evidence=(name,), on=on) for cid in chunk
        )
    return commands


def graduated() -> list[Command]:
    """Enough to graduate at the Scheme's end: 81 rated competencies and the 14 Personal Qualities (95/105)."""
    return [*signed_off(81), *personal_qualities_accepted(), graduation_assessed()]


# --- the journey --------------------------------------------------------------------------------------

Step = Command | Iterable[Command]
E = TypeVar("E", bound=BaseModel)


class Journey:
    """A trainee's state and recorded events, grown one command at a time through `execute`."""

    def __init__(self) -> None:
        self.state = TraineeState()
        self.events: list[RecordedEvent] = []
        self._event_ids = (UUID(int=n) for n in count(1))
        self._commands = count(1)
        self._clock = datetime(2000, 1, 1, tzinfo=UTC)

    def when(self, command: Command) -> list[RecordedEvent]:
        """Execute `command`; returns the events it recorded (raises the `DomainError` if refused)."""
        n = next(self._commands)
        recorded_at = max(command.at, self._clock + timedelta(seconds=1))  # strictly increasing
        recorded, state = execute(
            self.state,
            command,
            event_ids=self._event_ids,
            recorded_at=recorded_at,
            correlation_id=f"journey-{n}",
            causation_id=f"command-{n}",
        )
        self.state, self._clock = state, recorded_at
        self.events.extend(recorded)
        return recorded

    @contextmanager
    def refused(self, error: type[DomainError], *, match: str) -> Iterator[pytest.ExceptionInfo[DomainError]]:
        """The block must raise exactly `error` with a message matching `match`, recording and changing nothing."""
        framework = self.state.framework
        before = copy.deepcopy(
            self.state, {id(framework): framework}
        )  # the framework is shared, immutable data
        events_before = list(self.events)
        with pytest.raises(error, match=match) as info:
            yield info
        assert type(info.value) is error, f"expected {error.__name__}, got {type(info.value).__name__}"
        assert self.events == events_before, "a refused command recorded events"
        assert self.state == before, "a refused command changed the trainee's state"

    @property
    def status(self) -> TraineeStatus:
        return status_of(self.state)

    def competency(self, competency_id: str) -> CompetencyStatus:
        return next(c for c in self.status.competencies if c.id == competency_id)

    def then_status(self, **expected: object) -> None:
        """The status's top-level fields named in `expected` have those values."""
        status = self.status
        assert {k: getattr(status, k) for k in expected} == expected

    def then_progress(self, achieved: int, applicable: int = len(FRAMEWORK.competencies)) -> None:
        progress = self.status.progress
        assert (progress.achieved, progress.applicable) == (achieved, applicable)


def given(*steps: Step) -> Journey:
    """A journey after `steps` (commands, or lists of them) were all accepted."""
    j = Journey()
    for step in steps:
        for command in [step] if isinstance(step, Command) else step:
            j.when(command)
    return j


def types_of(events: Iterable[RecordedEvent]) -> list[str]:
    return [e.type for e in events]


def the_event(events: Iterable[RecordedEvent], kind: type[E]) -> E:
    """The single event of type `kind` among `events`."""
    found = [e.data for e in events if isinstance(e.data, kind)]
    assert len(found) == 1, f"expected one {kind.__name__}, found {len(found)}"
    return found[0]
