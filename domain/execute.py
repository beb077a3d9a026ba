"""One command, start to finish, without I/O: decide, wrap in envelopes, evolve. Every entry point uses this."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from domain.commands import Command
from domain.decide import decide
from domain.events import RecordedEvent, record, stream_id_for
from domain.evolve import fold
from domain.state import TraineeState


def execute(
    state: TraineeState,
    command: Command,
    *,
    event_ids: Iterable[UUID],
    recorded_at: datetime,
    correlation_id: str,
    causation_id: str,
    trainee_id: str | None = None,
) -> tuple[list[RecordedEvent], TraineeState]:
    """The recorded events and the new state; raises `DomainError` (nothing recorded) if refused."""
    events = decide(state, command)
    tid = trainee_id or state.trainee_id or getattr(command, "trainee_id", None)
    if tid is None:
        raise ValueError("the trainee id is unknown: enrol first or pass trainee_id")
    recorded = record(
        events,
        stream_id=stream_id_for(tid),
        after_version=state.version,
        actor=command.actor,
        occurred_at=command.at,
        recorded_at=recorded_at,
        correlation_id=correlation_id,
        causation_id=causation_id,
        event_ids=event_ids,
    )
    return recorded, fold(recorded, state)
