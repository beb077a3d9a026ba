"""kill -9 the worker while evidence from several trainees is in flight; a new worker takes over."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.checks import check_journeys
from tests.faults.conftest import Stack
from tests.faults.processes import eventually

pytestmark = pytest.mark.faults

TRAINEES, EACH = 6, 20


async def test_a_worker_killed_mid_update_loses_nothing_and_doubles_nothing(stack: Stack) -> None:
    clients, ledger = stack.clients, stack.clients.ledger
    trainees = await clients.enrol_cohort(TRAINEES)
    async with asyncio.TaskGroup() as load:
        for t in trainees:
            load.create_task(clients.walk(t, 0, EACH))
        await eventually("load under way", lambda: ledger.acked() >= TRAINEES * (1 + EACH // 3), 60, 0.01)
        in_flight = ledger.in_flight
        stack.worker.kill()
        acked_at_kill = ledger.acked()
        await stack.worker.start()

    assert in_flight > 0, "the worker must die with commands in flight"
    assert ledger.waited_out() > 0, "clients waited out the dead worker and sent again"
    assert acked_at_kill < ledger.acked() == TRAINEES * (1 + EACH)
    await check_journeys(stack.pool, stack.client, ledger)
