"""What activities take and return: pydantic models, carried by Temporal's pydantic data converter."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.events import RecordedEventDocument


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True)


class AppendRequest(_Payload):
    stream_id: str
    expected_version: int
    events: list[RecordedEventDocument]


class AppendResult(_Payload):
    events: list[RecordedEventDocument]
    # True when these event ids are already in the stream at other positions: the same command was applied
    # before (a client retry that reached a continued run); nothing was written.
    duplicate: bool = False


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
