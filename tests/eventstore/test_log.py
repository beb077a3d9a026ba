"""The follower never misses an event that a slower concurrent transaction commits later."""

from __future__ import annotations

import asyncpg

from eventstore.log import START, LogPosition, read_log
from eventstore.store import EventStore
from tests.eventstore.factory import evidence


async def follow(pool: asyncpg.Pool, after: LogPosition) -> tuple[list[str], LogPosition]:
    logged = await read_log(pool, after)
    return [e.event.stream_id for e in logged], (logged[-1].position if logged else after)


async def test_a_slow_transaction_committed_after_a_later_one_is_not_skipped(
    store: EventStore, pool: asyncpg.Pool, database_url: str
) -> None:
    await store.append("trainee-early", 0, evidence("trainee-early"))
    slow = await asyncpg.connect(database_url)
    try:
        tx = slow.transaction()
        await tx.start()
        held = await EventStore(slow).append("trainee-slow", 0, evidence("trainee-slow"))
        await store.append("trainee-late", 0, evidence("trainee-late"))  # commits, with a higher position
        late_position = await pool.fetchval(
            "SELECT global_position FROM events WHERE stream_id = 'trainee-late'"
        )
        slow_position = await slow.fetchval(
            "SELECT global_position FROM events WHERE stream_id = 'trainee-slow'"
        )
        assert slow_position < late_position, "the slow transaction took the lower position"

        seen, position = await follow(pool, START)
        assert seen == ["trainee-early"], "nothing at or after the open transaction may be handed out yet"
        naive = await pool.fetch(
            "SELECT stream_id FROM events WHERE global_position > 0 ORDER BY global_position"
        )
        assert [r["stream_id"] for r in naive] == ["trainee-early", "trainee-late"], (
            "what a position follower sees"
        )

        await tx.commit()
    finally:
        await slow.close()
    more, position = await follow(pool, position)
    assert more == ["trainee-slow", "trainee-late"]
    assert (await follow(pool, position))[0] == [], "each event once"
    assert [e.event_id for e in await store.read_stream("trainee-slow")] == [e.event_id for e in held]


async def test_a_rolled_back_append_never_reaches_a_follower(
    store: EventStore, pool: asyncpg.Pool, database_url: str
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        tx = conn.transaction()
        await tx.start()
        await EventStore(conn).append("trainee-gone", 0, evidence("trainee-gone"))
        await store.append("trainee-kept", 0, evidence("trainee-kept", count=2))
        assert (await follow(pool, START))[0] == []
        await tx.rollback()
    finally:
        await conn.close()
    seen, position = await follow(pool, START)
    assert seen == ["trainee-kept", "trainee-kept"]
    assert LogPosition.parse(str(position)) == position


async def test_the_log_pages_in_order_without_repeats(store: EventStore, pool: asyncpg.Pool) -> None:
    for n in range(5):
        await store.append(f"trainee-{n}", 0, evidence(f"trainee-{n}", count=3))
    collected: list[str] = []
    position = START
    while page := await read_log(pool, position, limit=4):
        collected += [str(e.event.event_id) for e in page]
        position = page[-1].position
    stored = await pool.fetch("SELECT event_id::text FROM events ORDER BY global_position")
    assert collected == [r["event_id"] for r in stored]


async def test_a_logged_event_is_the_stored_row_and_decodes_to_what_the_stream_read_gives(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    appended = await store.append("trainee-rows", 0, evidence("trainee-rows", count=2))
    logged = await read_log(pool, START)
    assert [e.stored.event_id for e in logged] == [e.event_id for e in appended]
    assert {e.stored.type for e in logged} == {"EvidenceSubmitted"}
    assert [e.event for e in logged] == await store.read_stream("trainee-rows")
    assert [e.position.global_position for e in logged] == sorted(e.position.global_position for e in logged)
