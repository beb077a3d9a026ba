"""What must hold after every fault, checked against the store itself:

- every acknowledged command is in its trainee's stream exactly once, at the version its acknowledgement named,
  in the order its client sent it; a command never acknowledged is there at most once; nothing else is there
  but the journey's own events;
- every stream's hash chain verifies;
- the status replayed from the store equals the workflow's live status (its query);
- each HR endpoint got each graduate once: one record acknowledged, every post with the graduation event's id
  as its Idempotency-Key, and one HRNotified recorded per endpoint.
"""

from __future__ import annotations

from collections import defaultdict

import asyncpg
from temporalio.client import Client

from domain.actors import Role
from domain.events import RecordedEvent, stream_id_for
from domain.evolve import fold
from domain.status import status_of
from eventstore.store import EventStore
from eventstore.verify import verify
from tests.faults.load import PROBLEM, RETRYABLE, Ledger
from tests.hr_receiver import HRReceiver
from workflows.journey_input import workflow_id_for


def idempotency_key_of(event: RecordedEvent) -> str:
    """The client's Idempotency-Key: the correlation id is the update id, the key and a digest of the request
    (api/gateway.py update_id)."""
    key, _, digest = event.correlation_id.rpartition(":")
    return key if key and len(digest) == 32 else event.correlation_id


def check_commands(trainee_id: str, events: list[RecordedEvent], ledger: Ledger) -> None:
    sent = ledger.sent[trainee_id]
    by_key: dict[str, list[RecordedEvent]] = defaultdict(list)
    for e in events:
        by_key[idempotency_key_of(e)].append(e)
    assert [e.version for e in events] == list(range(1, len(events) + 1)), f"{trainee_id}: versions have gaps"
    acked_versions = []
    for s in sent:
        recorded = by_key.pop(s.key, [])
        assert len(recorded) <= 1, f"{s.key} is recorded {len(recorded)} times (attempts: {s.outcomes})"
        if s.acked_version is None:
            continue
        assert recorded, (
            f"{s.key} was acknowledged at v{s.acked_version} but is not in the store ({s.outcomes})"
        )
        (event,) = recorded
        assert event.type == s.event_type, f"{s.key} recorded a {event.type}, not a {s.event_type}"
        assert event.version == s.acked_version, (
            f"{s.key} was acknowledged at v{s.acked_version} but is stored at v{event.version} ({s.outcomes})"
        )
        acked_versions.append(event.version)
    assert acked_versions == sorted(acked_versions), f"{trainee_id}: commands stored out of the order sent"
    strangers = [e for events_ in by_key.values() for e in events_ if e.actor_role is not Role.SYSTEM]
    assert not strangers, (
        f"{trainee_id}: events no client sent: {[(e.type, e.correlation_id) for e in strangers]}"
    )


def check_answers(ledger: Ledger) -> None:
    """While a part was down, clients saw an acknowledgement, a timeout, or a retryable problem: never a 500."""
    allowed = {"timeout", "transport ConnectError", "transport ReadError", "transport RemoteProtocolError"}
    for s in ledger.all():
        for outcome in s.outcomes:
            status, _, rest = outcome.partition(" ")
            ok = outcome in allowed or status in {"200", "201"} or (status == "503" and rest in RETRYABLE)
            assert ok, (
                f"{s.key} was answered {outcome!r} (all: {s.outcomes}); retryable problems are {PROBLEM}"
            )


async def check_streams(
    pool: asyncpg.Pool, client: Client, trainee_ids: list[str]
) -> dict[str, list[RecordedEvent]]:
    """Every hash chain verifies and each journey's live status equals the status replayed from its stream
    (the query needs a worker running); returns the streams."""
    store = EventStore(pool)
    streams = {}
    for trainee_id in trainee_ids:
        events = await store.read_stream(stream_id_for(trainee_id))
        live = await client.get_workflow_handle(workflow_id_for(trainee_id)).query("status")
        replayed = status_of(fold(events)).model_dump(mode="json")
        assert live == replayed, f"{trainee_id}: the live status differs from the replayed one"
        streams[trainee_id] = events
    report = await verify(pool)
    assert report.ok, report.problems
    assert report.streams >= len(trainee_ids)
    return streams


async def check_journeys(
    pool: asyncpg.Pool, client: Client, ledger: Ledger
) -> dict[str, list[RecordedEvent]]:
    """All the checks for every trainee in the ledger; returns their streams for scenario-specific checks."""
    streams = await check_streams(pool, client, list(ledger.sent))
    for trainee_id, events in streams.items():
        check_commands(trainee_id, events, ledger)
    check_answers(ledger)
    return streams


def check_hr(events: list[RecordedEvent], receivers: list[HRReceiver]) -> None:
    """One graduate's record reached each endpoint once, always under the graduation event's id."""
    (graduated,) = [e for e in events if e.type == "TraineeGraduated"]
    trainee_id = graduated.stream_id.removeprefix("trainee-")
    notified = [e for e in events if e.type == "HRNotified"]
    assert sorted(e.data.endpoint for e in notified) == sorted(r.url for r in receivers)  # type: ignore[union-attr]
    for receiver in receivers:
        mine = [
            (r, code)
            for r, code in zip(receiver.received, receiver.answered, strict=True)
            if r.json()["trainee_id"] == trainee_id
        ]
        assert mine, f"{receiver.url} never heard of {trainee_id}"
        assert {r.headers["Idempotency-Key"] for r, _ in mine} == {str(graduated.event_id)}
        answered = [code for _, code in mine]
        assert sum(1 for code in answered if code < 300) == 1, f"{receiver.url} acknowledged {answered}"
        assert answered[-1] < 300, f"{receiver.url} was posted to after acknowledging: {answered}"
