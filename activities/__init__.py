"""Every side effect of a trainee's journey: the event store, HR systems, reminders. Workflows call only these."""
