"""Why the event store refused: typed, with a message that says what to do."""

from __future__ import annotations


class EventStoreError(Exception):
    """Base of the store's own errors."""


class ConcurrencyConflict(EventStoreError):
    """The stream moved on since the writer read it: nothing was written; re-read and decide again."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id} is at version {actual}, but the append expected {expected}: "
            "someone else wrote first; nothing was written, reload the stream and retry the command"
        )
        self.stream_id, self.expected, self.actual = stream_id, expected, actual


class EventIdConflict(EventStoreError):
    """An event id was reused for different content or at another position: a bug in the caller."""


class DatabaseUnavailable(EventStoreError):
    """The database could not be reached; the message names the URL (without its password)."""
