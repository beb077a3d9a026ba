"""Assemble a worker from a Temporal client, the event store and the settings (used by `gmts worker` and tests)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.worker import Worker

from activities.event_store import EventStoreActivities
from activities.hr import HRActivities
from activities.reminders import send_reminder
from config.settings import Settings
from domain.framework import shipped_frameworks
from eventstore.store import EventStore
from worker.runner import journey_runner
from workflows.trainee_journey import TraineeJourneyWorkflow


def build_worker(
    client: Client,
    store: EventStore,
    settings: Settings,
    *,
    task_queue: str | None = None,
    store_activities: EventStoreActivities | None = None,
) -> Worker:
    # Load the framework data now, outside the workflow sandbox: replays then find it cached.
    shipped_frameworks()
    journal = store_activities or EventStoreActivities(store)
    hr = HRActivities(settings.hr_webhook_secret, settings.hr_endpoints)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[TraineeJourneyWorkflow],
        workflow_runner=journey_runner(client.data_converter),
        max_cached_workflows=settings.worker_cached_journeys,
        nonsticky_to_sticky_poll_ratio=settings.worker_new_journey_polls,
        activities=[journal.append_events, journal.load_stream, hr.hr_endpoints, hr.notify_hr, send_reminder],
    )
