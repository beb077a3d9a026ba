"""The Scheme's calendar as durable timers, in the time-skipping test server: the journey keeps one timer, for
its next deadline, and must start it again whenever a command moves that deadline, earlier or later."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from config.settings import Settings
from domain.actors import Actor, Role
from domain.commands import ExtendScheme, RequestSignOff, SubmitEvidence
from domain.events import RecordedEvent, ReminderKind, ReminderSent
from eventstore.store import EventStore
from tests.workflows.driver import PROGRAMME_MANAGER, enrol, enrolment, send, start_placement
from worker.build import build_worker


def days_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier) / timedelta(days=1)


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


async def test_a_deadline_moved_earlier_or_later_fires_when_it_is_now_due(
    time_skipping: WorkflowEnvironment, store: EventStore
) -> None:
    env, client = time_skipping, time_skipping.client
    tid = f"t-{uuid.uuid4().hex[:8]}"
    task_queue = f"calendar-{tid}"
    trainee = Actor(id=tid, role=Role.TRAINEE)

    async def events() -> list[RecordedEvent]:
        return await store.read_stream(f"trainee-{tid}")

    async with build_worker(client, store, Settings(), task_queue=task_queue):
        enrolled_at = await env.get_current_time()
        today = enrolled_at.date()
        end = today + timedelta(days=730)
        # Given a journey whose next deadline is a year away (the year-one milestone, no placement yet)
        await enrol(client, enrolment(tid, start=today, end=end), task_queue)

        # When a placement ending in 120 days starts (the milestone moves earlier, to its end), and then a
        # sign-off request is made (its 14-day reminder is earlier still)
        await start_placement(client, tid, starts_on=today, planned_end=today + timedelta(days=119))
        evidence_id = uuid.uuid4()
        await send(
            client,
            tid,
            SubmitEvidence(
                actor=trainee,
                at=datetime.now(UTC),
                evidence_id=evidence_id,
                narrative="Led it.",
                competency_ids=("4.1.3",),
            ),
        )
        requested_at = await env.get_current_time()
        await send(
            client,
            tid,
            RequestSignOff(
                actor=trainee,
                at=datetime.now(UTC),
                request_id=uuid.uuid4(),
                competency_id="4.1.3",
                evidence_ids=(evidence_id,),
            ),
        )

        # Then the reminder goes out 14 days after the request, not a year later
        await env.sleep(timedelta(days=15))
        [reminder] = [e for e in await events() if isinstance(e.data, ReminderSent)]
        assert isinstance(reminder.data, ReminderSent)
        assert reminder.data.kind is ReminderKind.SIGN_OFF_WAITING
        assert 13.9 < days_between(requested_at, reminder.occurred_at) < 15

        # And the milestone is assessed at the end of the placement
        await env.sleep(timedelta(days=110))
        [milestone] = [e for e in await events() if e.type == "MilestoneAssessed"]
        assert abs(milestone.occurred_at - midnight(today + timedelta(days=120))) < timedelta(minutes=1)

        # When the Scheme is extended by 90 days (graduation moves later)
        await send(
            client,
            tid,
            ExtendScheme(
                actor=PROGRAMME_MANAGER,
                at=datetime.now(UTC),
                new_end=end + timedelta(days=90),
                reason="Long-term sick leave in year one.",
            ),
        )
        # Then nothing is assessed at the old end, and graduation is assessed at the new one
        await env.sleep(midnight(end) - await env.get_current_time() + timedelta(days=2))
        assert [e for e in await events() if e.type == "GraduationAssessed"] == []
        await env.sleep(timedelta(days=90))
        [assessed] = [e for e in await events() if e.type == "GraduationAssessed"]
        assert abs(assessed.occurred_at - midnight(end + timedelta(days=90))) < timedelta(days=1)
