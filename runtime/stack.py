"""Run the service's parts in one process until Ctrl-C or SIGTERM: any of the worker, the projector and the API,
on the configured (or embedded) PostgreSQL and Temporal. `gmts start` runs them all; `gmts worker`, `gmts api`
and `gmts projector` run one each (one container each in docker-compose.yml)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Generator
from dataclasses import dataclass

import uvicorn
from temporalio.client import Client

from config.settings import Settings
from domain.actors import Role
from eventstore.bootstrap import open_store
from runtime.gc_tuning import tune_for_replay
from runtime.temporal_dev_server import TemporalUnavailable, temporal_address
from workflows.data_converter import journey_data_converter


@dataclass(frozen=True)
class Parts:
    worker: bool = False
    api: bool = False
    projector: bool = False


class ApiServer(uvicorn.Server):
    """uvicorn, leaving signals to the stack (which stops every part in order)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


CONNECT_WAIT_S = 30.0


async def connect(address: str, settings: Settings, *, wait_s: float = CONNECT_WAIT_S) -> Client:
    """A client of Temporal at `address`, trying again for up to `wait_s` seconds: a dev server that has just
    opened its port may still answer "Frontend is not healthy yet" (seen on a busy machine, where `gmts start`
    then failed), and a Temporal started beside the service (docker-compose) takes a while to come up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        try:
            return await Client.connect(
                address, namespace=settings.temporal_namespace, data_converter=journey_data_converter
            )
        except RuntimeError as exc:
            if loop.time() >= deadline:
                raise TemporalUnavailable(
                    f"cannot reach Temporal at {address} ({settings.temporal_namespace}): {exc}"
                ) from exc
            await asyncio.sleep(0.25)


async def run(settings: Settings, parts: Parts, *, announce: Callable[[str], None] = print) -> None:
    hr_inbox = parts.api and parts.worker and not settings.hr_endpoints
    if hr_inbox:  # the embedded stack's stand-in HR system, on the API itself
        settings = settings.model_copy(
            update={"hr_webhook_urls": f"http://{settings.api_host}:{settings.api_port}/hr-inbox"}
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with contextlib.AsyncExitStack() as resources:
        store = await resources.enter_async_context(open_store(settings))
        address, client = "", None
        if parts.worker or parts.api:  # the projector needs only the database
            address = await resources.enter_async_context(temporal_address(settings))
            client = await connect(address, settings)
        tune_for_replay()
        tasks: list[asyncio.Task[None]] = []
        worker = api_server = None
        if parts.worker:
            from worker.build import build_worker

            assert client is not None
            worker = build_worker(client, store, settings)
            tasks.append(asyncio.create_task(worker.run()))
            announce(
                f"worker on task queue {settings.task_queue!r} at Temporal {address} ({settings.temporal_namespace})"
            )
        if parts.projector:
            from projections.projector import follow

            tasks.append(asyncio.create_task(follow(store.pool, stop)))  # type: ignore[arg-type]
            announce("projector following the event log into the read models")
        if parts.api:
            from api.app import Services, create_app
            from api.auth import issue_token
            from api.gateway import JourneyGateway

            assert client is not None
            app = create_app(
                Services(settings, store, store.pool, JourneyGateway(client, settings)),  # type: ignore[arg-type]
                hr_inbox=hr_inbox,
            )
            config = uvicorn.Config(
                app,
                host=settings.api_host,
                port=settings.api_port,
                log_level="warning",
                lifespan="off",
                timeout_graceful_shutdown=10,  # Ctrl-C waits this long for requests in flight, then stops
            )
            api_server = ApiServer(config)
            tasks.append(asyncio.create_task(api_server.serve()))
            base = f"http://{settings.api_host}:{settings.api_port}"
            announce(f"API: {base}  (OpenAPI: {base}/docs)")
            token = issue_token(settings, "demo-admin", Role.ADMIN)
            announce(f"demo admin token (8 hours): {token}")
        if hr_inbox:
            announce(
                f"HR webhook: the stand-in HR inbox at {settings.hr_webhook_urls} (GET it with an admin token)"
            )
        if client is not None and not settings.temporal_address:
            announce(f"Temporal web UI: http://127.0.0.1:{settings.temporal_ui_port}")
        announce("ready: Ctrl-C stops everything")
        done, _ = await asyncio.wait(
            [asyncio.create_task(stop.wait()), *tasks], return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:  # a part that ended on its own (not by the stop) is an error worth raising
            if task in tasks and task.exception():
                stop.set()
        announce("stopping: finishing in-flight work")
        stop.set()
        if api_server is not None:
            api_server.should_exit = True
        if worker is not None:
            await asyncio.wait_for(worker.shutdown(), timeout=30)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        failures = [
            r for r in results if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError)
        ]
        if failures:
            raise failures[0]
    announce("stopped")
