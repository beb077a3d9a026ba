"""An HR endpoint down (503) for a simulated week, on the time-skipping test server so the journey's real retry
policy runs (first retry after 1 s, doubling, at most an hour apart, for 14 days); a second endpoint is up.
Each endpoint gets each graduate exactly once, always under the graduation event's id."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from config.settings import Settings
from eventstore.store import EventStore
from tests.faults.checks import check_hr, check_streams
from tests.hr_receiver import hr_receiver
from tests.workflows.driver import graduate_today, journey
from worker.build import build_worker

pytestmark = pytest.mark.faults

WEEK = timedelta(days=7)


async def test_an_hr_endpoint_down_for_a_week_gets_each_graduate_once(
    time_skipping: WorkflowEnvironment, store: EventStore
) -> None:
    env, client = time_skipping, time_skipping.client
    trainees = [f"t-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    task_queue = f"hr-week-{uuid.uuid4().hex[:8]}"

    async def journeys_closed() -> bool:
        described = [await journey(client, t).describe() for t in trainees]
        return all(d.status is not WorkflowExecutionStatus.RUNNING for d in described)

    with hr_receiver() as down, hr_receiver() as up:
        down.down = True
        settings = Settings(hr_webhook_urls=f"{down.url},{up.url}", hr_webhook_secret="s3cret")
        async with build_worker(client, store, settings, task_queue=task_queue):
            today = (await env.get_current_time()).date()
            await asyncio.gather(*(graduate_today(client, t, task_queue, today=today) for t in trainees))
            graduated_at = await env.get_current_time()
            await env.sleep(WEEK)
            down.down = False
            # Retries are at most an hour apart. The test server skips time only when told to while an activity
            # waits for its next attempt (handle.result() alone would wait in real time), so step through it.
            for _ in range(8):
                await env.sleep(timedelta(minutes=15))
                if await journeys_closed():
                    break
            outcomes = [await journey(client, t).result() for t in trainees]
            streams = await check_streams(store.pool, client, trainees)  # type: ignore[arg-type]

    assert outcomes == ["graduated", "graduated"]
    for trainee_id, events in streams.items():
        check_hr(events, [down, up])
        notified = {e.data.endpoint: e.occurred_at - graduated_at for e in events if e.type == "HRNotified"}  # type: ignore[union-attr]
        assert notified[up.url] < timedelta(hours=1), "the endpoint that was up is not held back by the other"
        assert WEEK <= notified[down.url] < WEEK + timedelta(hours=2), notified
        attempts = sum(1 for r in down.received if r.json()["trainee_id"] == trainee_id)
        # Doubling from a second to an hour, then hourly: at least hourly all week, never a tight loop.
        assert 7 * 24 <= attempts <= 7 * 24 + 40, attempts
