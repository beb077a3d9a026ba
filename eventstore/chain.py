"""The hash chain that makes each stream tamper-evident.

Each event's content digest is the SHA-256 of its canonical JSON (sorted keys, no spaces, UTC timestamps with
microseconds), covering everything but `recorded_at`, which the database stamps. The chain link is
sha256(previous hash || content digest || recorded_at in microseconds since 1970, 8 bytes big-endian): the same
formula as `chain_link` in migrations/0001_event_store.sql. A stream starts from 32 zero bytes.

Leaving `recorded_at` out of the digest is what makes a retried append recognisable: the same events carry
the same digest whenever they are sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict, Unpack
from uuid import UUID

import orjson

from domain.events import RecordedEvent

GENESIS = bytes(32)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# The canonical JSON: sorted keys, no spaces, non-ASCII as is: what `json.dumps(value, sort_keys=True,
# separators=(",", ":"), ensure_ascii=False)` writes, and the definition (tests/eventstore/test_chain.py holds
# the two to each other). orjson writes that same text for what events hold (strings, integers, booleans, null,
# lists, objects) at a tenth of the cost; the standard library's encoder takes what orjson refuses (integers
# beyond 64 bits; lone surrogates, which then fail to encode either way).
_STDLIB_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_SORT_KEYS = orjson.OPT_SORT_KEYS
_ZERO = timedelta(0)


def _instant(dt: datetime) -> str:
    """UTC, microseconds, `Z`: 2025-01-06T09:00:00.000000Z."""
    if dt.utcoffset() != _ZERO:
        dt = dt.astimezone(UTC)
    if dt.year >= 1000:  # isoformat is several times faster than strftime, and equal from year 1000 on
        return dt.isoformat(timespec="microseconds")[:-6] + "Z"  # drop its "+00:00"
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class EventContent(TypedDict):
    """What the content digest covers: the whole event but `recorded_at`."""

    event_id: UUID
    stream_id: str
    version: int
    type: str
    schema_version: int
    data: Mapping[str, Any]
    actor_id: str
    actor_role: str
    correlation_id: str
    causation_id: str
    occurred_at: datetime


def content_of(event: RecordedEvent, data: Mapping[str, Any] | None = None) -> EventContent:
    """What `event`'s content digest covers. `data`: its data already dumped (`model_dump(mode="json")`),
    when the caller has it; otherwise dumped here."""
    return EventContent(
        event_id=event.event_id,
        stream_id=event.stream_id,
        version=event.version,
        type=event.type,
        schema_version=event.schema_version,
        data=event.data.model_dump(mode="json") if data is None else data,
        actor_id=event.actor_id,
        actor_role=event.actor_role.value,
        correlation_id=event.correlation_id,
        causation_id=event.causation_id,
        occurred_at=event.occurred_at,
    )


def content_digest(**content: Unpack[EventContent]) -> bytes:
    """SHA-256 of the event's canonical JSON document (`canonical_document`)."""
    return digest_of(canonical_document(**content))


def digest_of(document: bytes) -> bytes:
    """The content digest of a canonical document."""
    return hashlib.sha256(document).digest()


def canonical_text(**content: Unpack[EventContent]) -> str:
    """`canonical_document` as text."""
    return canonical_document(**content).decode()


def canonical_document(
    *,
    event_id: UUID,
    stream_id: str,
    version: int,
    type: str,
    schema_version: int,
    data: Mapping[str, Any],
    actor_id: str,
    actor_role: str,
    correlation_id: str,
    causation_id: str,
    occurred_at: datetime,
) -> bytes:
    """The UTF-8 the content digest hashes: the event but `recorded_at` as one canonical JSON object."""
    document = {
        "actor_id": actor_id,
        "actor_role": actor_role,
        "causation_id": causation_id,
        "correlation_id": correlation_id,
        "data": data,
        "event_id": str(event_id),
        "occurred_at": _instant(occurred_at),
        "schema_version": int(schema_version),
        "stream_id": stream_id,
        "type": type,
        "version": int(version),
    }
    try:
        return orjson.dumps(document, option=_SORT_KEYS)
    except orjson.JSONEncodeError:
        # Past what orjson writes (integers beyond 64 bits, lone surrogates): the definition itself.
        return _STDLIB_CANONICAL(document).encode()


def link(previous: bytes, digest: bytes, recorded_at: datetime) -> bytes:
    delta = recorded_at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return hashlib.sha256(previous + digest + micros.to_bytes(8, "big", signed=True)).digest()
