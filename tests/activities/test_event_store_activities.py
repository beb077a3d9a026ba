"""The journey's append activity against a real PostgreSQL: what it answers for each outcome of an append."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError

from activities.event_store import EventStoreActivities
from activities.payloads import AppendRequest
from domain.events import RecordedEvent, RecordedEventDocument
from eventstore.store import EventStore
from tests.projections.journeys import journey
from workflows.trainee_journey import as_stored


def request(events: list[RecordedEvent], expected_version: int) -> AppendRequest:
    return AppendRequest(
        stream_id=events[0].stream_id,
        expected_version=expected_version,
        events=[RecordedEventDocument.of(e) for e in events],
    )


def a_journey() -> list[RecordedEvent]:
    return list(journey(f"t-{uuid.uuid4().hex[:8]}", seed=5, commands=12))


async def test_a_written_batch_is_answered_with_the_stores_clock_only(store: EventStore) -> None:
    events = a_journey()
    # when
    result = await EventStoreActivities(store).append_events(request(events[:3], 0))
    # then: one stamp per event, the store's; the batch itself is not sent back
    stored = await store.read_stream(events[0].stream_id)
    assert result.recorded_at == [e.recorded_at for e in stored]
    assert result.events == []
    assert not result.behind
    assert not result.duplicate
    assert as_stored(events[:3], result) == stored  # what the journey folds is what the store holds


async def test_the_same_batch_again_is_answered_with_the_first_writes_stamps(store: EventStore) -> None:
    events = a_journey()
    activities = EventStoreActivities(store)
    first = await activities.append_events(request(events[:3], 0))
    stored = await store.read_stream(events[0].stream_id)
    # when: a retried activity sends the batch again
    again = await activities.append_events(request(events[:3], 0))
    # then
    assert again == first
    assert await store.read_stream(events[0].stream_id) == stored


async def test_a_command_decided_again_is_answered_with_what_was_stored(store: EventStore) -> None:
    events = a_journey()
    activities = EventStoreActivities(store)
    await activities.append_events(request(events[:3], 0))
    stored = await store.read_stream(events[0].stream_id)
    # when: a lost workflow task's retry decides the same command again, later: same event ids, new content
    later = [e._replace(occurred_at=e.occurred_at + timedelta(seconds=5)) for e in events[:3]]
    again = await activities.append_events(request(later, 0))
    # then: nothing written; the answer is the events as first stored
    assert again.duplicate
    assert again.recorded_at == []
    assert [d.recorded() for d in again.events] == stored
    assert await store.read_stream(events[0].stream_id) == stored


async def test_a_store_ahead_of_the_journey_answers_with_the_events_it_had_not_seen(
    store: EventStore,
) -> None:
    events = a_journey()
    activities = EventStoreActivities(store)
    await activities.append_events(request(events[:3], 0))
    stored = await store.read_stream(events[0].stream_id)
    # when: a journey that has folded only the first event appends other events at version 2
    other = [e._replace(event_id=uuid.uuid4()) for e in events[1:3]]
    behind = await activities.append_events(request(other, 1))
    # then: nothing written; the answer is what it had not seen
    assert behind.behind
    assert [d.recorded() for d in behind.events] == stored[1:]
    assert await store.read_stream(events[0].stream_id) == stored


async def test_a_store_behind_the_journey_is_an_error_naming_the_stream(store: EventStore) -> None:
    events = a_journey()
    with pytest.raises(ApplicationError, match=events[0].stream_id) as raised:
        await EventStoreActivities(store).append_events(request(events[2:4], 2))
    assert raised.value.type == "ConcurrencyConflict"
    assert await store.read_stream(events[0].stream_id) == []
