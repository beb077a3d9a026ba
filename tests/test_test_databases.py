"""The tests' own databases on a shared server: given a migrated template and a fresh database cloned from it,
when the tests are done with them, then neither is left on the server (CI and later sessions share it)."""

from __future__ import annotations

from urllib.parse import urlsplit

import asyncpg

from tests.postgres import fresh_database, migrated_template


async def _exists(server: str, name: str) -> bool:
    conn = await asyncpg.connect(server)
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def test_the_template_and_its_clone_are_dropped_after_use(postgres: tuple[str, str]) -> None:
    server, _ = postgres
    async for template in migrated_template(server):
        assert await _exists(server, template)
        async for url in fresh_database(server, template):
            clone = urlsplit(url).path.lstrip("/")
            assert await _exists(server, clone)
            conn = await asyncpg.connect(url)
            try:
                assert await conn.fetchval("SELECT to_regclass('events') IS NOT NULL")
            finally:
                await conn.close()
        assert not await _exists(server, clone)
    assert not await _exists(server, template)
