"""Events to store in tests: real domain events with fresh ids."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from domain.actors import Actor, Role
from domain.events import EvidenceSubmitted, RecordedEvent, SignOffRevoked, record
from eventstore.chain import content_digest, content_of
from eventstore.store import competencies_of

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


async def append_as_the_previous_release(
    conn: asyncpg.Pool | asyncpg.Connection, stream_id: str, expected: int, events: list[RecordedEvent]
) -> None:
    """Append as the release before migration 0007 did: `append_events()`, one array per column (it stays in
    the schema for writers of that release during an upgrade)."""
    datas = [e.data.model_dump(mode="json") for e in events]
    competencies = [(i, cid) for i, data in enumerate(datas, start=1) for cid in competencies_of(data)]
    await conn.fetch(
        "SELECT * FROM append_events($1, $2, $3, $4, $5, $6::jsonb[], $7, $8, $9, $10, $11, $12, $13, $14)",
        stream_id,
        expected,
        [e.event_id for e in events],
        [e.type for e in events],
        [e.schema_version for e in events],
        [json.dumps(d) for d in datas],  # jsonb: the same value whatever the text's key order
        [e.actor_id for e in events],
        [e.actor_role.value for e in events],
        [e.correlation_id for e in events],
        [e.causation_id for e in events],
        [e.occurred_at for e in events],
        [content_digest_of(e) for e in events],
        [i for i, _ in competencies],
        [cid for _, cid in competencies],
    )


def content_digest_of(e: RecordedEvent) -> bytes:
    """The content digest of a recorded event (eventstore.chain.digest_of takes its document)."""
    return content_digest(**content_of(e))
