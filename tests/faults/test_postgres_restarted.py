"""Stop PostgreSQL under load (`pg_ctl stop -m fast`, then `-m immediate`, a crash) and start it again on the
same socket. While it is down, commands wait (their appends are retried) and reads get a clear 503; after,
every journey carries on and the checks hold."""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.faults.checks import check_journeys
from tests.faults.conftest import Stack
from tests.faults.processes import eventually

pytestmark = pytest.mark.faults

TRAINEES, EACH = 6, 24


async def test_postgres_stopped_under_load_loses_nothing_and_wedges_nothing(stack: Stack) -> None:
    clients, ledger = stack.clients, stack.clients.ledger
    trainees = await clients.enrol_cohort(TRAINEES)
    reads: list[tuple[bool, str]] = []  # (whether the database was down as it was sent, what the read got)
    down = False

    async def reader() -> None:
        while True:
            was_down = down
            reads.append((was_down, await clients.read_status(random.choice(trainees))))
            await asyncio.sleep(0.05)

    async def outage(mode: str, once_acked: int) -> None:
        nonlocal down
        await eventually("load under way", lambda: ledger.acked() >= once_acked, 90, 0.01)
        in_flight, timeouts, answered = ledger.in_flight, ledger.waited_out(), len(reads)
        stack.postgres.stop(mode)
        down = True
        await eventually(
            "commands waited and reads were answered while the database was down",
            lambda: ledger.waited_out() > timeouts and len(reads) >= answered + 3,
            60,
        )
        stack.postgres.start()
        down = False
        assert in_flight > 0, f"PostgreSQL must stop ({mode}) with commands in flight"

    async with asyncio.TaskGroup() as load:
        walks = [load.create_task(clients.walk(t, 0, EACH)) for t in trainees]
        reading = load.create_task(reader())
        await outage("fast", TRAINEES * (1 + EACH // 3))
        await outage("immediate", TRAINEES * (1 + 2 * EACH // 3))
        await asyncio.gather(*walks)
        reading.cancel()

    assert "503 store_unavailable" in {answer for was_down, answer in reads if was_down}
    assert {answer for _, answer in reads} <= {"200", "503 store_unavailable"}, reads
    assert (stack.worker.running, stack.api.running) == (True, True), (
        "the worker and the API lived through it"
    )
    assert ledger.acked() == TRAINEES * (1 + EACH)
    await check_journeys(stack.pool, stack.client, ledger)
    assert await clients.read_status(trainees[0]) == "200"
