"""The pool hands a connection on without asyncpg's session reset query: what that relies on holds."""

from __future__ import annotations

import asyncpg

from eventstore.connection import create_pool
from eventstore.migrate import _LOCK, migrate


async def test_a_transaction_left_open_is_rolled_back_when_the_connection_goes_back(
    database_url: str,
) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute("CREATE TABLE left_open (n int)")
            await conn.execute("BEGIN")
            await conn.execute("INSERT INTO left_open VALUES (1)")
        async with pool.acquire() as conn:  # the same connection: the pool has one
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT count(*) FROM left_open") == 0
    finally:
        await pool.close()


async def test_the_migration_lock_is_released_for_the_next_holder_of_the_connection(
    database_url: str,
) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=1)
    other = await asyncpg.connect(database_url)
    try:
        await migrate(pool)
        assert await other.fetchval("SELECT pg_try_advisory_lock($1)", _LOCK), "another session can migrate"
        assert await other.fetchval("SELECT pg_advisory_unlock($1)", _LOCK)
        assert await pool.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0
    finally:
        await other.close()
        await pool.close()
