"""Realistic journeys for the projector's tests, and what the domain says each should show.

A journey is the sample journey's commands run through `domain.execute.execute` (refused commands are skipped,
as the service would refuse them), optionally with sign-offs dropped (a trainee falling behind), cut short, or
ended by a withdrawal. Expected read-model rows come from `status_of(fold(events as stored))`: the domain's own
derivation, not the projector's code.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache

import asyncpg

from domain.actors import Actor, Role
from domain.commands import SignOffCompetency, WithdrawTrainee
from domain.errors import DomainError
from domain.events import Milestone, RecordedEvent, TraineeEnrolled
from domain.evolve import fold
from domain.execute import execute
from domain.sample_journey import sample_journey
from domain.state import TraineeState
from domain.status import status_of
from eventstore.log import START, LogPosition, read_log
from eventstore.store import EventStore
from projections.queries import GraduationRecord, PendingSignOff, TraineeProgress

PM = Actor(id="pm-north", role=Role.PROGRAMME_MANAGER)


@cache
def journey(
    trainee_id: str,
    *,
    seed: int,
    start: date = date(2024, 9, 2),
    evidence_per_week: int = 2,
    drop_sign_offs: float = 0.0,
    commands: int | None = None,
    withdraw: bool = False,
) -> tuple[RecordedEvent, ...]:
    """The events of one trainee's journey (deterministic: same arguments, same events and ids)."""
    rng = random.Random(seed)
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"gmts-test/{trainee_id}/{seed}")
    state = TraineeState()
    events: list[RecordedEvent] = []
    for n, command in enumerate(
        sample_journey(trainee_id, seed=seed, start=start, evidence_per_week=evidence_per_week)
    ):
        if commands is not None and n >= commands:
            if withdraw:
                command = WithdrawTrainee(actor=PM, at=command.at, reason="Left the Scheme for another post.")
            else:
                break
        elif isinstance(command, SignOffCompetency) and rng.random() < drop_sign_offs:
            continue
        try:
            recorded, state = execute(
                state,
                command,
                event_ids=(uuid.uuid5(namespace, f"{n}.{i}") for i in range(8)),
                recorded_at=command.at,
                correlation_id=f"{trainee_id}-{n}",
                causation_id=f"{trainee_id}-{n}",
            )
        except DomainError:
            continue
        events += recorded
        if commands is not None and n >= commands:
            break
    return tuple(events)


def cohort_of(events: Sequence[RecordedEvent]) -> str:
    enrolled = events[0].data
    assert isinstance(enrolled, TraineeEnrolled)
    return enrolled.cohort


def all_journeys() -> dict[str, tuple[RecordedEvent, ...]]:
    """Six trainees in two cohorts: two graduate, one falls short of graduation, one is at risk at year one,
    one withdraws, one is half way through (with a request waiting)."""
    return {
        "t-grad-a": journey("t-grad-a", seed=1),
        "t-grad-b": journey("t-grad-b", seed=2, start=date(2023, 9, 1)),
        "t-short": journey("t-short", seed=3, evidence_per_week=1),
        "t-risk": journey("t-risk", seed=4, evidence_per_week=1, drop_sign_offs=0.8),
        "t-gone": journey("t-gone", seed=5, commands=150, withdraw=True, start=date(2023, 9, 1)),
        "t-mid": journey("t-mid", seed=6, commands=320),
    }


async def append_interleaved(
    store: EventStore, journeys: Iterable[Sequence[RecordedEvent]], chunk: int = 60
) -> int:
    """Append the journeys a chunk at a time, round robin, so their events interleave in the log as they would
    live. Each sequence continues its stream where the store has it. Returns the events appended."""
    pending = [list(events) for events in journeys if events]
    appended = 0
    while pending:
        for events in pending:
            batch, events[:] = events[:chunk], events[chunk:]
            await store.append(batch[0].stream_id, batch[0].version - 1, batch)
            appended += len(batch)
        pending = [events for events in pending if events]
    return appended


def expected_progress(events: Sequence[RecordedEvent]) -> TraineeProgress:
    """The progress row the domain's status says this stream should have."""
    status = status_of(fold(events))
    year_one = next((m for m in status.milestones if m.milestone is Milestone.YEAR_ONE), None)
    placement = status.current_placement
    assert status.as_of is not None
    return TraineeProgress(
        trainee_id=status.trainee_id,
        name=status.name,
        cohort=status.cohort,
        specialism=status.specialism,
        programme_manager_id=status.programme_manager_id,
        current_placement_id=placement.placement_id if placement else None,
        placement_manager_id=placement.placement_manager_id if placement else None,
        outcome=status.outcome,
        achieved=status.progress.achieved,
        applicable=status.progress.applicable,
        percent=status.progress.percent,
        year_one_at_risk=year_one.at_risk if year_one else None,
        year_one_questionable=year_one.questionable if year_one else None,
        graduated_on=status.graduation.graduated_on if status.graduation else None,
        version=status.version,
        as_of=status.as_of,
    )


def expected_pending(events: Sequence[RecordedEvent]) -> list[PendingSignOff]:
    status = status_of(fold(events))
    return [
        PendingSignOff(
            request_id=p.request_id,
            trainee_id=status.trainee_id,
            trainee_name=status.name,
            cohort=status.cohort,
            competency_id=p.competency_id,
            assigned_to=p.assigned_to,
            requested_at=p.requested_at,
        )
        for p in status.pending_sign_offs
    ]


def expected_graduation(events: Sequence[RecordedEvent]) -> GraduationRecord | None:
    status = status_of(fold(events))
    if status.graduation is None or status.graduation.graduated_on is None:
        return None
    (graduated,) = [e for e in events if e.type == "TraineeGraduated"]
    return GraduationRecord(
        trainee_id=status.trainee_id,
        name=status.name,
        cohort=status.cohort,
        specialism=status.specialism,
        graduated_on=status.graduation.graduated_on,
        graduation_event_id=graduated.event_id,
    )


async def stored_streams(
    pool: asyncpg.Pool, upto: LogPosition | None = None
) -> dict[str, list[RecordedEvent]]:
    """Every trainee stream as stored, or only the events at or before `upto` in log order."""
    streams: dict[str, list[RecordedEvent]] = {}
    for logged in await read_log(pool, START, limit=1_000_000):
        if upto is None or logged.position <= upto:
            streams.setdefault(logged.event.stream_id, []).append(logged.event)
    for events in streams.values():
        events.sort(key=lambda e: e.version)
    return streams


async def tables(pool: asyncpg.Pool) -> dict[str, list[tuple[object, ...]]]:
    """Every read-model row, in key order: to compare two projections of the same log."""
    return {
        table: [tuple(r) for r in await pool.fetch(f"SELECT * FROM {table} ORDER BY {key}")]
        for table, key in (
            ("trainee_progress", "trainee_id"),
            ("pending_sign_offs", "request_id"),
            ("graduations", "trainee_id"),
        )
    }
