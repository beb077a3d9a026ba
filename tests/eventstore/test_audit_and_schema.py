"""Audit queries, schema evolution on read, connections and migrations."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest

from domain.events import SignOffRevoked
from domain.upcasting import registered
from eventstore.audit import AuditQuery, audit
from eventstore.connection import create_pool, redact
from eventstore.errors import DatabaseUnavailable
from eventstore.migrate import MigrationChanged, migrate, migrations
from eventstore.store import EventStore
from tests.eventstore.factory import append_as_the_previous_release, evidence, revoke
from tests.postgres import fresh_database


@pytest.fixture
async def history(store: EventStore) -> None:
    await store.append("trainee-a", 0, evidence("trainee-a", count=3, competency="4.1.3", actor="t-a"))
    await store.append("trainee-b", 0, evidence("trainee-b", count=2, competency="3.1.1", actor="t-b"))
    await store.append("trainee-a", 3, revoke("trainee-a", after=3, actor="pm-1"))
    await store.append("trainee-c", 0, evidence("trainee-c", count=4, competency="4.1.3", actor="t-c"))


async def everything(pool: asyncpg.Pool, **filters: Any) -> list[tuple[int, str]]:
    """Walk every page of a query, two at a time; each row (position, stream)."""
    rows: list[tuple[int, str]] = []
    after = 0
    while True:
        page = await audit(pool, AuditQuery(after=after, limit=2, **filters))
        rows += [(position, e.stream_id) for position, e in page.events]
        if page.next_after is None:
            return rows
        after = page.next_after


@pytest.mark.usefixtures("history")
async def test_audit_queries_filter_and_page_without_repeats_or_gaps(pool: asyncpg.Pool) -> None:
    by_actor = await everything(pool, actor_id="t-a")
    assert [s for _, s in by_actor] == ["trainee-a"] * 3
    assert [s for _, s in await everything(pool, type="SignOffRevoked")] == ["trainee-a"]
    by_competency = await everything(pool, competency_id="4.1.3")
    assert [s for _, s in by_competency] == ["trainee-a"] * 4 + [
        "trainee-c"
    ] * 4  # 3 evidence + the revoke, + 4
    assert [p for p, _ in by_competency] == sorted(p for p, _ in by_competency)
    assert len(set(by_competency)) == len(by_competency)
    assert len(await everything(pool, competency_id="2.2.1")) == 9  # every evidence names 2.2.1 too
    assert await everything(pool, competency_id="9.9.9") == []
    assert len(await everything(pool)) == 10
    assert [s for _, s in await everything(pool, stream_id="trainee-b")] == ["trainee-b"] * 2


@pytest.mark.usefixtures("history")
async def test_audit_by_time_range(pool: asyncpg.Pool) -> None:
    times = await pool.fetch("SELECT recorded_at FROM events ORDER BY global_position")
    first, last = times[0]["recorded_at"], times[-1]["recorded_at"]
    assert (
        len(await everything(pool, recorded_from=first, recorded_to=last + timedelta(microseconds=1))) == 10
    )
    assert len(await everything(pool, recorded_to=first)) == 0
    assert len(await everything(pool, recorded_from=last)) == 4  # the last batch shares one recorded_at


@dataclass(frozen=True)
class Shuffled:
    """The history with its recorded times shuffled: `at` each position's time, `order` positions in
    recorded order (ties by position), `base` the earliest time."""

    base: datetime
    at: dict[int, datetime]
    order: list[int]


@pytest.fixture
async def shuffled(pool: asyncpg.Pool, history: None) -> Shuffled:
    """Events whose recorded order is not their global order, as appends that ran concurrently leave them
    (rewritten behind the append-only triggers, in both tables that hold an event's time)."""
    positions = sorted(r["global_position"] for r in await pool.fetch("SELECT global_position FROM events"))
    base = (await pool.fetchval("SELECT min(recorded_at) FROM events")) + timedelta(days=1)
    at = {p: base + timedelta(seconds=(7 * i) % len(positions)) for i, p in enumerate(positions)}
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        for position, time in at.items():
            await conn.execute(
                "UPDATE events SET recorded_at = $2 WHERE global_position = $1", position, time
            )
            await conn.execute(
                "UPDATE event_competencies SET recorded_at = $2 WHERE global_position = $1", position, time
            )
    order = sorted(positions, key=lambda p: (at[p], p))
    assert order != positions
    return Shuffled(base, at, order)


async def test_a_time_window_pages_in_recorded_order_each_event_once(
    pool: asyncpg.Pool, shuffled: Shuffled
) -> None:
    """Given events whose recorded order is not their global order, when an auditor pages through a time
    window, then the events come in recorded order, each once, and a trainee's or actor's window stays in
    global order."""
    base, at, in_recorded_order = shuffled.base, shuffled.at, shuffled.order
    window: dict[str, Any] = {"recorded_from": base, "recorded_to": base + timedelta(minutes=1)}
    assert [p for p, _ in await everything(pool, **window)] == in_recorded_order
    late = {"recorded_from": base + timedelta(seconds=4), "recorded_to": base + timedelta(seconds=8)}
    assert [p for p, _ in await everything(pool, **late)] == [
        p for p in in_recorded_order if base + timedelta(seconds=4) <= at[p] < base + timedelta(seconds=8)
    ]
    # any position is a cursor: the page goes on after that event in recorded order
    cursor = in_recorded_order[3]
    page = await audit(pool, AuditQuery(after=cursor, limit=100, **window))
    assert [p for p, _ in page.events] == in_recorded_order[4:]
    by_actor = await everything(pool, actor_id="t-c", **window)
    assert [p for p, _ in by_actor] == sorted(p for p, _ in by_actor)
    assert len(by_actor) == 4


async def test_a_competency_pages_in_recorded_order_with_or_without_a_window(
    pool: asyncpg.Pool, shuffled: Shuffled
) -> None:
    """Given events whose recorded order is not their global order, when an auditor pages through a
    competency's events, alone, in a time window or with a trainee, then they come in recorded order, each
    once, from any cursor."""
    base, at, in_recorded_order = shuffled.base, shuffled.at, shuffled.order
    concerning = {
        r["global_position"]
        for r in await pool.fetch(
            "SELECT global_position FROM event_competencies WHERE competency_id = '4.1.3'"
        )
    }
    expected = [p for p in in_recorded_order if p in concerning]
    assert len(expected) == 8
    assert expected != sorted(expected)
    assert [p for p, _ in await everything(pool, competency_id="4.1.3")] == expected
    late = {"recorded_from": base + timedelta(seconds=3), "recorded_to": base + timedelta(seconds=9)}
    in_late = [p for p in expected if base + timedelta(seconds=3) <= at[p] < base + timedelta(seconds=9)]
    assert in_late
    assert len(in_late) < len(expected)
    assert [p for p, _ in await everything(pool, competency_id="4.1.3", **late)] == in_late
    of_c = {p for p, _ in await everything(pool, stream_id="trainee-c")}
    assert [p for p, _ in await everything(pool, competency_id="4.1.3", stream_id="trainee-c")] == [
        p for p in expected if p in of_c
    ]
    page = await audit(pool, AuditQuery(competency_id="4.1.3", after=expected[2], limit=100))
    assert [p for p, _ in page.events] == expected[3:]


async def test_an_old_schema_version_is_upcast_on_read(
    store: EventStore, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SignOffRevoked stored raw at v1 (before revoked_level existed) reads as the current model (v2 here)."""
    old_data = {"type": "SignOffRevoked", "competency_id": "4.1.3", "reason": "Wrong evidence."}
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "SET LOCAL session_replication_role = replica"
        )  # a raw row, as an old version wrote it
        await conn.execute(
            "INSERT INTO events (event_id, stream_id, stream_version, type, schema_version, data, actor_id, actor_role,"
            " correlation_id, causation_id, occurred_at, recorded_at, content_digest, previous_hash, hash)"
            " VALUES ($1, 'trainee-a', 1, 'SignOffRevoked', 1, $2, 'pm-1', 'programme_manager', 'c', 'c', now(), now(),"
            " '', '', '')",
            uuid.uuid4(),
            json.dumps(old_data),
        )
    monkeypatch.setattr(SignOffRevoked, "SCHEMA_VERSION", 2)

    def add_revoked_level(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "revoked_level": 0}

    with registered("SignOffRevoked", 1, add_revoked_level):
        events = await store.read_stream("trainee-a")
    (old,) = events
    assert isinstance(old.data, SignOffRevoked)
    assert (old.schema_version, old.data.revoked_level, old.data.reason) == (2, 0, "Wrong evidence.")
    stored = await pool.fetchval("SELECT data FROM events WHERE stream_version = 1")
    assert json.loads(stored) == old_data, "stored history is never rewritten"


async def test_an_unreachable_database_is_named_without_its_password() -> None:
    url = "postgresql://gmts:s3cret@127.0.0.1:1/gmts"
    with pytest.raises(DatabaseUnavailable) as raised:
        await create_pool(url, connect_timeout_s=5)
    message = str(raised.value)
    assert "cannot reach the database at postgresql://gmts:***@127.0.0.1:1/gmts" in message
    assert "s3cret" not in message
    assert redact("postgresql://u@h/db") == "postgresql://u@h/db"


async def test_migrations_run_once_and_refuse_an_edited_one(pool: asyncpg.Pool) -> None:
    assert await migrate(pool) == []
    await pool.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE name = '0001_event_store.sql'")
    with pytest.raises(MigrationChanged, match=r"0001_event_store\.sql was changed after it was applied"):
        await migrate(pool)


async def test_a_statement_over_the_timeout_is_cancelled(database_url: str) -> None:
    pool = await create_pool(database_url, statement_timeout_ms=100)
    try:
        with pytest.raises(asyncpg.QueryCanceledError):
            await pool.execute("SELECT pg_sleep(2)")
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def pool_on_new_database(server: str, template: str, **options: Any) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a database of its own, made from `template` and dropped after."""
    async for url in fresh_database(server, template):
        pool = await create_pool(url, **options)
        try:
            yield pool
        finally:
            await pool.close()


async def test_a_migration_runs_past_the_pools_statement_timeout(
    postgres: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a pool whose statements time out after 100 ms, when a migration takes longer (as one rewriting a
    large table does), then it is applied, and the pool's timeout still holds for queries."""
    server, template = postgres
    slow = ("9999_slow.sql", "CREATE TABLE slow_marker AS SELECT pg_sleep(0.3) IS NULL AS slept")
    with_slow = [*migrations(), slow]
    monkeypatch.setattr("eventstore.migrate.migrations", lambda: with_slow)
    async with pool_on_new_database(server, template, statement_timeout_ms=100) as pool:
        assert await migrate(pool) == ["9999_slow.sql"]
        assert await pool.fetchval("SELECT slept FROM slow_marker") is False
        with pytest.raises(asyncpg.QueryCanceledError):
            await pool.execute("SELECT pg_sleep(2)")


async def test_competency_rows_written_before_they_carried_a_time_take_their_events_time(
    postgres: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a store at the schema before competency rows carried recorded_at, holding events, when it is
    migrated, then each competency row has its event's recorded time, its competency pages in full, and
    the table is append-only again."""
    server, _ = postgres
    before = [m for m in migrations() if m[0] < "0006"]
    async with pool_on_new_database(server, "template0") as pool:
        monkeypatch.setattr("eventstore.migrate.migrations", lambda: before)
        await migrate(pool)
        await append_as_the_previous_release(
            pool, "trainee-a", 0, evidence("trainee-a", count=3, competency="4.1.3")
        )
        await append_as_the_previous_release(
            pool, "trainee-b", 0, evidence("trainee-b", count=2, competency="4.1.3")
        )
        monkeypatch.undo()

        assert "0006_competencies_in_recorded_order.sql" in await migrate(pool)
        rows = await pool.fetch(
            "SELECT c.recorded_at AS own, e.recorded_at AS event FROM event_competencies c"
            " JOIN events e USING (global_position)"
        )
        assert len(rows) == 10
        assert all(r["own"] == r["event"] for r in rows)
        assert len(await everything(pool, competency_id="4.1.3")) == 5
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await pool.execute("UPDATE event_competencies SET recorded_at = now()")
