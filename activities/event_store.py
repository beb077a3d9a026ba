"""The journey's reads and writes of its stream, as activities (retried by Temporal, idempotent by event id)."""

from __future__ import annotations

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.payloads import AppendRequest, AppendResult, LoadRequest
from domain.events import RecordedEventDocument
from eventstore.errors import ConcurrencyConflict, EventIdConflict
from eventstore.store import EventStore


class EventStoreActivities:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    @activity.defn(name="append_events")
    async def append_events(self, request: AppendRequest) -> AppendResult:
        """Append a command's events. A retry of this activity sends the same event ids, so it writes once.

        The journey is its stream's only writer, yet the store can be ahead of it: a workflow task that appended
        and was then lost (its worker killed, Temporal restarted) leaves events the journey never folded, and
        its retry decides again at another time (so another content digest). Then the answer carries the events
        the journey has not seen, so it catches up with its stream instead of refusing every command after."""
        events = [d.recorded() for d in request.events]
        try:
            stored = await self.store.append(request.stream_id, request.expected_version, events)
        except EventIdConflict as exc:
            ids = [e.event_id for e in events]
            present = await self.store.pool.fetchval(
                "SELECT count(*) FROM events WHERE stream_id = $1 AND event_id = ANY($2::uuid[])",
                request.stream_id,
                ids,
            )
            if present == len(ids):
                return AppendResult(events=await self._unseen(request), duplicate=True)
            raise ApplicationError(str(exc), type="EventIdConflict", non_retryable=True) from exc
        except asyncpg.DataError as exc:
            # The database refuses this content (e.g. text it cannot store): retrying cannot help, and would hold
            # the journey's lock for ever. Fail the command instead.
            raise ApplicationError(
                f"the event store refused these events: {exc}",
                type="EventRejectedByStore",
                non_retryable=True,
            ) from exc
        except ConcurrencyConflict as exc:
            if exc.actual > exc.expected:  # events the journey has not seen: it catches up and decides again
                return AppendResult(events=await self._unseen(request), behind=True)
            # Behind what the journey has seen: events are missing from the store. Say so.
            raise ApplicationError(str(exc), type="ConcurrencyConflict", non_retryable=True) from exc
        return AppendResult(recorded_at=[e.recorded_at for e in stored])

    async def _unseen(self, request: AppendRequest) -> list[RecordedEventDocument]:
        return [
            RecordedEventDocument.of(e)
            for e in await self.store.read_stream(request.stream_id, request.expected_version)
        ]

    @activity.defn(name="load_stream")
    async def load_stream(self, request: LoadRequest) -> list[RecordedEventDocument]:
        events = await self.store.read_stream(request.stream_id, request.after_version)
        return [RecordedEventDocument.of(e) for e in events[: request.limit]]
