"""kill -9 the Temporal dev server while evidence from several trainees is in flight; start it again on the same
port with the same SQLite file, once clients have timed out waiting. The worker and the API reconnect by
themselves; the clients' requests sent again are applied once."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.checks import check_journeys
from tests.faults.conftest import Stack
from tests.faults.processes import eventually

pytestmark = pytest.mark.faults

TRAINEES, EACH = 6, 20


async def test_temporal_restarted_under_load_loses_nothing_and_doubles_nothing(stack: Stack) -> None:
    clients, ledger = stack.clients, stack.clients.ledger
    trainees = await clients.enrol_cohort(TRAINEES)
    async with asyncio.TaskGroup() as load:
        for t in trainees:
            load.create_task(clients.walk(t, 0, EACH))
        await eventually("load under way", lambda: ledger.acked() >= TRAINEES * (1 + EACH // 3), 60, 0.01)
        in_flight = ledger.in_flight
        stack.temporal.kill()
        acked_at_kill = ledger.acked()
        # Down until clients have given up on an answer at least once (and sent again, into the void).
        await eventually("a client waited in vain", lambda: ledger.waited_out() > 0, 60)
        await stack.temporal.start()

    assert in_flight > 0, "Temporal must die with commands in flight"
    assert acked_at_kill < ledger.acked() == TRAINEES * (1 + EACH)
    assert (stack.worker.running, stack.api.running) == (True, True), (
        "the worker and the API lived through it"
    )
    await check_journeys(stack.pool, await stack.temporal.client(), ledger)
