"""Appending to and reading streams. One trainee's journey is one stream (`trainee-<id>`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from domain.events import RecordedEvent, StoredEvent, from_stored
from eventstore.chain import canonical_document, content_of, digest_of
from eventstore.errors import ConcurrencyConflict, EventIdConflict

# The columns of a StoredEvent, in its field order.
EVENT_COLUMNS = (
    "event_id, stream_id, stream_version, type, schema_version, actor_id, actor_role, occurred_at, recorded_at,"
    " correlation_id, causation_id, data::text"
)


def row_to_event(row: asyncpg.Record | tuple[object, ...]) -> RecordedEvent:
    """A row whose columns are `EVENT_COLUMNS`, in order."""
    return from_stored(StoredEvent(*row))


def competencies_of(data: dict[str, Any]) -> tuple[str, ...]:
    """The competencies an event concerns, each once, from its dumped data: what `event_competencies` holds
    for the auditors' by-competency query."""
    ids: list[str] = list(data.get("competency_ids", ()))
    single = data.get("competency_id")
    return tuple(dict.fromkeys([*ids, single] if single else ids))


class EventStore:
    """The system of record. Appends are all-or-nothing, checked against the expected stream version, and
    idempotent by event id; history is never changed (the database refuses UPDATE, DELETE and TRUNCATE)."""

    def __init__(self, pool: asyncpg.Pool | asyncpg.Connection) -> None:
        self.pool = pool  # a pool, or one connection (to append inside a caller's transaction)

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[RecordedEvent]
    ) -> list[RecordedEvent]:
        """Append `events` after `expected_version`; return them as stored (with the store's `recorded_at`).

        Raises `ConcurrencyConflict` if the stream is at another version and `EventIdConflict` if an event id
        was used before for other content. Sending the same batch again returns what was stored the first time.
        """
        if not events:
            return []
        documents: list[bytes] = []
        digests = bytearray()
        competencies: list[tuple[int, str]] = []
        for i, e in enumerate(events, start=1):
            if e.stream_id != stream_id or e.version != expected_version + i:
                raise ValueError(
                    f"event {e.event_id} is for {e.stream_id} v{e.version}, not {stream_id} v{expected_version + i}"
                )
            data = e.data.model_dump(mode="json")
            # The row is built from this text: what is stored is what was hashed.
            document = canonical_document(**content_of(e, data))
            documents.append(document)
            digests += digest_of(document)
            competencies.extend((i, cid) for cid in competencies_of(data))
        try:
            rows = await self.pool.fetch(
                "SELECT stream_version, recorded_at FROM append_batch($1, $2, $3::jsonb, $4, $5::jsonb)",
                stream_id,
                expected_version,
                (b"[%b]" % b",".join(documents)).decode(),
                bytes(digests),
                orjson.dumps(competencies).decode(),
            )
        except asyncpg.PostgresError as exc:
            if exc.sqlstate == "GJ001":
                raise ConcurrencyConflict(stream_id, expected_version, int(exc.detail or -1)) from None
            if exc.sqlstate == "GJ002" or (
                exc.sqlstate == "23505" and getattr(exc, "constraint_name", None) == "events_event_id_key"
            ):
                raise EventIdConflict(
                    f"an event id in this batch is already stored with different content or position "
                    f"(stream {stream_id}); event ids must be new for new events"
                ) from None
            raise
        stamped = {r["stream_version"]: r["recorded_at"] for r in rows}
        return [e._replace(recorded_at=stamped[e.version]) for e in events]

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        rows = await self.pool.fetch(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version",
            stream_id,
            after_version,
        )
        return [row_to_event(r) for r in rows]

    async def read_stream_as_of(self, stream_id: str, instant: datetime) -> list[RecordedEvent]:
        """The stream as it stood at `instant`: the events recorded up to it."""
        rows = await self.pool.fetch(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND recorded_at <= $2 ORDER BY stream_version",
            stream_id,
            instant,
        )
        return [row_to_event(r) for r in rows]

    async def stream_version(self, stream_id: str) -> int:
        version = await self.pool.fetchval("SELECT version FROM streams WHERE stream_id = $1", stream_id)
        return int(version or 0)
