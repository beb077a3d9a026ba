"""Open the configured event store: the database at GMTS_DATABASE_URL, or the embedded one in the data folder.

Either way the schema is migrated before the store is handed out (migrations are idempotent and locked).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from config.settings import Settings
from eventstore.connection import create_pool
from eventstore.embedded import DATABASE, ensure_database, start_server
from eventstore.migrate import migrate
from eventstore.store import EventStore


async def database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return await ensure_database(start_server(settings.data_dir), DATABASE)


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[EventStore]:
    pool = await create_pool(
        await database_url(settings),
        max_size=settings.database_pool_size,
        statement_timeout_ms=settings.statement_timeout_ms,
    )
    try:
        await migrate(pool)
        yield EventStore(pool)
    finally:
        await pool.close()
