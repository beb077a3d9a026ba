"""Clients sending the same request again, same Idempotency-Key: at once (retries overtaking each other), after
a 503 command_pending or their own timeout while no worker ran, and long after its answer. Each command is
applied once."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from domain.events import stream_id_for
from tests.faults.checks import check_journeys
from tests.faults.conftest import COMMAND_WAIT_S, Stack
from workflows.journey_input import workflow_id_for

pytestmark = pytest.mark.faults

TRAINEES, COPIES = 4, 4


async def test_the_same_request_again_is_applied_once(stack: Stack) -> None:
    clients, ledger = stack.clients, stack.clients.ledger
    trainees = [f"t-{uuid.uuid4().hex[:8]}" for _ in range(TRAINEES)]

    async def at_once(trainee_id: str) -> None:
        await clients.race(clients.enrolment(trainee_id), COPIES)
        for n in range(3):
            await clients.race(clients.evidence(trainee_id, n), COPIES)

    await asyncio.gather(*(at_once(t) for t in trainees))

    # No worker: the requests reach Temporal and wait there. The API answers 503 command_pending once it has
    # waited GMTS_COMMAND_WAIT_S; a client that gives up sooner times out. Both send again later.
    stack.worker.stop()
    waiting = [ledger.record(clients.evidence(t, 3)) for t in trainees]
    started = time.monotonic()
    answered = await asyncio.gather(*(clients.attempt(s) for s in waiting))
    assert not any(answered)
    assert time.monotonic() - started < COMMAND_WAIT_S + 2
    answered = await asyncio.gather(*(clients.attempt(s, timeout_s=1.0) for s in waiting))
    assert not any(answered)
    for t in trainees:  # each request reached Temporal: its journey has a workflow task waiting for a worker
        described = await stack.client.get_workflow_handle(workflow_id_for(t)).describe()
        assert described.raw_description.HasField("pending_workflow_task")
    # Nothing was written meanwhile: enrolment and three pieces of evidence each.
    assert (
        await stack.pool.fetchval(
            "SELECT count(*) FROM events WHERE stream_id = ANY($1::text[])",
            [stream_id_for(t) for t in trainees],
        )
        == TRAINEES * 4
    )
    await stack.worker.start()
    await asyncio.gather(*(clients.until_acknowledged(s) for s in waiting))

    # Long after their answers: every request once more, each answered as the first time.
    first_answers = {s.key: s.acked_version for s in ledger.all()}
    await asyncio.gather(*(clients.attempt(s) for s in ledger.all()))

    assert all(s.outcomes[:2] == ["503 command_pending", "timeout"] for s in waiting)
    assert all(s.retry_after[:1] == ["5"] for s in waiting)
    assert {s.key: s.acked_version for s in ledger.all()} == first_answers
    assert ledger.acked() == TRAINEES * 5
    streams = await check_journeys(stack.pool, stack.client, ledger)
    assert all(len(events) == 5 for events in streams.values())
