"""Audit queries, schema evolution on read, connections and migrations."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from domain.events import SignOffRevoked
from domain.upcasting import registered
from eventstore.audit import AuditQuery, audit
from eventstore.connection import create_pool, redact
from eventstore.errors import DatabaseUnavailable
from eventstore.migrate import MigrationChanged, migrate
from eventstore.store import EventStore
from tests.eventstore.factory import evidence, revoke


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


@pytest.mark.usefixtures("history")
async def test_a_time_window_pages_in_recorded_order_each_event_once(pool: asyncpg.Pool) -> None:
    """Given events whose recorded order is not their global order (appends that ran concurrently), when an
    auditor pages through a time window, then the events come in recorded order, each once, and a trainee's
    or actor's window stays in global order."""
    positions = [r["global_position"] for r in await pool.fetch("SELECT global_position FROM events")]
    base = (await pool.fetchval("SELECT min(recorded_at) FROM events")) + timedelta(days=1)
    shuffled = {
        p: base + timedelta(seconds=(7 * i) % len(positions)) for i, p in enumerate(sorted(positions))
    }
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")  # past the append-only trigger
        for position, at in shuffled.items():
            await conn.execute("UPDATE events SET recorded_at = $2 WHERE global_position = $1", position, at)
    in_recorded_order = sorted(positions, key=lambda p: (shuffled[p], p))
    assert in_recorded_order != sorted(positions)

    window = {"recorded_from": base, "recorded_to": base + timedelta(minutes=1)}
    assert [p for p, _ in await everything(pool, **window)] == in_recorded_order
    late = {"recorded_from": base + timedelta(seconds=4), "recorded_to": base + timedelta(seconds=8)}
    assert [p for p, _ in await everything(pool, **late)] == [
        p
        for p in in_recorded_order
        if base + timedelta(seconds=4) <= shuffled[p] < base + timedelta(seconds=8)
    ]
    # any position is a cursor: the page goes on after that event in recorded order
    cursor = in_recorded_order[3]
    page = await audit(pool, AuditQuery(after=cursor, limit=100, **window))
    assert [p for p, _ in page.events] == in_recorded_order[4:]
    by_actor = await everything(pool, actor_id="t-c", **window)
    assert [p for p, _ in by_actor] == sorted(p for p, _ in by_actor)
    assert len(by_actor) == 4


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
