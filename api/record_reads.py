"""Reads of a trainee's record are themselves recorded (who, what, when) and queryable by auditors."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from pydantic import BaseModel

from api.auth import Principal


class RecordRead(BaseModel):
    read_id: int
    reader_id: str
    reader_role: str
    trainee_id: str
    what: str
    read_at: datetime


async def note_read(pool: asyncpg.Pool, reader: Principal, trainee_id: str, what: str) -> None:
    await pool.execute(
        "INSERT INTO record_reads (reader_id, reader_role, trainee_id, what) VALUES ($1, $2, $3, $4)",
        reader.subject,
        reader.role.value,
        trainee_id,
        what,
    )


async def reads(
    pool: asyncpg.Pool, *, trainee_id: str | None, reader_id: str | None, after: int, limit: int
) -> list[RecordRead]:
    rows = await pool.fetch(
        "SELECT read_id, reader_id, reader_role, trainee_id, what, read_at FROM record_reads"
        " WHERE read_id > $1 AND ($2::text IS NULL OR trainee_id = $2) AND ($3::text IS NULL OR reader_id = $3)"
        " ORDER BY read_id LIMIT $4",
        after,
        trainee_id,
        reader_id,
        limit,
    )
    return [RecordRead(**dict(r)) for r in rows]
