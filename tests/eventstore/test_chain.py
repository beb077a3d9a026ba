"""The content digest is the SHA-256 of one exact text: changing how it is computed must not change a byte."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from domain.events import DomainEvent
from eventstore.chain import content_digest


def reference_digest(**fields: Any) -> bytes:
    """The definition, as first written: the whole document as a dict, encoded with sorted keys."""
    document = dict(fields, event_id=str(fields["event_id"]))
    document["occurred_at"] = fields["occurred_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).digest()


text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
envelopes = st.fixed_dictionaries(
    {
        "event_id": st.uuids().map(UUID.__str__).map(UUID),
        "stream_id": text,
        "version": st.integers(1, 10**9),
        "type": text,
        "schema_version": st.integers(1, 99),
        "data": st.dictionaries(text, json_values, max_size=6),
        "actor_id": text,
        "actor_role": text,
        "correlation_id": text,
        "causation_id": text,
        "occurred_at": st.datetimes(
            min_value=datetime(1, 1, 2), timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))])
        ),
    }
)


@given(envelopes)
def test_the_digest_is_the_sha256_of_the_sorted_key_document(fields: dict[str, Any]) -> None:
    assert content_digest(**fields) == reference_digest(**fields)


def an_event(**data: Any) -> dict[str, Any]:
    return {
        "event_id": UUID(int=1),
        "stream_id": "trainee-t1",
        "version": 1,
        "type": "EvidenceSubmitted",
        "schema_version": 1,
        "data": data,
        "actor_id": "t1",
        "actor_role": "trainee",
        "correlation_id": "c",
        "causation_id": "c",
        "occurred_at": datetime(2026, 1, 5, 9, tzinfo=UTC),
    }


def test_one_changed_character_changes_the_digest() -> None:
    fields = an_event(narrative="Led the huddle")
    changed = an_event(narrative="Led the huddle.")
    assert content_digest(**fields) != content_digest(**changed)


def test_data_past_what_the_fast_encoder_writes_digests_as_the_definition_says() -> None:
    """Integers beyond 64 bits take the slower path to the same text."""
    fields = an_event(hours=2**70, narrative="Ran the ward round")
    assert content_digest(**fields) == reference_digest(**fields)


def test_no_event_carries_a_number_the_fast_encoder_could_write_differently() -> None:
    """orjson and the standard library write some floats differently (1e+16 against 1e16): events hold none."""
    schema = TypeAdapter(DomainEvent).json_schema()
    numbers = [path for path, node in _nodes(schema, "") if node.get("type") == "number"]
    assert numbers == []


def _nodes(node: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        found = [(path, node)]
        for key, child in node.items():
            found += _nodes(child, f"{path}/{key}")
        return found
    if isinstance(node, list):
        return [n for i, child in enumerate(node) for n in _nodes(child, f"{path}/{i}")]
    return []
