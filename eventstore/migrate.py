"""Forward-only schema migrations: the numbered SQL files in migrations/, each applied once, in order.

Run by `gmts migrate` and on start-up; running again is a no-op. An advisory lock lets several processes start
at once. A migration edited after it was applied is refused (add a new one instead).
"""

from __future__ import annotations

import hashlib
from importlib import resources

import asyncpg

from eventstore.errors import EventStoreError

_LOCK = 7_142_019_001  # advisory lock key for migrations


class MigrationChanged(EventStoreError):
    pass


def migrations() -> list[tuple[str, str]]:
    folder = resources.files("eventstore").joinpath("migrations")
    return sorted(
        (f.name, f.read_text(encoding="utf-8")) for f in folder.iterdir() if f.name.endswith(".sql")
    )


async def migrate(pool: asyncpg.Pool) -> list[str]:
    """Apply what is missing; return the names applied now (empty when up to date)."""
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {
                r["name"]: r["checksum"]
                for r in await conn.fetch("SELECT name, checksum FROM schema_migrations")
            }
            for name, sql in migrations():
                checksum = hashlib.sha256(sql.encode()).hexdigest()
                if name in done:
                    if done[name] != checksum:
                        raise MigrationChanged(
                            f"migration {name} was changed after it was applied; migrations are forward-only: "
                            "restore it and add a new migration"
                        )
                    continue
                async with conn.transaction():
                    # A migration may rewrite a large table: the pool's statement timeout is for queries.
                    await conn.execute("SET LOCAL statement_timeout = 0")
                    await conn.execute(sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", name, checksum
                    )
                applied_now.append(name)
        finally:
            try:
                await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK)
            except BaseException:
                conn.terminate()  # the pool does not reset sessions (connection.py): never hand on the lock
                raise
    return applied_now
