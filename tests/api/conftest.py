"""The API over real HTTP: uvicorn on a free port, the Temporal dev server with a journey worker, PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from api.app import Services, create_app
from api.auth import issue_token
from api.gateway import JourneyGateway
from config.settings import Settings
from domain.actors import Role
from eventstore.store import EventStore
from runtime.ports import free_port
from runtime.stack import ApiServer
from worker.build import build_worker


@dataclass
class Api:
    http: httpx.AsyncClient
    settings: Settings
    pool: asyncpg.Pool
    store: EventStore

    def token(self, subject: str, role: Role, trainee_id: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.settings, subject, role, trainee_id=trainee_id)}"}

    async def event_count(self) -> int:
        return int(await self.pool.fetchval("SELECT count(*) FROM events"))


def api_settings(name: str) -> Settings:
    """Settings of a test API: its own JWT secret, task queue and free port."""
    return Settings(
        jwt_secret=f"{name}-secret-" + uuid.uuid4().hex,
        task_queue=f"{name}-{uuid.uuid4().hex[:8]}",
        api_port=free_port(),
        max_body_bytes=65_536,
    )


@asynccontextmanager
async def serving(app: FastAPI, port: int) -> AsyncIterator[None]:
    """uvicorn serving `app` on 127.0.0.1:`port`, from when it has started until the block ends."""
    server = ApiServer(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=5,  # a request stuck on a failed test must not hang the teardown
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # the server could not start: say why
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def api(
    dev_server: WorkflowEnvironment, store: EventStore, pool: asyncpg.Pool, tmp_path: object
) -> AsyncIterator[Api]:
    settings = api_settings("api")
    app = create_app(Services(settings, store, pool, JourneyGateway(dev_server.client, settings)))
    async with (
        serving(app, settings.api_port),
        build_worker(dev_server.client, store, settings),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.api_port}", timeout=30) as http,
    ):
        yield Api(http, settings, pool, store)
