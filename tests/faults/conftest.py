"""The fault suite's stack, all real processes: a PostgreSQL of its own, the Temporal dev server (SQLite in the
test's folder), `gmts worker` and `gmts api`; the test process only sends HTTP and breaks things."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from temporalio.client import Client

from config.settings import Settings
from eventstore.connection import create_pool
from runtime.ports import free_port
from tests.faults.load import Clients
from tests.faults.processes import Postgres, Process, TemporalDevServer, gmts
from tests.postgres import fresh_database, migrated_template

COMMAND_WAIT_S = 2.0


@pytest.fixture(scope="session")
async def fault_postgres() -> AsyncIterator[tuple[Postgres, str]]:
    """(server, migrated template database): a server only this suite uses, so it may stop it. Stopped here:
    the wheel's own exit hook stops only the postmaster it started, which a restart has replaced."""
    folder = Path(tempfile.mkdtemp(prefix="gmts-faults-postgres-"))
    server = Postgres(folder)
    async for template in migrated_template(server.url):
        yield server, template
    if server.running:
        server.stop("fast")
    shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Stack:
    postgres: Postgres
    database_url: str
    temporal: TemporalDevServer
    worker: Process
    api: Process
    pool: asyncpg.Pool
    client: Client
    clients: Clients


@pytest.fixture
async def stack(fault_postgres: tuple[Postgres, str], tmp_path: Path) -> AsyncIterator[Stack]:
    """Everything started; each test may kill or stop any part, and must start it again before the checks."""
    postgres, template = fault_postgres
    async for database_url in fresh_database(postgres.url, template):
        temporal = TemporalDevServer(tmp_path)
        settings = Settings(jwt_secret="faults-" + uuid.uuid4().hex, api_port=free_port())
        env = {
            "GMTS_DATA_DIR": str(tmp_path),
            "GMTS_DATABASE_URL": database_url,
            "GMTS_TEMPORAL_ADDRESS": temporal.address,
            "GMTS_TASK_QUEUE": f"faults-{uuid.uuid4().hex[:8]}",
            "GMTS_JWT_SECRET": settings.jwt_secret or "",
            "GMTS_API_PORT": str(settings.api_port),
            "GMTS_DATABASE_POOL_SIZE": "4",
            # The API gives up waiting for a journey before the clients do (Clients' timeout is 5 s).
            "GMTS_COMMAND_WAIT_S": str(COMMAND_WAIT_S),
        }
        worker = gmts("worker", env, tmp_path, "worker on task queue")
        api = gmts("api", env, tmp_path, "ready:")
        clients = Clients(f"http://127.0.0.1:{settings.api_port}", settings)
        pool = await create_pool(database_url, max_size=2)
        try:
            await temporal.start()
            await worker.start()
            await api.start()
            yield Stack(postgres, database_url, temporal, worker, api, pool, await temporal.client(), clients)
        finally:
            await clients.close()
            for part in (api, worker, temporal):
                part.stop()
            if not postgres.running:
                postgres.start()
            await pool.close()
