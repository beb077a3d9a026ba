"""A whole two-year journey in the time-skipping test server: three placements, evidence and sign-offs,
a reflective piece returned then accepted, the year-one milestone, graduation and HR notified, all in seconds.

Only people's commands are sent; the milestone, reminders, graduation and the HR post come from the
workflow's own durable timers."""

from __future__ import annotations

import json
import os
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
from temporalio.testing import WorkflowEnvironment

from activities.hr import SIGNATURE_HEADER, signature
from config.settings import Settings
from domain.actors import Role
from domain.commands import EnrolTrainee
from domain.evolve import fold
from domain.sample_journey import sample_journey
from domain.status import status_of
from eventstore.store import EventStore
from eventstore.verify import verify
from tests.hr_receiver import hr_receiver
from tests.workflows.driver import enrol, journey, send
from worker.build import build_worker

HISTORIES = Path(__file__).parent / "histories"


async def test_a_two_year_journey_graduates_and_reaches_hr(
    time_skipping: WorkflowEnvironment, store: EventStore, pool: asyncpg.Pool
) -> None:
    env, client = time_skipping, time_skipping.client
    trainee_id = f"t-{uuid.uuid4().hex[:8]}"
    task_queue = f"journeys-{trainee_id}"
    start = (await env.get_current_time()).date() + timedelta(days=1)
    with hr_receiver() as hr:
        settings = Settings(hr_webhook_urls=hr.url, hr_webhook_secret="s3cret", max_history_length=2_000)
        async with build_worker(client, store, settings, task_queue=task_queue):
            commands = list(sample_journey(trainee_id, start=start, evidence_per_week=2, hr_endpoints=()))
            people = [c for c in commands if c.actor.role is not Role.SYSTEM]
            first, rest = people[0], people[1:]
            assert isinstance(first, EnrolTrainee)
            await env.sleep(first.at - await env.get_current_time())
            await enrol(client, first, task_queue, max_history_length=settings.max_history_length)
            for command in rest:
                wait = command.at - await env.get_current_time()
                if wait > timedelta(0):
                    await env.sleep(wait)
                await send(client, trainee_id, command)
            handle = journey(client, trainee_id)
            live = await handle.query("status")
            await env.sleep(timedelta(days=120))  # past the Scheme's end: graduation, then HR
            outcome = await handle.result()

    assert outcome == "graduated"
    events = await store.read_stream(f"trainee-{trainee_id}")
    types = [e.type for e in events]
    assert types.count("MilestoneAssessed") == 1
    assert types.count("ReminderSent") >= 1  # the reflective window opening, at least
    assert types[-3:] == ["GraduationAssessed", "TraineeGraduated", "HRNotified"]
    assert [e.data.outcome for e in events if e.type == "ReflectivePieceReviewed"] == ["returned", "accepted"]  # type: ignore[union-attr]
    assert len({e.data.placement_id for e in events if e.type == "PlacementStarted"}) == 3  # type: ignore[union-attr]

    final = status_of(fold(events))
    assert final.outcome.value == "graduated"
    assert final.progress.percent >= 90
    assert final.personal_qualities.achieved
    assert final.graduation is not None
    assert final.graduation.hr_notified == (hr.url,)
    assert live is not None
    assert live["version"] < final.version  # the live status was read before graduation

    (post,) = hr.received
    graduated_event = next(e for e in events if e.type == "TraineeGraduated")
    assert post.headers["Idempotency-Key"] == str(graduated_event.event_id)
    assert post.headers[SIGNATURE_HEADER] == signature("s3cret", post.body)
    assert post.json()["trainee_id"] == trainee_id

    runs = await pool.fetchval(
        "SELECT count(DISTINCT causation_id) FROM events WHERE stream_id = $1", f"trainee-{trainee_id}"
    )
    assert runs >= 2, "a journey this busy continues as new at least once"
    assert (await verify(pool)).ok

    if os.environ.get("GMTS_SAVE_HISTORIES"):
        HISTORIES.mkdir(exist_ok=True)
        history = await handle.fetch_history()
        (HISTORIES / "full_journey_last_run.json").write_text(
            json.dumps(json.loads(history.to_json()), indent=1)
        )
