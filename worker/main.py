"""`gmts worker`: run the journey worker until Ctrl-C or SIGTERM, then finish in-flight work and stop."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from config.settings import Settings
from eventstore.bootstrap import open_store
from runtime.gc_tuning import tune_for_replay
from runtime.temporal_dev_server import temporal_address
from worker.build import build_worker


async def connect(address: str, settings: Settings) -> Client:
    return await Client.connect(
        address, namespace=settings.temporal_namespace, data_converter=pydantic_data_converter
    )


async def serve(settings: Settings, *, ready: asyncio.Event | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with temporal_address(settings) as address, open_store(settings) as store:
        client = await connect(address, settings)
        tune_for_replay()
        worker = build_worker(client, store, settings)
        worker_task = asyncio.create_task(worker.run())
        print(
            f"worker on task queue {settings.task_queue!r} at Temporal {address} ({settings.temporal_namespace})",
            flush=True,
        )
        if not settings.temporal_address:
            print(f"Temporal web UI: http://127.0.0.1:{settings.temporal_ui_port}", flush=True)
        if ready is not None:
            ready.set()
        await stop.wait()
        print("stopping: finishing in-flight activities", flush=True)
        await asyncio.wait_for(worker.shutdown(), timeout=timedelta(seconds=30).total_seconds())
        await worker_task
    print("stopped", flush=True)
