"""What activities take and return: pydantic models, carried by Temporal's pydantic data converter."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from domain.events import RecordedEventDocument


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True)


class AppendRequest(_Payload):
    stream_id: str
    expected_version: int
    events: list[RecordedEventDocument]


class AppendResult(_Payload):
    """What the journey folds. When the batch was written as sent, only the store's clock differs from what the
    journey holds: `recorded_at`, one per event, in order (the batch itself is not sent back: it would be
    recorded in the journey's history a second time, for every command). Otherwise `events`: the events the
    journey had not seen (written by an attempt of a workflow task that was then lost), or, in runs recorded
    before `recorded_at`, the batch as stored."""

    events: list[RecordedEventDocument] = []
    recorded_at: list[AwareDatetime] = []
    # True when these event ids are already in the stream: the same command was applied before (a client retry
    # that reached a continued run, or an attempt whose workflow task was lost); nothing was written.
    duplicate: bool = False
    # True when the stream had moved past the expected version with other events: nothing was written; the
    # journey folds `events` and decides the command again.
    behind: bool = False


class LoadRequest(_Payload):
    stream_id: str
    after_version: int = 0
    limit: int = 500


class GraduationRecord(_Payload):
    """What HR receives: the graduate, and the facts of the graduation with the event that recorded it."""

    graduation_event_id: UUID
    trainee_id: str
    name: str
    specialism: str
    cohort: str
    framework: str
    scheme_start: date
    scheme_end: date
    graduated_on: date
    competencies_achieved: int
    competencies_applicable: int


class HRDelivery(_Payload):
    endpoint: str
    record: GraduationRecord


class HRDelivered(_Payload):
    endpoint: str
    status_code: int


class Reminder(_Payload):
    trainee_id: str
    recipient: str
    subject: str
    message: str
    idempotency_key: str
