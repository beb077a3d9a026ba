"""`gmts verify`: re-check every hash chain and name the first broken link of each stream."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import asyncpg

from eventstore.chain import GENESIS, content_digest, link


@dataclass
class VerifyReport:
    streams: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(pool: asyncpg.Pool, stream_id: str | None = None) -> VerifyReport:
    """Recompute each event's content digest and chain link from what is stored, stream by stream."""
    report = VerifyReport()
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        heads = {
            r["stream_id"]: (r["version"], bytes(r["head_hash"]))
            for r in await conn.fetch(
                "SELECT stream_id, version, head_hash FROM streams WHERE $1::text IS NULL OR stream_id = $1",
                stream_id,
            )
        }
        if stream_id is not None and stream_id not in heads:
            report.problems.append(f"stream {stream_id} does not exist")
            return report
        current: str | None = None
        previous, expected_version, broken = GENESIS, 1, False

        def close(sid: str) -> None:
            version, head = heads.get(sid, (None, None))
            if not broken and (version != expected_version - 1 or head != previous):
                report.problems.append(
                    f"stream {sid}: its head (version {version}) does not match its last event (version "
                    f"{expected_version - 1}): events are missing or the head was altered"
                )

        async for r in conn.cursor(
            "SELECT stream_id, stream_version, event_id, type, schema_version, data::text AS data, actor_id,"
            " actor_role, correlation_id, causation_id, occurred_at, recorded_at, content_digest, previous_hash, hash"
            " FROM events WHERE $1::text IS NULL OR stream_id = $1 ORDER BY stream_id, stream_version",
            stream_id,
            prefetch=2000,
        ):
            sid = r["stream_id"]
            if sid != current:
                if current is not None:
                    close(current)
                current, previous, expected_version, broken = sid, GENESIS, 1, False
                report.streams += 1
            report.events += 1
            if broken:
                continue
            where = f"stream {sid} version {r['stream_version']} (event {r['event_id']})"
            digest = content_digest(
                event_id=r["event_id"],
                stream_id=sid,
                version=r["stream_version"],
                type=r["type"],
                schema_version=r["schema_version"],
                data=json.loads(r["data"]),
                actor_id=r["actor_id"],
                actor_role=r["actor_role"],
                correlation_id=r["correlation_id"],
                causation_id=r["causation_id"],
                occurred_at=r["occurred_at"],
            )
            problem = None
            if r["stream_version"] != expected_version:
                problem = f"version {expected_version} is missing"
            elif bytes(r["previous_hash"]) != previous:
                problem = "its previous hash does not match the event before it"
            elif digest != bytes(r["content_digest"]):
                problem = "its content no longer matches its digest: the event was altered"
            elif link(previous, digest, r["recorded_at"]) != bytes(r["hash"]):
                problem = "its hash does not match the chain: the event or its recorded time was altered"
            if problem:
                report.problems.append(f"{where}: {problem}")
                broken = True
                continue
            previous, expected_version = bytes(r["hash"]), expected_version + 1
        if current is not None:
            close(current)
    return report
