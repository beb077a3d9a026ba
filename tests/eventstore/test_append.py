"""Appends: all or nothing, against the expected version, idempotent by event id; history cannot change."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from eventstore.chain import canonical_text, content_of
from eventstore.errors import ConcurrencyConflict, EventIdConflict
from eventstore.store import EventStore
from eventstore.verify import verify
from tests.eventstore.factory import append_as_the_previous_release, content_digest_of, evidence, revoke


async def count(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM events"))


async def test_appended_events_read_back_equal_with_the_stores_recorded_time(store: EventStore) -> None:
    batch = evidence("trainee-a", count=3)
    stored = await store.append("trainee-a", 0, batch)
    assert [e.version for e in stored] == [1, 2, 3]
    assert all(e.recorded_at > batch[0].recorded_at for e in stored), "recorded_at is the database's clock"
    assert await store.read_stream("trainee-a") == stored
    assert await store.read_stream("trainee-a", after_version=2) == stored[2:]
    assert await store.stream_version("trainee-a") == 3


async def test_a_stale_expected_version_raises_and_writes_nothing(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    await store.append("trainee-a", 0, evidence("trainee-a", count=2))
    with pytest.raises(ConcurrencyConflict, match="at version 2, but the append expected 1") as raised:
        await store.append("trainee-a", 1, evidence("trainee-a", after=1))
    assert (raised.value.expected, raised.value.actual) == (1, 2)
    assert await count(pool) == 2
    assert await store.stream_version("trainee-a") == 2


async def test_a_new_stream_expects_version_zero(store: EventStore, pool: asyncpg.Pool) -> None:
    with pytest.raises(ConcurrencyConflict, match="at version 0, but the append expected 3"):
        await store.append("trainee-new", 3, evidence("trainee-new", after=3))
    assert await count(pool) == 0


async def test_the_same_batch_appended_again_writes_nothing_and_returns_the_first_result(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    batch = evidence("trainee-a", count=2)
    first = await store.append("trainee-a", 0, batch)
    again = await store.append("trainee-a", 0, batch)
    assert again == first
    assert await count(pool) == 2
    assert await store.stream_version("trainee-a") == 2


async def test_an_event_id_reused_for_other_content_is_refused(store: EventStore, pool: asyncpg.Pool) -> None:
    batch = evidence("trainee-a")
    await store.append("trainee-a", 0, batch)
    other = evidence("trainee-a")[0]._replace(event_id=batch[0].event_id)
    with pytest.raises(EventIdConflict, match="different content or position"):
        await store.append("trainee-a", 0, [other])
    with pytest.raises(EventIdConflict):
        await store.append("trainee-a", 1, [other._replace(version=2)])
    assert await count(pool) == 1
    assert (await store.read_stream("trainee-a"))[0].data == batch[0].data


async def test_a_batch_is_all_or_nothing(store: EventStore, pool: asyncpg.Pool) -> None:
    taken = evidence("trainee-b")
    await store.append("trainee-b", 0, taken)
    batch = evidence("trainee-a", count=3)
    batch[2] = batch[2]._replace(event_id=taken[0].event_id)  # the third collides with another stream's event
    with pytest.raises(EventIdConflict):
        await store.append("trainee-a", 0, batch)
    assert await count(pool) == 1
    assert await store.read_stream("trainee-a") == []
    assert await store.stream_version("trainee-a") == 0


async def test_one_event_id_twice_in_a_batch_is_refused_and_nothing_is_written(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    batch = evidence("trainee-a", count=2)
    batch[1] = batch[1]._replace(event_id=batch[0].event_id)
    with pytest.raises(EventIdConflict, match="event ids must be new"):
        await store.append("trainee-a", 0, batch)
    assert await count(pool) == 0
    assert await store.stream_version("trainee-a") == 0


async def test_concurrent_writers_at_the_same_version_one_wins(store: EventStore, pool: asyncpg.Pool) -> None:
    await store.append("trainee-a", 0, evidence("trainee-a"))
    contenders = [evidence("trainee-a", after=1) for _ in range(6)]
    results = await asyncio.gather(
        *(store.append("trainee-a", 1, b) for b in contenders), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, ConcurrencyConflict)]
    assert (len(winners), len(losers)) == (1, 5)
    assert await count(pool) == 2


async def test_an_event_that_does_not_follow_the_expected_version_is_refused_before_the_database(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    with pytest.raises(ValueError, match="not trainee-a v1"):
        await store.append("trainee-a", 0, evidence("trainee-a", after=4))
    assert await count(pool) == 0


async def test_the_database_refuses_documents_that_do_not_follow_the_stream_and_writes_nothing(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    """The store checks versions before sending; the database checks again what it is sent."""
    first, second = evidence("trainee-a"), evidence("trainee-a", after=1)
    await store.append("trainee-a", 0, first)
    for stream_id, expected, event in (("trainee-b", 0, second[0]), ("trainee-a", 1, first[0])):
        with pytest.raises(asyncpg.PostgresError, match="do not follow stream") as refused:
            await pool.fetch(
                "SELECT * FROM append_batch($1, $2, $3::jsonb, $4, '[]')",
                stream_id,
                expected,
                f"[{canonical_text(**content_of(event))}]",
                content_digest_of(event),
            )
        assert refused.value.sqlstate == "GJ003"
    with pytest.raises(asyncpg.PostgresError, match="a batch of 1 events came with 31 bytes of digests"):
        await pool.fetch(
            "SELECT * FROM append_batch('trainee-a', 1, $1::jsonb, $2, '[]')",
            f"[{canonical_text(**content_of(second[0]))}]",
            bytes(31),
        )
    assert await count(pool) == 1
    assert (await store.stream_version("trainee-a"), await store.stream_version("trainee-b")) == (1, 0)


async def test_the_previous_releases_writers_and_this_ones_extend_the_same_chain(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    """Given a stream begun by a writer of the previous release (append_events, kept during an upgrade), when
    this release appends after it, then the stream reads back whole, verifies, and both batches' competencies
    are indexed alike."""
    old, new = (
        evidence("trainee-a", count=2, competency="4.1.3"),
        evidence("trainee-a", after=2, competency="4.1.3"),
    )
    await append_as_the_previous_release(pool, "trainee-a", 0, old)
    await store.append("trainee-a", 2, new)
    read = await store.read_stream("trainee-a")
    assert [content_of(e) for e in read] == [content_of(e) for e in old + new]
    report = await verify(pool, "trainee-a")
    assert (report.events, report.problems) == (3, [])
    rows = await pool.fetch(
        "SELECT competency_id, count(*) AS n FROM event_competencies GROUP BY 1 ORDER BY 1"
    )
    assert [(r["competency_id"], r["n"]) for r in rows] == [("2.2.1", 3), ("4.1.3", 3)]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET actor_id = 'someone-else'",
        "DELETE FROM events",
        "TRUNCATE events CASCADE",
        "UPDATE event_competencies SET competency_id = '9.9.9'",
        "DELETE FROM event_competencies",
    ],
)
async def test_the_database_refuses_to_change_history(
    store: EventStore, pool: asyncpg.Pool, statement: str
) -> None:
    stored = await store.append("trainee-a", 0, evidence("trainee-a") + revoke("trainee-a", after=1))
    before = await pool.fetch("SELECT * FROM events ORDER BY global_position")
    competencies = await pool.fetch("SELECT * FROM event_competencies ORDER BY competency_id")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute(statement)
    assert await pool.fetch("SELECT * FROM events ORDER BY global_position") == before
    assert await pool.fetch("SELECT * FROM event_competencies ORDER BY competency_id") == competencies
    assert await store.read_stream("trainee-a") == stored
