"""The projector against the real PostgreSQL: read models equal the fold of the events, exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from domain.events import RecordedEvent
from eventstore.log import START, LogPosition, read_log
from eventstore.store import EventStore
from projections import projector as projector_module
from projections.projector import ProjectionError, Projector, lag, project_once, rebuild, run_until_caught_up
from projections.queries import at_risk, cohort_progress, freshness, trainee_progress
from tests.eventstore.factory import evidence, revoke
from tests.projections.journeys import (
    all_journeys,
    append_interleaved,
    cohort_of,
    expected_progress,
    journey,
    stored_streams,
    tables,
)


@pytest.fixture
async def journeys(store: EventStore) -> dict[str, tuple[RecordedEvent, ...]]:
    """Six trainees' journeys in two cohorts, appended interleaved."""
    everything = all_journeys()
    await append_interleaved(store, everything.values())
    return everything


@pytest.fixture
async def three(store: EventStore) -> dict[str, tuple[RecordedEvent, ...]]:
    """A graduate, a trainee at risk with requests waiting, and one half way through, in two cohorts: every
    read-model table has rows, in a third of the events (the tests that project the log several times)."""
    chosen = {tid: events for tid, events in all_journeys().items() if tid in ("t-grad-b", "t-risk", "t-mid")}
    await append_interleaved(store, chosen.values())
    return chosen


async def last_position(pool: asyncpg.Pool) -> LogPosition:
    return (await read_log(pool, START, limit=1_000_000))[-1].position


async def assert_rows_equal_the_fold(pool: asyncpg.Pool, upto: LogPosition | None = None) -> None:
    """Every progress row is what the domain derives from the trainee's stream as stored (up to `upto` in the
    log), and there is a row for exactly the enrolled trainees."""
    streams = await stored_streams(pool, upto)
    expected = {e.trainee_id: e for e in (expected_progress(events) for events in streams.values())}
    for cohort in {e.cohort for e in expected.values()}:
        rows = await cohort_progress(pool, cohort)
        assert rows == sorted(
            (e for e in expected.values() if e.cohort == cohort), key=lambda e: e.trainee_id
        )
    count = await pool.fetchval("SELECT count(*) FROM trainee_progress")
    assert count == len(expected)


async def test_cohort_progress_is_what_the_fold_of_each_stream_says(
    pool: asyncpg.Pool, journeys: dict[str, tuple[RecordedEvent, ...]]
) -> None:
    total = sum(len(events) for events in journeys.values())
    assert await lag(pool) == total
    assert await run_until_caught_up(pool) == total
    assert await lag(pool) == 0
    assert await Projector(pool).checkpoint() == await last_position(pool)
    assert (await freshness(pool)).events_behind == 0

    await assert_rows_equal_the_fold(pool)
    # The journeys were chosen to cover each outcome; check the read model shows them as the domain does.
    cohorts = {cohort_of(events) for events in journeys.values()}
    assert cohorts == {"2023-north", "2024-north"}
    rows = {r.trainee_id: r for c in cohorts for r in await cohort_progress(pool, c)}
    assert rows.keys() == journeys.keys()
    assert {r.outcome.value for r in rows.values()} == {"active", "graduated", "withdrawn"}
    assert rows["t-mid"].current_placement_id == "t-mid-flexi"
    assert rows["t-gone"].year_one_at_risk is None, "withdrawn before the year-one milestone"
    assert [r.trainee_id for r in await at_risk(pool)] == ["t-risk"]
    assert await at_risk(pool, "2023-north") == []
    assert (await trainee_progress(pool, "t-risk")) == rows["t-risk"]
    assert await trainee_progress(pool, "t-nobody") is None
    assert await project_once(pool) == 0, "nothing more to project"


