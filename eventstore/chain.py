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
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

GENESIS = bytes(32)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _instant(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_digest(
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
    text = canonical_text(
        event_id=event_id,
        stream_id=stream_id,
        version=version,
        type=type,
        schema_version=schema_version,
        data=data,
        actor_id=actor_id,
        actor_role=actor_role,
        correlation_id=correlation_id,
        causation_id=causation_id,
        occurred_at=occurred_at,
    )
    return hashlib.sha256(text.encode()).digest()


def canonical_text(
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
) -> str:
    """The text the content digest hashes (a bulk fill derives many events' texts from one template's)."""
    canonical = {
        "event_id": str(event_id),
        "stream_id": stream_id,
        "version": version,
        "type": type,
        "schema_version": schema_version,
        "data": data,
        "actor_id": actor_id,
        "actor_role": actor_role,
        "correlation_id": correlation_id,
        "causation_id": causation_id,
        "occurred_at": _instant(occurred_at),
    }
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(previous: bytes, digest: bytes, recorded_at: datetime) -> bytes:
    delta = recorded_at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return hashlib.sha256(previous + digest + micros.to_bytes(8, "big", signed=True)).digest()
