"""Reminders to people. Delivery is a log line for now (no mail system is configured in this service); the
reminder itself is recorded as a ReminderSent event by the workflow, so it is visible and auditable."""

from __future__ import annotations

from temporalio import activity

from activities.payloads import Reminder


@activity.defn(name="send_reminder")
async def send_reminder(reminder: Reminder) -> None:
    activity.logger.info(
        "reminder to %s about trainee %s: %s (%s)",
        reminder.recipient,
        reminder.trainee_id,
        reminder.subject,
        reminder.idempotency_key,
    )