async def test_batch_size_and_cache_never_change_the_rows(
    pool: asyncpg.Pool, three: dict[str, tuple[RecordedEvent, ...]]
) -> None:
    total = sum(len(events) for events in three.values())
    # Tiny batches and a one-stream cache: most streams are folded from the table, a few from the cache.
    assert await Projector(pool, batch_size=29, cache_size=1).run_until_caught_up() == total
    small = await tables(pool)
    await assert_rows_equal_the_fold(pool)
    # Without any cache: every batch reads the streams' earlier events back from the table.
    assert await Projector(pool, batch_size=101, cache_size=0).rebuild() == total
    assert await tables(pool) == small


async def test_rebuild_from_zero_gives_identical_tables(
    pool: asyncpg.Pool, three: dict[str, tuple[RecordedEvent, ...]]
) -> None:
    total = sum(len(events) for events in three.values())
    assert await run_until_caught_up(pool) == total
    before, checkpoint = await tables(pool), await Projector(pool).checkpoint()
    assert all(before.values()), "every table has rows to compare"
    assert await rebuild(pool) == total
    assert await tables(pool) == before
    assert await Projector(pool).checkpoint() == checkpoint
    assert await pool.fetchval("SELECT count(*) FROM projection_checkpoints") == 1


async def _raise(conn: Any, expected: LogPosition, to: LogPosition) -> None:
    raise RuntimeError("crash after the rows were written, before the checkpoint")


async def _kill_connection(conn: Any, expected: LogPosition, to: LogPosition) -> None:
    await conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")


@pytest.mark.parametrize(
    ("crash", "error"),
    [
        pytest.param(_raise, RuntimeError, id="exception"),
        pytest.param(
            _kill_connection, (asyncpg.PostgresError, asyncpg.InterfaceError, OSError), id="connection-killed"
        ),
    ],
)
async def test_a_crash_mid_batch_leaves_rows_and_checkpoint_consistent_and_a_rerun_finishes_exactly_once(
    pool: asyncpg.Pool,
    three: dict[str, tuple[RecordedEvent, ...]],
    monkeypatch: pytest.MonkeyPatch,
    crash: Callable[[Any, LogPosition, LogPosition], Awaitable[None]],
    error: type[BaseException] | tuple[type[BaseException], ...],
) -> None:
    total = sum(len(events) for events in three.values())
    batch = 400
    # Two batches, each by a new projector: as if the process restarted between them.
    assert await project_once(pool, batch_size=batch) == batch
    assert await project_once(pool, batch_size=batch) == batch
    after_two = await Projector(pool).checkpoint()
    before_crash = await tables(pool)

    real = projector_module._move_checkpoint
    monkeypatch.setattr(projector_module, "_move_checkpoint", crash)
    with pytest.raises(error):
        await project_once(pool, batch_size=batch)
    monkeypatch.setattr(projector_module, "_move_checkpoint", real)

    # Nothing of the failed batch is visible: rows and checkpoint are as the two batches left them, and the rows
    # are the fold of exactly the events up to the checkpoint.
    assert await Projector(pool).checkpoint() == after_two
    assert await tables(pool) == before_crash
    await assert_rows_equal_the_fold(pool, upto=after_two)
    assert await lag(pool) == total - 2 * batch

    # A new run picks up from the checkpoint: every event is consumed once in all.
    assert await run_until_caught_up(pool, batch_size=batch) == total - 2 * batch
    assert await lag(pool) == 0
    await assert_rows_equal_the_fold(pool)
    assert await Projector(pool).checkpoint() == await last_position(pool)


