"""The content digest is the SHA-256 of one exact text: changing how it is computed must not change a byte."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from eventstore.chain import canonical_data, content_digest


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


@given(envelopes)
def test_a_digest_from_canonical_data_text_equals_one_from_the_data(fields: dict[str, Any]) -> None:
    as_text = dict(fields, data=canonical_data(fields["data"]))
    assert content_digest(**as_text) == content_digest(**fields)


def test_one_changed_character_changes_the_digest() -> None:
    fields: dict[str, Any] = {
        "event_id": UUID(int=1),
        "stream_id": "trainee-t1",
        "version": 1,
        "type": "EvidenceSubmitted",
        "schema_version": 1,
        "data": {"narrative": "Led the huddle"},
        "actor_id": "t1",
        "actor_role": "trainee",
        "correlation_id": "c",
        "causation_id": "c",
        "occurred_at": datetime(2026, 1, 5, 9, tzinfo=UTC),
    }
    changed = dict(fields, data={"narrative": "Led the huddle."})
    assert content_digest(**fields) != content_digest(**changed)
