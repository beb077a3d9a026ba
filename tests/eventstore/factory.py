"""Events to store in tests: real domain events with fresh ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.actors import Actor, Role
from domain.events import EvidenceSubmitted, RecordedEvent, SignOffRevoked, record

T0 = datetime(2025, 1, 6, 9, tzinfo=UTC)


def evidence(
    stream_id: str, *, after: int = 0, count: int = 1, competency: str = "4.1.3", actor: str = "t-1"
) -> list[RecordedEvent]:
    return record(
        [
            EvidenceSubmitted(
                evidence_id=uuid.uuid4(),
                narrative=f"Led a risk review, part {i}.",
                competency_ids=(competency, "2.2.1"),
            )
            for i in range(count)
        ],
        stream_id=stream_id,
        after_version=after,
        actor=Actor(id=actor, role=Role.TRAINEE),
        occurred_at=T0 + timedelta(days=after),
        recorded_at=T0,
        correlation_id=f"req-{uuid.uuid4().hex[:8]}",
        causation_id="test",
        event_ids=(uuid.uuid4() for _ in range(count)),
    )


def revoke(stream_id: str, *, after: int, actor: str = "pm-1") -> list[RecordedEvent]:
    return record(
        [SignOffRevoked(competency_id="4.1.3", revoked_level=3, reason="Signed against the wrong evidence.")],
        stream_id=stream_id,
        after_version=after,
        actor=Actor(id=actor, role=Role.PROGRAMME_MANAGER),
        occurred_at=T0,
        recorded_at=T0,
        correlation_id="req-revoke",
        causation_id="test",
        event_ids=[uuid.uuid4()],
    )