async def test_a_slow_concurrent_transaction_is_projected_once_it_commits(
    store: EventStore, pool: asyncpg.Pool, database_url: str
) -> None:
    early, slow_events, late = (
        journey("t-grad-a", seed=1),
        journey("t-short", seed=3),
        journey("t-mid", seed=6),
    )
    await store.append("trainee-t-grad-a", 0, early)
    slow = await asyncpg.connect(database_url)
    try:
        tx = slow.transaction()
        await tx.start()
        await EventStore(slow).append("trainee-t-short", 0, slow_events)
        await store.append("trainee-t-mid", 0, late)  # commits first, at higher positions

        assert await run_until_caught_up(pool) == len(early)
        rows = await cohort_progress(pool, "2024-north")
        assert [r.trainee_id for r in rows] == ["t-grad-a"], "nothing at or after the open transaction yet"
        assert await lag(pool) == len(late), "the committed events held back behind the open transaction"

        await tx.commit()
    finally:
        await slow.close()
    assert await run_until_caught_up(pool) == len(slow_events) + len(late)
    assert await run_until_caught_up(pool) == 0, "each event once"
    assert [r.trainee_id for r in await cohort_progress(pool, "2024-north")] == [
        "t-grad-a",
        "t-mid",
        "t-short",
    ]
    await assert_rows_equal_the_fold(pool)


async def test_a_stream_met_out_of_version_order_in_the_log_is_never_set_back(
    store: EventStore, pool: asyncpg.Pool, database_url: str
) -> None:
    """A transaction that took its id before waiting for the stream's lock appends version n+1 with a lower
    transaction id than version n's: the log hands out n+1 first."""
    events = journey("t-mid", seed=6)
    first, second = events[:40], events[40:80]
    waiting, writing = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        waiting_tx, writing_tx = waiting.transaction(), writing.transaction()
        await waiting_tx.start()
        await waiting.fetchval("SELECT pg_current_xact_id()")  # takes the lower transaction id now
        await writing_tx.start()
        await EventStore(writing).append("trainee-t-mid", 0, first)
        blocked = asyncio.create_task(EventStore(waiting).append("trainee-t-mid", 40, second))
        await asyncio.sleep(0.2)
        assert not blocked.done(), "waits for the stream's row lock"
        await writing_tx.commit()
        await blocked
        await waiting_tx.commit()
    finally:
        await waiting.close()
        await writing.close()
    order = [e.event.version for e in await read_log(pool, START)]
    assert order == list(range(41, 81)) + list(range(1, 41)), "the log holds version 41 before version 1"

    versions = []
    projector = Projector(pool, batch_size=15)
    while await projector.project_once():
        row = await trainee_progress(pool, "t-mid")
        assert row is not None
        versions.append(row.version)
    assert versions == sorted(versions), "a row never goes back to an earlier version"
    # The first batch (versions 41..55) folds versions 1..55, reading 1..40 from the table; the batches that
    # bring versions 1..40 later change nothing.
    assert versions == [55, 70, 80, 80, 80, 80]
    await assert_rows_equal_the_fold(pool)


async def test_an_event_the_fold_cannot_apply_stops_the_projector_without_moving_the_checkpoint(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    await store.append("trainee-ok", 0, evidence("trainee-ok", count=2))
    await store.append("trainee-bad", 0, revoke("trainee-bad", after=0))  # a revoke with nothing signed off
    with pytest.raises(ProjectionError, match=r"stream trainee-bad: cannot fold versions 1\.\.1"):
        await run_until_caught_up(pool)
    assert await Projector(pool).checkpoint() == START
    assert await lag(pool) == 3


async def test_follow_projects_new_events_until_stopped(store: EventStore, pool: asyncpg.Pool) -> None:
    stop = asyncio.Event()
    following = asyncio.create_task(Projector(pool, batch_size=100).follow(stop, poll_interval=0.02))
    try:
        events = journey("t-grad-b", seed=2)
        await append_interleaved(store, [events])
        for _ in range(500):
            if await lag(pool) == 0 and await trainee_progress(pool, "t-grad-b"):
                break
            await asyncio.sleep(0.02)
        assert await trainee_progress(pool, "t-grad-b") == expected_progress(
            await store.read_stream("trainee-t-grad-b")
        )
    finally:
        stop.set()
        await asyncio.wait_for(following, 5)
    assert following.result() is None
