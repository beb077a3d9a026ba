"""A realistic two-year General Management journey as a list of commands, deterministic for a given seed.

Three placements (operational 11 months, flexi 2, strategic 8, as in one intake), weekly evidence, sign-off
requests answered (some declined, some at a lower level first), a revoke, progress reviews, the year-one
milestone, a reflective piece returned then accepted, graduation and HR. Used by the demo, tests and bench/.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from domain.actors import SYSTEM, Actor, Role
from domain.commands import (
    AssessGraduation,
    AssessMilestone,
    Command,
    DeclineSignOffRequest,
    EndPlacement,
    EnrolTrainee,
    RecordHRNotified,
    RecordProgressReview,
    RequestSignOff,
    ReviewReflectivePiece,
    RevokeSignOff,
    SignOffCompetency,
    StartPlacement,
    SubmitEvidence,
    SubmitReflectivePiece,
)
from domain.events import DocumentRef, PlacementKind, ReviewOutcome
from domain.framework import framework_for_specialism

PLACEMENTS = (
    ("operational", PlacementKind.OPERATIONAL, 0, 11, "Leeds Teaching Hospitals NHS Trust"),
    ("flexi", PlacementKind.FLEXI, 11, 2, "NHS Confederation"),
    ("strategic", PlacementKind.STRATEGIC, 13, 8, "West Yorkshire Integrated Care Board"),
)


def _month(start: date, months: int) -> date:
    y, m = divmod(start.month - 1 + months, 12)
    return date(start.year + y, m + 1, min(start.day, 28))


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def sample_journey(
    trainee_id: str = "t-0001",
    *,
    seed: int = 1,
    start: date = date(2024, 9, 2),
    evidence_per_week: int = 7,
    hr_endpoints: tuple[str, ...] = ("https://hr.example.nhs.uk/graduations",),
) -> Iterator[Command]:
    """Yield the commands of one journey in time order (about 1,000 events at the default rate)."""
    rng = random.Random(seed)
    ids = random.Random(seed * 7919)

    def uid() -> uuid.UUID:
        return uuid.UUID(int=ids.getrandbits(128), version=4)

    framework = framework_for_specialism("general-management")
    rated = [c for c in framework.competencies if c.rated]
    trainee = Actor(id=trainee_id, role=Role.TRAINEE)
    pm = Actor(id="pm-north", role=Role.PROGRAMME_MANAGER)
    end = _month(start, 24)
    yield EnrolTrainee(
        actor=pm,
        at=_at(start, 9),
        trainee_id=trainee_id,
        name=f"Trainee {trainee_id}",
        specialism="general-management",
        cohort=f"{start.year}-north",
        scheme_start=start,
        scheme_end=end,
        programme_manager_id=pm.id,
    )
    evidence_by_competency: dict[str, list[uuid.UUID]] = {}
    signed: dict[str, int] = {}
    revoked_once = False
    for index, (name, kind, offset, months, organisation) in enumerate(PLACEMENTS):
        p_start = _month(start, offset) + timedelta(days=1 if index else 0)
        p_end = _month(start, offset + months)
        manager = Actor(id=f"plm-{name}-{trainee_id}", role=Role.PLACEMENT_MANAGER)
        yield StartPlacement(
            actor=pm,
            at=_at(p_start, 9),
            placement_id=f"{trainee_id}-{name}",
            organisation=organisation,
            placement_kind=kind,
            placement_manager_id=manager.id,
            starts_on=p_start,
            planned_end=p_end,
        )
        day = p_start
        week = 0
        while day + timedelta(days=7) < p_end:
            week += 1
            for n in range(evidence_per_week):
                chosen = rng.sample(rated, k=rng.choice((1, 1, 2, 3)))
                evidence_id = uid()
                yield SubmitEvidence(
                    actor=trainee,
                    at=_at(day, 9 + n),
                    evidence_id=evidence_id,
                    narrative=_narrative(rng, [c.id for c in chosen]),
                    competency_ids=tuple(c.id for c in chosen),
                    documents=(_document(rng),) if rng.random() < 0.3 else (),
                )
                for c in chosen:
                    evidence_by_competency.setdefault(c.id, []).append(evidence_id)
            # Two sign-off requests a week, for evidenced competencies not yet at target (else room to improve).
            evidenced = [c for c in rated if c.id in evidence_by_competency]
            candidates = [c for c in evidenced if signed.get(c.id, 0) < c.target_level] or [
                c for c in evidenced if signed.get(c.id, 0) < c.target_level + 1
            ]
            for c in rng.sample(candidates, k=min(2, len(candidates))):
                evidence = tuple(evidence_by_competency[c.id][-2:])
                request_id = uid()
                answer_day = day + timedelta(days=rng.randint(1, 6))
                yield RequestSignOff(
                    actor=trainee,
                    at=_at(day, 16),
                    request_id=request_id,
                    competency_id=c.id,
                    evidence_ids=evidence,
                )
                if rng.random() < 0.1:
                    yield DeclineSignOffRequest(
                        actor=manager,
                        at=_at(answer_day, 11),
                        request_id=request_id,
                        feedback="Good start; the evidence needs to show your own responsibility for the outcome.",
                    )
                    continue
                level = min(5, max(signed.get(c.id, 0) + 1, c.target_level - rng.choice((0, 0, 1))))
                yield SignOffCompetency(
                    actor=manager,
                    at=_at(answer_day, 11),
                    competency_id=c.id,
                    level=level,
                    feedback=f"Signed off at level {level}: clear, well-evidenced contribution with measurable outcomes.",
                    evidence_ids=evidence,
                )
                signed[c.id] = level
                if not revoked_once and index == 1:
                    revoked_once = True
                    yield RevokeSignOff(
                        actor=pm,
                        at=_at(answer_day, 15),
                        competency_id=c.id,
                        reason="Signed against the wrong evidence; to be re-signed after the next review.",
                    )
                    del signed[c.id]
                if len(signed) >= len(rated):
                    break
            if week % 4 == 0:
                yield RecordProgressReview(
                    actor=manager,
                    at=_at(day, 14),
                    review_id=uid(),
                    summary=f"Monthly review in the {name} placement: on track, agreed next competencies.",
                )
            day += timedelta(days=7)
        if index == 2:
            yield from _reflective_piece(trainee, manager, p_end, uid, rng)
        yield EndPlacement(actor=pm, at=_at(p_end, 17), placement_id=f"{trainee_id}-{name}", ended_on=p_end)
        if index == 0:
            yield AssessMilestone(actor=SYSTEM, at=_at(p_end, 18))
    yield AssessGraduation(actor=SYSTEM, at=_at(end, 9))
    for endpoint in hr_endpoints:
        yield RecordHRNotified(actor=SYSTEM, at=_at(end, 10), endpoint=endpoint, status_code=200)


def _reflective_piece(
    trainee: Actor, reviewer: Actor, placement_end: date, uid: Callable[[], uuid.UUID], rng: random.Random
) -> Iterator[Command]:
    """Written in the last twelve months, returned once, then accepted by the placement manager."""
    yield SubmitReflectivePiece(
        actor=trainee,
        at=_at(placement_end - timedelta(days=20)),
        piece_id=uid(),
        word_count=1950,
        document=_document(rng),
    )
    yield ReviewReflectivePiece(
        actor=reviewer,
        at=_at(placement_end - timedelta(days=15)),
        outcome=ReviewOutcome.RETURNED,
        feedback="Reflect more on how others perceive you, with examples from the operational placement.",
    )
    yield SubmitReflectivePiece(
        actor=trainee,
        at=_at(placement_end - timedelta(days=8)),
        piece_id=uid(),
        word_count=2080,
        document=_document(rng),
    )
    yield ReviewReflectivePiece(
        actor=reviewer,
        at=_at(placement_end - timedelta(days=2)),
        outcome=ReviewOutcome.ACCEPTED,
        feedback="A candid, well-evidenced reflection; Personal Qualities signed off.",
    )


_WORDS = [
    "led",
    "stakeholder",
    "workshop",
    "with",
    "clinicians",
    "to",
    "redesign",
    "the",
    "outpatient",
    "pathway,",
    "agreed",
    "measures,",
    "reduced",
    "waiting",
    "times",
    "by",
    "twelve",
    "percent,",
    "presented",
    "findings",
    "to",
    "the",
    "divisional",
    "board,",
    "risk",
    "log,",
    "benefits",
    "realisation",
    "plan,",
    "patient",
    "feedback,",
    "budget",
    "variance",
    "analysis,",
    "team",
    "meeting",
    "chaired",
]


def _narrative(rng: random.Random, competency_ids: list[str]) -> str:
    body = " ".join(rng.choice(_WORDS) for _ in range(55))
    return f"Evidence for {', '.join(competency_ids)}: {body}."


def _document(rng: random.Random) -> DocumentRef:
    return DocumentRef(
        sha256=f"{rng.getrandbits(256):064x}", filename="evidence.pdf", media_type="application/pdf"
    )
