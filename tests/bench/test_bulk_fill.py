"""The bulk fill (bench/bulk_fill.py) writes what the store itself would have: every hash chain verifies, every
stream decodes and folds, the competency index matches the store's rule, journeys interleave by recorded time,
and the store appends after a fill as after its own appends."""

from __future__ import annotations

import json
from datetime import timedelta

import asyncpg

from bench.bulk_fill import Journey, fill, templates, trainee_id, write
from domain.evolve import fold
from domain.state import Outcome
from eventstore.store import EventStore
from eventstore.verify import verify
from tests.eventstore.factory import evidence


async def test_a_fill_verifies_decodes_and_indexes_as_the_store_would(pool: asyncpg.Pool) -> None:
    first = await fill(pool, 2_500, log=lambda _: None)
    second = await fill(pool, 1_500, first_trainee=first.next_trainee, log=lambda _: None)
    assert (first.events, second.events) == (2_500, 1_500)
    assert second.last_position == 4_000

    report = await verify(pool)
    assert report.ok, report.problems[:3]
    assert (report.streams, report.events) == (second.next_trainee, 4_000)

    store = EventStore(pool)
    for k in range(second.next_trainee):
        events = await store.read_stream(f"trainee-{trainee_id(k)}")
        state = fold(events)
        assert state.trainee_id == trainee_id(k)
        assert state.version == len(events) == await store.stream_version(f"trainee-{trainee_id(k)}")
        assert {e.actor_id for e in events} <= {
            trainee_id(k),
            f"pm-{k // 50:04d}",
            "system",
            *(f"plm-{p}-{trainee_id(k)}" for p in ("operational", "flexi", "strategic")),
        }

    # The competency index holds what the store's append would have put there, position for position.
    rows = await pool.fetch(
        "SELECT global_position, recorded_at, data::text AS data FROM events ORDER BY global_position"
    )
    expected = set()
    for r in rows:
        data = json.loads(r["data"])
        for cid in [
            *data.get("competency_ids", ()),
            *([data["competency_id"]] if "competency_id" in data else []),
        ]:
            expected.add((cid, r["recorded_at"], r["global_position"]))
    indexed = {
        (r["competency_id"], r["recorded_at"], r["global_position"])
        for r in await pool.fetch("SELECT * FROM event_competencies")
    }
    assert indexed == expected

    # Within each fill, the global log follows recorded time (journeys interleave as they would in service).
    for low, high in ((1, 2_500), (2_501, 4_000)):
        times = await pool.fetch(
            "SELECT recorded_at FROM events WHERE global_position BETWEEN $1 AND $2 ORDER BY global_position",
            low,
            high,
        )
        assert [t["recorded_at"] for t in times] == sorted(t["recorded_at"] for t in times)
    assert (
        len(
            {
                r["stream_id"]
                for r in await pool.fetch("SELECT stream_id FROM events WHERE global_position <= 20")
            }
        )
        > 1
    )

    # The store's own append comes after the fill.
    [stored] = await store.append("trainee-t-new", 0, evidence("trainee-t-new"))
    position = await pool.fetchval("SELECT global_position FROM events WHERE event_id = $1", stored.event_id)
    assert position == 4_001


async def test_a_whole_journey_graduates_and_its_hr_record_names_its_own_graduation(
    pool: asyncpg.Pool,
) -> None:
    template = templates()[0]
    journey = Journey(7, template, len(template), timedelta(minutes=3))
    written, _ = await write(pool, [journey], log=lambda _: None)
    assert written == len(template)
    assert (await verify(pool)).ok

    events = await EventStore(pool).read_stream(journey.stream_id)
    state = fold(events)
    assert state.outcome is Outcome.GRADUATED
    graduation = state.graduation
    assert graduation is not None
    hr = [e for e in events if e.type == "HRNotified"]
    assert hr
    assert all(getattr(e.data, "graduation_event_id", None) == graduation.graduation_event_id for e in hr)
    assert graduation.graduation_event_id in {e.event_id for e in events}
    assert all(e.recorded_at - e.occurred_at >= timedelta(minutes=3) for e in events)
    assert [e.recorded_at for e in events] == sorted({e.recorded_at for e in events}), (
        "recorded in stream order"
    )
