from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from eventstore.connection import create_pool
from eventstore.store import EventStore
from tests.postgres import TARGETS, fresh_database, migrated_template, server_url


@pytest.fixture(scope="session", params=TARGETS)
async def postgres(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str]:
    """(server URL, migrated template database) for each PostgreSQL under test: started once per session."""
    url = server_url(request.param, tmp_path_factory.getbasetemp())
    return url, await migrated_template(url)


@pytest.fixture
async def database_url(postgres: tuple[str, str]) -> AsyncIterator[str]:
    server, template = postgres
    async for url in fresh_database(server, template):
        yield url


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, max_size=8)
    yield pool
    await pool.close()


@pytest.fixture
def store(pool: asyncpg.Pool) -> EventStore:
    return EventStore(pool)
