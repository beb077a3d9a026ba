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
from typing import Any, TypedDict, Unpack
from uuid import UUID

GENESIS = bytes(32)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# The canonical JSON: sorted keys, no spaces, non-ASCII as is. One encoder, built once (json.dumps with
# keyword arguments builds a new one on every call).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_quote = json.encoder.encode_basestring  # what that encoder does with a str, without its Python wrapper


def _instant(dt: datetime) -> str:
    utc = dt.astimezone(UTC)
    if utc.year >= 1000:  # isoformat is several times faster than strftime, and equal from year 1000 on
        return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_data(data: Mapping[str, Any]) -> str:
    """An event's data as canonical JSON: the text its digest covers, and what the store sends (jsonb keeps
    the same value whatever the key order)."""
    return _CANONICAL(data)


class EventContent(TypedDict):
    """What the content digest covers: the whole event but `recorded_at`."""

    event_id: UUID
    stream_id: str
    version: int
    type: str
    schema_version: int
    data: Mapping[str, Any] | str
    actor_id: str
    actor_role: str
    correlation_id: str
    causation_id: str
    occurred_at: datetime


def content_digest(**content: Unpack[EventContent]) -> bytes:
    """SHA-256 of the event's canonical JSON document (`canonical_text`)."""
    return hashlib.sha256(canonical_text(**content).encode()).digest()


def canonical_text(
    *,
    event_id: UUID,
    stream_id: str,
    version: int,
    type: str,
    schema_version: int,
    data: Mapping[str, Any] | str,
    actor_id: str,
    actor_role: str,
    correlation_id: str,
    causation_id: str,
    occurred_at: datetime,
) -> str:
    """The text the content digest hashes. `data` is the event's data, or `canonical_data` of it.

    The document is joined from its parts in sorted-key order rather than built as a dict and encoded whole:
    the same text (tests/eventstore/test_chain.py holds it to `json.dumps(..., sort_keys=True)`), at a
    fraction of the cost on the append path.
    """
    data_json = data if isinstance(data, str) else _CANONICAL(data)
    return (
        f'{{"actor_id":{_quote(actor_id)},"actor_role":{_quote(actor_role)},'
        f'"causation_id":{_quote(causation_id)},"correlation_id":{_quote(correlation_id)},'
        f'"data":{data_json},"event_id":"{event_id}","occurred_at":"{_instant(occurred_at)}",'
        f'"schema_version":{int(schema_version)},"stream_id":{_quote(stream_id)},'
        f'"type":{_quote(type)},"version":{int(version)}}}'
    )


def link(previous: bytes, digest: bytes, recorded_at: datetime) -> bytes:
    delta = recorded_at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return hashlib.sha256(previous + digest + micros.to_bytes(8, "big", signed=True)).digest()
