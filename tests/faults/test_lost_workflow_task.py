"""A workflow task that appended and was then lost (its worker killed, Temporal restarted) leaves the store ahead
of the journey. Here that attempt is written exactly, behind the journey's back, so the catch-up is tested
without depending on when a kill lands (test_worker_killed.py does it for real)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from config.settings import Settings
from domain.actors import Actor, Role
from domain.commands import SubmitEvidence
from domain.decide import decide
from domain.events import record, stream_id_for
from domain.evolve import fold
from domain.status import status_of
from eventstore.store import EventStore
from tests.workflows.driver import enrol, enrolment, journey, send
from worker.build import build_worker
from workflows.event_ids import event_ids

pytestmark = pytest.mark.faults


def evidence(trainee_id: str, n: int) -> SubmitEvidence:
    return SubmitEvidence(
        actor=Actor(id=trainee_id, role=Role.TRAINEE),
        at=datetime.now(UTC),
        evidence_id=uuid.uuid5(uuid.NAMESPACE_OID, f"{trainee_id}/{n}"),
        narrative=f"Evidence number {n}",
        competency_ids=("4.1.3",),
    )


async def lost_attempt(store: EventStore, run_id: str, command: SubmitEvidence, update_id: str) -> None:
    """Append what the journey's handler would have for `update_id`, decided a minute earlier: the lost attempt
    had another workflow time, so another content digest than the retry will have."""
    trainee_id = command.actor.id
    stream_id = stream_id_for(trainee_id)
    events = await store.read_stream(stream_id)
    earlier = datetime.now(UTC) - timedelta(minutes=1)
    decided = decide(fold(events), command.model_copy(update={"at": earlier}))
    await store.append(
        stream_id,
        len(events),
        record(
            decided,
            stream_id=stream_id,
            after_version=len(events),
            actor=command.actor,
            occurred_at=earlier,
            recorded_at=earlier,
            correlation_id=update_id,
            causation_id=run_id,
            event_ids=event_ids(trainee_id, update_id, len(decided)),
        ),
    )


async def test_a_journey_behind_its_stream_catches_up_and_applies_each_command_once(
    dev_server: WorkflowEnvironment, store: EventStore
) -> None:
    client = dev_server.client
    tid = f"t-{uuid.uuid4().hex[:8]}"
    task_queue = f"lost-{tid}"
    today = datetime.now(UTC).date()
    async with build_worker(client, store, Settings(), task_queue=task_queue):
        await enrol(client, enrolment(tid, start=today, end=today + timedelta(days=700)), task_queue)
        run_id = (await journey(client, tid).describe()).run_id
        assert run_id is not None

        # The lost attempt of update u-1, then its retry: acknowledged at the version the store holds it at.
        await lost_attempt(store, run_id, evidence(tid, 1), "u-1")
        retried = await send(client, tid, evidence(tid, 1), update_id="u-1")

        # The lost attempt of u-2, whose client gave up; the next command, u-3, meets a store one ahead.
        await lost_attempt(store, run_id, evidence(tid, 2), "u-2")
        after = await send(client, tid, evidence(tid, 3), update_id="u-3")

        # u-2's client comes back after all: its events are in the stream, so it is answered (with the journey as
        # it is now) and nothing is decided or written again.
        again = await send(client, tid, evidence(tid, 2), update_id="u-2")
        live = await journey(client, tid).query("status")

    events = await store.read_stream(stream_id_for(tid))
    assert [(e.version, e.correlation_id) for e in events[1:]] == [(2, "u-1"), (3, "u-2"), (4, "u-3")]
    assert (retried.version, after.version, again.version) == (2, 4, 4)
    assert live == status_of(fold(events)).model_dump(mode="json")
