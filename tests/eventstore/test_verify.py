"""Tamper evidence: a row altered behind the trigger's back is found and named."""

from __future__ import annotations

import re

import asyncpg
import pytest

from eventstore.store import EventStore
from eventstore.verify import verify
from tests.eventstore.factory import evidence


async def tamper(pool: asyncpg.Pool, sql: str) -> None:
    """What only a superuser could do: change history with triggers (append-only, foreign keys) switched off."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(sql)


@pytest.fixture
async def two_streams(store: EventStore) -> None:
    await store.append("trainee-a", 0, evidence("trainee-a", count=4))
    await store.append("trainee-b", 0, evidence("trainee-b", count=2))


@pytest.mark.usefixtures("two_streams")
async def test_an_untouched_store_verifies(pool: asyncpg.Pool) -> None:
    report = await verify(pool)
    assert report.ok, report.problems
    assert (report.streams, report.events) == (2, 6)
    one = await verify(pool, "trainee-b")
    assert (one.ok, one.streams, one.events) == (True, 1, 2)


@pytest.mark.usefixtures("two_streams")
@pytest.mark.parametrize(
    ("change", "finding"),
    [
        (
            "UPDATE events SET data = jsonb_set(data, '{narrative}', '\"rewritten\"') WHERE stream_version = 2",
            "version 2 .*content no longer matches its digest",
        ),
        (
            "UPDATE events SET recorded_at = recorded_at - interval '1 day' WHERE stream_version = 3",
            "version 3 .*hash does not match the chain",
        ),
        (
            "UPDATE events SET actor_id = 'pm-impostor' WHERE stream_version = 1",
            "version 1 .*content no longer matches",
        ),
    ],
)
async def test_an_altered_event_is_reported_with_its_stream_and_version(
    pool: asyncpg.Pool, change: str, finding: str
) -> None:
    await tamper(pool, change + " AND stream_id = 'trainee-a'")
    report = await verify(pool)
    assert not report.ok
    assert len(report.problems) == 1, report.problems
    assert report.problems[0].startswith("stream trainee-a version")
    assert re.search(finding, report.problems[0]), report.problems[0]
    assert (await verify(pool, "trainee-b")).ok


@pytest.mark.usefixtures("two_streams")
async def test_a_deleted_event_is_reported(pool: asyncpg.Pool) -> None:
    await tamper(pool, "DELETE FROM events WHERE stream_id = 'trainee-a' AND stream_version = 2")
    report = await verify(pool, "trainee-a")
    assert len(report.problems) == 1, report.problems
    assert report.problems[0].startswith("stream trainee-a version 3 (event ")
    assert report.problems[0].endswith("version 2 is missing")


@pytest.mark.usefixtures("two_streams")
async def test_a_missing_last_event_shows_at_the_stream_head(pool: asyncpg.Pool) -> None:
    await tamper(pool, "DELETE FROM events WHERE stream_id = 'trainee-b' AND stream_version = 2")
    report = await verify(pool)
    assert len(report.problems) == 1
    assert (
        "stream trainee-b: its head (version 2) does not match its last event (version 1)"
        in report.problems[0]
    )


async def test_an_unknown_stream_is_reported(pool: asyncpg.Pool) -> None:
    assert (await verify(pool, "trainee-nobody")).problems == ["stream trainee-nobody does not exist"]
