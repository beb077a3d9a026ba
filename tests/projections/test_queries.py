"""Pending sign-offs per manager and graduations for HR appear and disappear as the events say."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from eventstore.store import EventStore
from projections.projector import run_until_caught_up
from projections.queries import PendingSignOff, graduations, pending_sign_offs
from tests.projections.journeys import (
    all_journeys,
    append_interleaved,
    expected_graduation,
    expected_pending,
    journey,
    stored_streams,
)


async def expected_by_manager(pool: asyncpg.Pool) -> dict[str, list[PendingSignOff]]:
    """What the fold of every stream says is waiting, per manager, oldest first."""
    by_manager: dict[str, list[PendingSignOff]] = {}
    for events in (await stored_streams(pool)).values():
        for p in expected_pending(events):
            by_manager.setdefault(p.assigned_to, []).append(p)
    return {m: sorted(ps, key=lambda p: (p.requested_at, p.request_id)) for m, ps in by_manager.items()}


async def test_pending_sign_offs_per_manager_appear_and_disappear_as_the_events_say(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    full = journey("t-mid", seed=6)
    half = journey("t-mid", seed=6, commands=320)
    assert full[: len(half)] == half
    await append_interleaved(
        store, [half, journey("t-risk", seed=4, evidence_per_week=1, drop_sign_offs=0.8)]
    )
    await append_interleaved(store, [journey("t-gone", seed=5, commands=150, withdraw=True)])
    await run_until_caught_up(pool)

    expected = await expected_by_manager(pool)
    assert len(expected) >= 3, "requests wait on several managers"
    for manager, waiting in expected.items():
        assert await pending_sign_offs(pool, manager, include_closed=True) == waiting
        assert await pending_sign_offs(pool, manager) == [p for p in waiting if p.trainee_id != "t-gone"], (
            "a withdrawn trainee's requests can no longer be signed off"
        )
    (mid_waiting,) = expected["plm-flexi-t-mid"]
    assert mid_waiting.trainee_id == "t-mid"
    assert await pending_sign_offs(pool, "pm-nobody") == []

    # The rest of t-mid's journey answers the request (and every later one): it leaves the manager's list.
    await append_interleaved(store, [full[len(half) :]])
    await run_until_caught_up(pool)
    assert await pending_sign_offs(pool, "plm-flexi-t-mid") == []
    after = await expected_by_manager(pool)
    assert not any(p.trainee_id == "t-mid" for ps in after.values() for p in ps)
    for manager, waiting in after.items():
        assert await pending_sign_offs(pool, manager, include_closed=True) == waiting
    assert await pool.fetchval("SELECT count(*) FROM pending_sign_offs") == sum(map(len, after.values()))


async def test_graduations_appear_when_a_trainee_graduates_and_filter_by_date(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    journeys = all_journeys()
    full = journeys["t-grad-a"]
    (graduated_at,) = [i for i, e in enumerate(full) if e.type == "TraineeGraduated"]
    others = [journeys["t-grad-b"], journeys["t-gone"], journeys["t-short"]]
    await append_interleaved(store, [full[:graduated_at], *others])
    await run_until_caught_up(pool)
    streams = await stored_streams(pool)
    expected = sorted(
        (g for g in map(expected_graduation, streams.values()) if g is not None),
        key=lambda g: (g.graduated_on, g.trainee_id),
    )
    assert [g.trainee_id for g in expected] == ["t-grad-b"], "assessed eligible is not graduated yet"
    assert await graduations(pool) == expected

    await append_interleaved(store, [full[graduated_at:]])
    await run_until_caught_up(pool)
    streams = await stored_streams(pool)
    expected = sorted(
        (g for g in map(expected_graduation, streams.values()) if g is not None),
        key=lambda g: (g.graduated_on, g.trainee_id),
    )
    assert [g.trainee_id for g in expected] == ["t-grad-b", "t-grad-a"]
    assert await graduations(pool) == expected
    assert expected[1].graduation_event_id == full[graduated_at].event_id
    first, second = expected
    assert await graduations(pool, since=first.graduated_on) == expected, "since is inclusive"
    assert await graduations(pool, since=first.graduated_on + timedelta(days=1)) == [second]
    assert await graduations(pool, since=second.graduated_on + timedelta(days=1)) == []
