"""The global log, for followers (projector, exporters) that must see every event exactly once, in order.

Why not `global_position > last_seen`: positions come from a sequence, taken when a row is inserted, not when
its transaction commits. A slow transaction can take position 10, while position 11 commits first; a follower
that has read 11 would then skip 10 for ever.

So each event also records its writing transaction (`pg_current_xact_id()`), and a follower reads in
(transaction id, global position) order, only below `pg_snapshot_xmin(pg_current_snapshot())`: the oldest
transaction still running. Every transaction below that horizon has committed or rolled back, so nothing
can appear there later; whatever commits later has a transaction id at or above the horizon, which the
follower has not passed yet. The cost: a long-open transaction holds followers back until it ends.
"""

from __future__ import annotations

from typing import NamedTuple

import asyncpg

from domain.events import RecordedEvent, StoredEvent, from_stored
from eventstore.store import EVENT_COLUMNS


class LogPosition(NamedTuple):
    """Where a follower is: after this (transaction id, global position). `START` is before everything."""

    transaction_id: int
    global_position: int

    def __str__(self) -> str:
        return f"{self.transaction_id}:{self.global_position}"

    @classmethod
    def parse(cls, text: str) -> LogPosition:
        txid, _, position = text.partition(":")
        return cls(int(txid), int(position))


START = LogPosition(0, 0)


class LoggedEvent(asyncpg.Record):
    """A row of the global log as the driver built it: its position, and the event still as stored.

    Nothing is decoded until asked for (`stored`, `event`): a follower that only copies, counts or filters
    by type never pays for the JSON and the pydantic model; one that wants the event (the projector) asks
    for `event` once, which validates it then (and again on each access: keep what it returns).
    """

    @property
    def position(self) -> LogPosition:
        return LogPosition(self[0], self[1])

    @property
    def stored(self) -> StoredEvent:
        return StoredEvent(*self[2:])

    @property
    def event(self) -> RecordedEvent:
        return from_stored(self.stored)


async def read_log(
    conn: asyncpg.Pool | asyncpg.Connection, after: LogPosition, limit: int = 1000
) -> list[LoggedEvent]:
    """The next events after `after` that can never be preceded by a later commit."""
    rows: list[LoggedEvent] = await conn.fetch(  # asyncpg reads and writes xid8 as an int
        f"SELECT transaction_id, global_position, {EVENT_COLUMNS} FROM events"
        " WHERE (transaction_id, global_position) > ($1, $2)"
        "   AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())"
        " ORDER BY transaction_id, global_position LIMIT $3",
        after.transaction_id,
        after.global_position,
        limit,
        record_class=LoggedEvent,
    )
    return rows
