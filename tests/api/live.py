"""The real API served from a thread of its own, for the synchronous fuzzers (schemathesis, hypothesis).

Hypothesis drives its tests synchronously, while the API's server, the journey worker and the database pool are
asyncio. Here they run on an event loop in a background thread, so a test's blocking HTTP call never stalls the
server that answers it, and the test reads the store through `LiveApi.run` on that same loop. Everything is
real: uvicorn on a free port, the Temporal dev server (its own client and worker), a fresh PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import asyncpg
from temporalio.client import Client

from api.app import Services, create_app
from api.auth import issue_token
from api.gateway import JourneyGateway
from config.settings import Settings
from domain.actors import Role
from eventstore.connection import create_pool
from eventstore.store import EventStore
from tests.api.conftest import api_settings, serving
from tests.postgres import fresh_database
from worker.build import build_worker
from workflows.data_converter import journey_data_converter

T = TypeVar("T")
PROBLEM_JSON = "application/problem+json"


class StoreMark(NamedTuple):
    """What callers have written so far: the count and the last position of events not written by the journey's
    own calendar (milestones, reminders, graduation fire on timers, whenever they fall due, not on a request)."""

    events: int
    last_position: int


@dataclass
class LiveApi:
    base_url: str
    settings: Settings
    loop: asyncio.AbstractEventLoop
    pool: asyncpg.Pool
    store: EventStore

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run `coroutine` on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def token(self, subject: str, role: Role, trainee_id: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.settings, subject, role, trainee_id=trainee_id)}"}

    def mark(self) -> StoreMark:
        row = self.run(
            self.pool.fetchrow(
                "SELECT count(*) AS n, coalesce(max(global_position), 0) AS last FROM events"
                " WHERE actor_role <> 'system'"
            )
        )
        assert row is not None
        return StoreMark(int(row["n"]), int(row["last"]))


async def _serve(
    postgres: tuple[str, str],
    temporal_address: str,
    started: concurrent.futures.Future[LiveApi],
    stop: asyncio.Event,
) -> None:
    server_url, template = postgres
    async for url in fresh_database(server_url, template):
        pool = await create_pool(url, max_size=8)
        try:
            client = await Client.connect(temporal_address, data_converter=journey_data_converter)
            settings = api_settings("fuzz")
            store = EventStore(pool)
            app = create_app(Services(settings, store, pool, JourneyGateway(client, settings)), hr_inbox=True)
            async with serving(app, settings.api_port), build_worker(client, store, settings):
                started.set_result(
                    LiveApi(
                        f"http://127.0.0.1:{settings.api_port}",
                        settings,
                        asyncio.get_running_loop(),
                        pool,
                        store,
                    )
                )
                await stop.wait()
        finally:
            await pool.close()


@contextmanager
def live_api(postgres: tuple[str, str], temporal_address: str) -> Iterator[LiveApi]:
    """The API, its worker and a fresh database on a background thread's loop, until the block ends."""
    started: concurrent.futures.Future[LiveApi] = concurrent.futures.Future()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def main() -> None:
        try:
            loop.run_until_complete(_serve(postgres, temporal_address, started, stop))
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
            raise
        finally:
            loop.close()

    thread = threading.Thread(target=main, name="live-api", daemon=True)
    thread.start()
    try:
        yield started.result(timeout=120)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=60)
        assert not thread.is_alive(), "the live API did not stop within a minute"
