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
from domain.events import stream_id_for
from eventstore.store import EventStore
from tests.faults.checks import check_hr, check_streams
from tests.faults.processes import eventually
from tests.hr_receiver import hr_receiver
from tests.workflows.driver import graduate_today, journey
from worker.build import build_worker

pytestmark = pytest.mark.faults

WEEK = timedelta(days=7)
STEP = timedelta(hours=6)


async def test_an_hr_endpoint_down_for_a_week_gets_each_graduate_once(
    time_skipping: WorkflowEnvironment, store: EventStore
) -> None:
    env, client = time_skipping, time_skipping.client
    trainees = [f"t-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    task_queue = f"hr-week-{uuid.uuid4().hex[:8]}"

    async def notified(endpoint: str) -> bool:
        streams = [await store.read_stream(stream_id_for(t)) for t in trainees]
        return all(any(e.type == "HRNotified" and e.data.endpoint == endpoint for e in s) for s in streams)  # type: ignore[union-attr]

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
            # The clock moves only when the test moves it, and the worker works in real time: each step waits.
            await eventually(
                "the endpoint that is up notified, the other still down", lambda: notified(up.url), 60
            )
            # A week in six-hour steps: one call skipping it all outlasts its RPC deadline on a busy machine,
            # as each of its ~360 attempts runs in real time.
            for _ in range(WEEK // STEP):
                await env.sleep(STEP)
            down.down = False
            # Its next attempt is at most an hour away: move the clock on until it has been acknowledged.
            for _ in range(24):
                if sum(1 for code in down.answered if code < 300) == len(trainees):
                    break
                await env.sleep(timedelta(minutes=5))
            await eventually("the journeys closed", journeys_closed, 60)
            outcomes = [await journey(client, t).result() for t in trainees]
            streams = await check_streams(store.pool, client, trainees)  # type: ignore[arg-type]

    assert outcomes == ["graduated", "graduated"]
    for trainee_id, events in streams.items():
        check_hr(events, [down, up])
        at = {e.data.endpoint: e.occurred_at - graduated_at for e in events if e.type == "HRNotified"}  # type: ignore[union-attr]
        assert at[up.url] < timedelta(hours=1), "the endpoint that was up is not held back by the other"
        assert WEEK <= at[down.url] < WEEK + timedelta(hours=2), at
        attempts = sum(1 for r in down.received if r.json()["trainee_id"] == trainee_id)
        # Doubling from a second to an hour, then hourly: at least hourly all week, never a tight loop.
        assert 7 * 24 <= attempts <= 7 * 24 + 40, attempts
