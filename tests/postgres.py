"""Real PostgreSQL servers for the tests: the embedded one always, and any server named by
GMTS_TEST_DATABASE_URL as well (CI points it at the machine's PostgreSQL, so two major versions run)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from eventstore.connection import create_pool
from eventstore.embedded import ensure_database, start_server
from eventstore.migrate import migrate

TARGETS = ["embedded"] + (["external"] if os.environ.get("GMTS_TEST_DATABASE_URL") else [])


def server_url(target: str) -> str:
    if target == "external":
        return os.environ["GMTS_TEST_DATABASE_URL"]
    # A folder of its own: pytest rotates its base temp folders, and a concurrent session may remove ours.
    # Removed at exit, after the server's own exit hook has stopped it (hooks run last registered first).
    folder = Path(tempfile.mkdtemp(prefix="gmts-test-postgres-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return start_server(folder)


async def migrated_template(url: str) -> AsyncIterator[str]:
    """A database with the schema applied, to clone per test (CREATE DATABASE ... TEMPLATE: ~40 ms); dropped
    when the caller is done, so a server the tests share (the machine's, CI's) does not collect them."""
    name = f"gmts_template_{uuid.uuid4().hex[:8]}"
    template_url = await ensure_database(url, name)
    try:
        pool = await create_pool(template_url, max_size=1)
        try:
            await migrate(pool)
        finally:
            await pool.close()
        yield name
    finally:
        await drop_database(url, name)


async def fresh_database(server: str, template: str) -> AsyncIterator[str]:
    name = f"gmts_test_{uuid.uuid4().hex[:12]}"
    url = await ensure_database(server, name, template=template)
    try:
        yield url
    finally:
        await drop_database(server, name)


async def drop_database(server: str, name: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
