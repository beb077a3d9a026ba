"""Append to and read from our PostgreSQL event store, beside the `eventsourcing` library's PostgreSQL
application recorder and raw asyncpg (the ceiling): the same events, the same PostgreSQL, one fresh database
per library.

Goals (from the issue): ours / eventsourcing >= 1.5 on every workload, and ours / raw asyncpg COPY >= 0.5 for
batched appends and for reading the global log. The run prints which goals are met and which are missed.

Workloads, each timed with `time.perf_counter` around the whole workload (never per call):

- fill: `--events` events (default 1,000,000) appended in batches of 50 by `--fill-writers` concurrent writers,
  into streams of 1,000 events, a round over all streams at a time (so a stream's batches are spread through
  the table, as trainees' journeys interleave). This is the batched-append figure, at scale.
- read a full stream of 1,000 events, for `--stream-reads` streams one after another.
- read the global log from the start, in pages of `--page`, until it is empty: every event of the fill.
- append one event per transaction, each to the next of `--streams` streams (the fill's streams, growing),
  with 1, 8 and 32 concurrent writers, `--appends` events per level. Runs last, on the full table, levels in
  that order after the post-fill checkpoint (so the first level pays most of the full-page writes, for every
  library alike).

The WAL each append workload writes (bytes per event, read from `pg_current_wal_lsn()` outside the timing)
is reported beside it: appends are bound by WAL and its flushing as much as by CPU.

What each library is given and returns:

- ours: `EventStore.append` takes `RecordedEvent`s, so its timed part includes what the store does in
  production: serialising each event, its content digest and the hash chain. `read_stream` decodes every
  row to a `RecordedEvent` (the same query without decoding is reported beside it, "rows, not decoded").
  `read_log` hands a follower the rows as the driver built them (`LoggedEvent`: position, envelope, the
  event's JSON) and decodes an event when asked for, as eventsourcing's `select_notifications` hands out
  undecoded notifications: that is the headline; the same read with every event decoded, as the projector
  does, is reported beside it.
- eventsourcing (sync, psycopg 3): `PostgresApplicationRecorder` (the recorder with a global log, as ours
  has), text originator ids = our stream ids, `StoredEvent`s built before timing whose `state` is the
  whole-event JSON document (our envelope plus the same event JSON bytes ours stores). `insert_events`,
  `select_events`, `select_notifications`; what they return is not decoded further. Concurrency: a thread
  per writer and a connection pool of the same size.
- raw asyncpg: a plain table with our events table's columns and types, its primary key and a
  unique (stream_id, stream_version) index (so a stream can be found), no triggers, no functions, no other
  index. `copy_records_to_table` of the same rows in batches of 50 (the same transactions as ours; one COPY
  of all rows is reported too), one plain `INSERT` per transaction, and `COPY ... TO` into a no-op output for
  reading (a stream: `copy_from_query`; the global log: `copy_from_table`). Keyset-paged `SELECT`s are
  reported beside them.

Each read workload runs `read_repeats` times (3) back to back and is reported by its median run, every
library's alike: a single read of a second or two swung by half between runs of the benchmark on this machine.

All inputs are built before any timing and then frozen out of the garbage collector's sight (`gc.freeze`):
a million pending events held in memory is an artefact of the benchmark, not something a writer carries.
Before any library runs, the server's write-ahead log is warmed (untimed): about `max_wal_size` of WAL is
written to a scratch table and discarded, then a checkpoint leaves those segment files to be recycled. A fresh
server has one WAL segment and creates and zero-fills a new 16 MB file each time it needs one until a
checkpoint can recycle old ones: the first library to write paid for that and the others did not (our fill,
run first, 24.9k / 26.4k events/s on a fresh server against 29.6k / 28.6k after the warm-up, eventsourcing's
fill after it unchanged; 600,000 events, alternating). A server in service recycles its segments.
After the fill each database is vacuumed, analysed and checkpointed (untimed), so every library's reads
start from the same state. The embedded PostgreSQL runs in a temporary folder, removed at exit.

    make bench            # or: .venv/bin/python -m bench.event_store [--events N] [--quick]
                          #     [--database-url postgresql://...] (see --help)
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import gc
import hashlib
import json
import math
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from eventsourcing.persistence import StoredEvent as ESStoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.conninfo import conninfo_to_dict

from bench.command_line import command_line
from bench.publish import publish
from domain.actors import Actor, Role
from domain.events import EvidenceSubmitted, RecordedEvent, record
from eventstore.connection import create_pool
from eventstore.embedded import ensure_database, start_server
from eventstore.log import START, read_log
from eventstore.migrate import migrate
from eventstore.store import EVENT_COLUMNS, EventStore

NAME = "event_store"

OURS = "ours"
ES = "eventsourcing"
RAW = "raw asyncpg"

GOAL_VS_EVENTSOURCING = 1.5
GOAL_VS_RAW_COPY = 0.5

T0 = datetime(2025, 1, 6, 9, tzinfo=UTC)
TOPIC = "domain.events:EvidenceSubmitted"

Batch = tuple[str, int, list[RecordedEvent]]  # (stream id, expected version, events)


@dataclass(frozen=True)
class Config:
    events: int = 1_000_000
    stream_length: int = 1_000
    batch: int = 50
    fill_writers: int = 2
    stream_reads: int = 100
    read_repeats: int = 3  # each read workload runs this many times; the median run is reported
    page: int = 1_000
    streams: int = 1_000
    appends: int = 3_000
    writers: tuple[int, ...] = (1, 8, 32)
    database_url: str | None = None
    keep_databases: bool = False
    # WAL written and discarded before timing (MiB); None: the server's max_wal_size.
    wal_warmup_mib: int | None = None


QUICK = Config(events=20_000, stream_reads=10, streams=100, appends=300)


# ---------------------------------------------------------------------------------------------------------
# The events: EvidenceSubmitted with a ~400-character narrative, as trainees write them.

_SENTENCES = (
    "I led the weekly bed-management huddle while the site manager was on leave.",
    "The divisional board asked for a recovery plan for elective orthopaedics within a fortnight.",
    "I mapped the discharge pathway with the ward sisters and found three avoidable delays.",
    "We agreed a trial of a discharge lounge rota with the therapies team.",
    "My placement manager observed the meeting and gave feedback on how I handled dissent.",
    "I drafted the business case for two additional band 6 posts and costed the options.",
    "Finance challenged the assumptions, so I rebuilt the model with the demand data.",
    "The outcome was approved at the executive meeting with one amendment to the phasing.",
    "I reflected on how I could have brought the consultants in earlier.",
    "Patient experience scores for the ward rose over the following month.",
    "I presented the audit findings to the quality committee and took questions.",
    "The risk register entry was downgraded after the controls were evidenced.",
    "I shadowed the chief operating officer during the winter planning review.",
    "Staff side representatives raised concerns, which I logged and answered in writing.",
    "I set up a shared tracker so that the actions would be visible to every team.",
)
_COMPETENCIES = ("1.1.1", "1.2.3", "2.2.1", "2.3.4", "3.1.2", "3.4.1", "4.1.3", "4.2.2", "5.1.1", "5.3.2")


def _narratives(count: int = 257, length: int = 375, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = ""
        while len(text) < length:
            text += rng.choice(_SENTENCES) + " "
        out.append(text[:length].rstrip())
    return out


_NARRATIVES = _narratives()


def stream_name(index: int) -> str:
    return f"trainee-t-{index:06d}"


def make_events(stream_index: int, after: int, count: int, rng: random.Random) -> list[RecordedEvent]:
    """`count` EvidenceSubmitted events for stream `stream_index` after version `after` (~400-character
    narratives, two competencies each, distinct ids and text)."""
    sid = stream_name(stream_index)
    data = [
        EvidenceSubmitted(
            evidence_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            narrative=f"{sid} entry {after + i}: {_NARRATIVES[(stream_index * 31 + after + i) % len(_NARRATIVES)]}",
            competency_ids=(
                _COMPETENCIES[(after + i) % len(_COMPETENCIES)],
                _COMPETENCIES[(after + i + 1 + stream_index % 9) % len(_COMPETENCIES)],
            ),
        )
        for i in range(1, count + 1)
    ]
    return record(
        data,
        stream_id=sid,
        after_version=after,
        actor=Actor(id=f"t-{stream_index:06d}", role=Role.TRAINEE),
        occurred_at=T0 + timedelta(hours=after),
        recorded_at=T0,
        correlation_id=f"req-{rng.getrandbits(32):08x}",
        causation_id=f"cmd-{rng.getrandbits(32):08x}",
        event_ids=[uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(count)],
    )


@dataclass
class Plan:
    """Every write of the run, built once before timing: the fill per writer, then the one-event appends
    for each concurrency level, per writer. Every library is given these same events."""

    fill: list[list[Batch]]
    singles: dict[int, list[list[Batch]]]
    read_streams: list[str]
    events: int  # in the fill
    full_streams: int


def make_plan(config: Config, seed: int = 42) -> Plan:
    rng = random.Random(seed)
    n_streams = max(1, math.ceil(config.events / config.stream_length))
    lengths = [config.stream_length] * n_streams
    lengths[-1] = config.events - config.stream_length * (n_streams - 1)
    versions = dict.fromkeys(range(n_streams), 0)
    fill: list[list[Batch]] = [[] for _ in range(config.fill_writers)]
    for _ in range(math.ceil(config.stream_length / config.batch)):  # rounds over all streams
        for s in range(n_streams):
            count = min(config.batch, lengths[s] - versions[s])
            if count > 0:
                fill[s % config.fill_writers].append(
                    (stream_name(s), versions[s], make_events(s, versions[s], count, rng))
                )
                versions[s] += count
    singles: dict[int, list[list[Batch]]] = {}
    for writers in config.writers:
        queues: list[list[Batch]] = [[] for _ in range(writers)]
        for k in range(config.appends):
            s = k % config.streams  # streams beyond the fill's are new: their first append creates them
            after = versions.get(s, 0)
            queues[s % writers].append((stream_name(s), after, make_events(s, after, 1, rng)))
            versions[s] = after + 1
        singles[writers] = queues
    full = [s for s in range(n_streams) if lengths[s] == config.stream_length]
    read_streams = [stream_name(s) for s in full[: config.stream_reads]]
    return Plan(fill, singles, read_streams, config.events, len(full))


def _data_json(e: RecordedEvent) -> str:
    return e.data.model_dump_json()


def es_stored(e: RecordedEvent) -> ESStoredEvent:
    """The event as the eventsourcing recorder takes it: the whole-event JSON document in `state`."""
    head = json.dumps(
        {
            "event_id": str(e.event_id),
            "stream_id": e.stream_id,
            "version": e.version,
            "schema_version": e.schema_version,
            "actor_id": e.actor_id,
            "actor_role": e.actor_role.value,
            "occurred_at": e.occurred_at.isoformat(),
            "recorded_at": e.recorded_at.isoformat(),
            "correlation_id": e.correlation_id,
            "causation_id": e.causation_id,
        },
        separators=(",", ":"),
    )
    state = f'{head[:-1]},"data":{_data_json(e)}}}'.encode()
    return ESStoredEvent(originator_id=e.stream_id, originator_version=e.version, topic=TOPIC, state=state)


RAW_COLUMNS = (
    "event_id",
    "stream_id",
    "stream_version",
    "type",
    "schema_version",
    "data",
    "actor_id",
    "actor_role",
    "correlation_id",
    "causation_id",
    "occurred_at",
    "recorded_at",
    "content_digest",
    "previous_hash",
    "hash",
)
RAW_TABLE = """
CREATE TABLE {name} (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id        uuid NOT NULL,
    stream_id       text NOT NULL,
    stream_version  bigint NOT NULL,
    type            text NOT NULL,
    schema_version  integer NOT NULL,
    data            jsonb NOT NULL,
    actor_id        text NOT NULL,
    actor_role      text NOT NULL,
    correlation_id  text NOT NULL,
    causation_id    text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    content_digest  bytea NOT NULL,
    previous_hash   bytea NOT NULL,
    hash            bytea NOT NULL,
    UNIQUE (stream_id, stream_version)
)"""
# What a reader fetches: the columns read_log fetches, in its order.
RAW_READ_COLUMNS = (
    "transaction_id",
    "global_position",
    "event_id",
    "stream_id",
    "stream_version",
    "type",
    "schema_version",
    "actor_id",
    "actor_role",
    "occurred_at",
    "recorded_at",
    "correlation_id",
    "causation_id",
    "data",
)
RAW_INSERT = (
    f"INSERT INTO raw_events ({', '.join(RAW_COLUMNS)}) VALUES ({', '.join(f'${i}' for i in range(1, 16))})"
)


def raw_row(e: RecordedEvent, recorded_at: datetime) -> tuple[Any, ...]:
    data = _data_json(e)
    digest = hashlib.sha256(data.encode()).digest()
    return (
        e.event_id,
        e.stream_id,
        e.version,
        e.type,
        e.schema_version,
        data,
        e.actor_id,
        e.actor_role.value,
        e.correlation_id,
        e.causation_id,
        e.occurred_at,
        recorded_at,
        digest,
        hashlib.sha256(digest).digest(),
        hashlib.sha256(digest + digest).digest(),
    )


# ---------------------------------------------------------------------------------------------------------
# Measurements


@dataclass
class Measurement:
    workload: str
    library: str
    variant: str
    events: int
    seconds: float
    headline: bool = True  # the figure the goals are judged on (else: shown for information)
    wal_bytes: int | None = None  # WAL written during an append workload (read untimed, before and after)
    runs: tuple[float, ...] = ()  # a read workload's seconds in each of its runs (`seconds` is their median)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "library": self.library,
            "variant": self.variant,
            "headline": self.headline,
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "events_per_s": round(self.rate),
            "wal_bytes_per_event": None if self.wal_bytes is None else round(self.wal_bytes / self.events),
            "seconds_each_run": [round(r, 3) for r in self.runs],
        }

    @classmethod
    def of_runs(
        cls,
        workload: str,
        library: str,
        variant: str,
        runs: Sequence[tuple[int, float]],
        headline: bool = True,
    ) -> Measurement:
        """A read workload run several times back to back, reported by its median run.

        One run of a second or two swung by half from one run of the benchmark to the next on this machine (the
        first read meets pages no query has touched, other work shares the cores); every library's reads are
        repeated alike, and each run's seconds are kept in the results."""
        counts = {n for n, _ in runs}
        assert len(counts) == 1, f"{library} {workload}: the runs read different counts {counts}"
        seconds = tuple(s for _, s in runs)
        return cls(
            workload, library, variant, counts.pop(), statistics.median(seconds), headline, runs=seconds
        )


@dataclass
class Run:
    config: Config
    plan: Plan
    measurements: list[Measurement] = field(default_factory=list)
    log: Callable[[str], None] = print

    def add(self, m: Measurement) -> None:
        self.measurements.append(m)
        self.log(
            f"  {m.library:<14} {m.workload} [{m.variant}]: {m.events:,} events in {m.seconds:.2f} s"
            f" = {m.rate:,.0f} events/s"
            + (f" (median of {', '.join(f'{r:.2f}' for r in m.runs)} s)" if m.runs else "")
        )

    def add_reads(
        self,
        workload: str,
        library: str,
        variant: str,
        runs: Sequence[tuple[int, float]],
        expected: int,
        headline: bool = True,
    ) -> None:
        """A read workload's runs, reported by their median; every run must have read `expected` events."""
        m = Measurement.of_runs(workload, library, variant, runs, headline)
        assert m.events == expected, (library, variant, m.events, expected)
        self.add(m)


def fill_workload(config: Config) -> str:
    return (
        f"append, batches of {config.batch} ({config.events:,}-event fill, {config.fill_writers} writer"
        f"{'s' if config.fill_writers != 1 else ''})"
    )


def single_workload(writers: int) -> str:
    return f"append, 1 event per transaction, {writers} writer{'s' if writers != 1 else ''}"


def stream_workload(config: Config) -> str:
    return f"read a stream of {config.stream_length:,} events"


def log_workload(config: Config) -> str:
    return f"read the global log from the start (pages of {config.page:,})"


async def _timed(coro: Awaitable[Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    value = await coro
    return value, time.perf_counter() - t


async def wal_position(url: str) -> int:
    """Bytes of WAL the server has written so far (untimed: read before and after an append workload)."""
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))
    finally:
        await conn.close()


async def _timed_writes(url: str, coro: Awaitable[int]) -> tuple[int, float, int]:
    """(events written, seconds, WAL bytes) of an append workload."""
    wal = await wal_position(url)
    n, s = await _timed(coro)
    return n, s, await wal_position(url) - wal


def _frozen(build: Callable[[], Any]) -> Any:
    """Build a large input with the collector off, then move it out of the collector's sight."""
    gc.disable()
    try:
        value = build()
    finally:
        gc.enable()
    gc.freeze()
    return value


async def warm_wal(url: str, mib: int | None = None) -> int:
    """Write `mib` MiB of WAL (default: the server's `max_wal_size`) into a scratch table of the database at
    `url`, drop it and checkpoint, so the WAL segment files exist before any library is timed (see the
    module's docstring). Returns the bytes of WAL written."""
    start = await wal_position(url)
    conn = await asyncpg.connect(url)
    try:
        if mib is None:
            target = int(await conn.fetchval("SELECT pg_size_bytes(current_setting('max_wal_size'))"))
        else:
            target = mib * 2**20
        await conn.execute("CREATE TABLE wal_warmup (filler text)")
        while (written := await wal_position(url) - start) < target:
            # Rows of 1,920 characters (md5 repeated: stored as is), about 2 KB of WAL each, 200 MB at most a
            # statement.
            rows = min(100_000, (target - written) // 2_000 + 1)
            await conn.execute(
                "INSERT INTO wal_warmup SELECT repeat(md5(g::text), 60) FROM generate_series(1, $1::int) g",
                rows,
            )
        await conn.execute("DROP TABLE wal_warmup")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return await wal_position(url) - start


async def _settle(url: str, tables: Sequence[str]) -> None:
    """Untimed, after a fill: vacuum and analyse (hint bits, visibility map, statistics), then checkpoint."""
    conn = await asyncpg.connect(url)
    try:
        for table in tables:
            await conn.execute(f"VACUUM (ANALYZE) {table}")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


# --- ours ---------------------------------------------------------------------------------------------------


async def _ours_append(pool: asyncpg.Pool, queues: list[list[Batch]]) -> int:
    store = EventStore(pool)

    async def writer(batches: list[Batch]) -> int:
        n = 0
        for stream_id, expected, events in batches:
            n += len(await store.append(stream_id, expected, events))
        return n

    return sum(await asyncio.gather(*(writer(q) for q in queues)))


async def _ours_read_streams(pool: asyncpg.Pool, streams: list[str], decode: bool) -> int:
    store = EventStore(pool)
    sql = f"SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version"
    n = 0
    for sid in streams:
        n += len(await store.read_stream(sid) if decode else await pool.fetch(sql, sid, 0))
    return n


async def _ours_read_log(pool: asyncpg.Pool, page: int, decode: bool) -> int:
    """Follow the log to its end. `read_log` hands out rows; with `decode`, each event is validated into its
    model as the projector does (`LoggedEvent.event`)."""
    position, n = START, 0
    while logged := await read_log(pool, position, limit=page):
        if decode:
            n += len([e.event for e in logged])
        else:
            n += len(logged)
        position = logged[-1].position
    return n


async def run_ours(run: Run, url: str) -> None:
    config, plan = run.config, run.plan
    pool = await create_pool(url, min_size=config.fill_writers, max_size=config.fill_writers)
    try:
        await migrate(pool)
        n, s, wal = await _timed_writes(url, _ours_append(pool, plan.fill))
        assert n == plan.events, (n, plan.events)
        run.add(Measurement(fill_workload(config), OURS, "EventStore.append", n, s, wal_bytes=wal))
    finally:
        await pool.close()
    await _settle(url, ["streams", "events", "event_competencies"])

    pool = await create_pool(url, min_size=1, max_size=1)
    repeats = range(config.read_repeats)
    try:
        expected = len(plan.read_streams) * config.stream_length
        for decode, variant in ((True, "read_stream, decoded"), (False, "same query, rows, not decoded")):
            runs = [await _timed(_ours_read_streams(pool, plan.read_streams, decode)) for _ in repeats]
            run.add_reads(stream_workload(config), OURS, variant, runs, expected, headline=decode)
        for decode, variant in (
            (False, "read_log (rows; an event is decoded when asked for)"),
            (True, "read_log, every event decoded (what the projector pays)"),
        ):
            runs = [await _timed(_ours_read_log(pool, config.page, decode)) for _ in repeats]
            run.add_reads(log_workload(config), OURS, variant, runs, plan.events, headline=not decode)
    finally:
        await pool.close()

    for writers, queues in plan.singles.items():
        pool = await create_pool(url, min_size=writers, max_size=writers)
        try:
            n, s, wal = await _timed_writes(url, _ours_append(pool, queues))
            assert n == config.appends, (n, config.appends)
            run.add(Measurement(single_workload(writers), OURS, "EventStore.append", n, s, wal_bytes=wal))
        finally:
            await pool.close()


# --- eventsourcing -----------------------------------------------------------------------------------------


def _datastore(url: str, size: int) -> PostgresDatastore:
    params = conninfo_to_dict(url)
    datastore = PostgresDatastore(
        dbname=str(params.get("dbname", "")),
        host=str(params.get("host", "")),
        port=str(params.get("port", "5432")),
        user=str(params.get("user", "")),
        password=str(params.get("password", "")),
        pool_size=size,
        originator_id_type="text",
        connect_timeout=30,
    )
    datastore.pool.open(wait=True, timeout=60)  # every connection made before timing
    return datastore


def _threads(n: int) -> ThreadPoolExecutor:
    """A pool whose `n` threads are all started (before timing)."""
    executor = ThreadPoolExecutor(n)
    barrier = threading.Barrier(n)
    for f in [executor.submit(barrier.wait) for _ in range(n)]:
        f.result()
    return executor


def _in_threads(executor: ThreadPoolExecutor, fn: Callable[[Any], int], work: Sequence[Any]) -> int:
    return sum(f.result() for f in [executor.submit(fn, w) for w in work])


def _es_time_appends(
    url: str, recorder: PostgresApplicationRecorder, queues: list[list[list[ESStoredEvent]]]
) -> tuple[int, float, int]:
    def writer(batches: list[list[ESStoredEvent]]) -> int:
        n = 0
        for stored in batches:
            recorder.insert_events(stored)
            n += len(stored)
        return n

    with _threads(len(queues)) as executor:
        wal = asyncio.run(wal_position(url))
        t = time.perf_counter()
        n = _in_threads(executor, writer, queues)
        s = time.perf_counter() - t
        return n, s, asyncio.run(wal_position(url)) - wal


def _es_read_streams(recorder: PostgresApplicationRecorder, streams: list[str]) -> int:
    return sum(len(recorder.select_events(sid)) for sid in streams)


def _es_read_log(recorder: PostgresApplicationRecorder, page: int) -> int:
    start, n = 1, 0
    while notifications := recorder.select_notifications(start, page):
        n += len(notifications)
        start = notifications[-1].id + 1
    return n


def _es_timed(fn: Callable[[], int]) -> tuple[int, float]:
    t = time.perf_counter()
    n = fn()
    return n, time.perf_counter() - t


def _es_queues(queues: list[list[Batch]]) -> list[list[list[ESStoredEvent]]]:
    return [[[es_stored(e) for e in events] for _, _, events in q] for q in queues]


def _run_eventsourcing(run: Run, url: str) -> None:
    config, plan = run.config, run.plan
    queues = _frozen(lambda: _es_queues(plan.fill))
    datastore = _datastore(url, config.fill_writers)
    try:
        recorder = PostgresApplicationRecorder(datastore)
        recorder.create_table()
        n, s, wal = _es_time_appends(url, recorder, queues)
        assert n == plan.events, (n, plan.events)
        run.add(
            Measurement(
                fill_workload(config), ES, "PostgresApplicationRecorder.insert_events", n, s, wal_bytes=wal
            )
        )
    finally:
        datastore.close()
    del queues
    asyncio.run(_settle(url, ["stored_events"]))

    datastore = _datastore(url, 1)
    try:
        recorder = PostgresApplicationRecorder(datastore)
        repeats = range(config.read_repeats)
        runs = [_es_timed(lambda: _es_read_streams(recorder, plan.read_streams)) for _ in repeats]
        expected = len(plan.read_streams) * config.stream_length
        run.add_reads(stream_workload(config), ES, "select_events (StoredEvent, not decoded)", runs, expected)
        runs = [_es_timed(lambda: _es_read_log(recorder, config.page)) for _ in repeats]
        run.add_reads(log_workload(config), ES, "select_notifications (not decoded)", runs, plan.events)
    finally:
        datastore.close()

    for writers, single in plan.singles.items():
        queues = _es_queues(single)
        datastore = _datastore(url, writers)
        try:
            recorder = PostgresApplicationRecorder(datastore)
            n, s, wal = _es_time_appends(url, recorder, queues)
            assert n == config.appends, (n, config.appends)
            run.add(Measurement(single_workload(writers), ES, "insert_events", n, s, wal_bytes=wal))
        finally:
            datastore.close()


async def run_eventsourcing(run: Run, url: str) -> None:
    # A separate thread with its own event loop for the untimed asyncpg steps: psycopg is synchronous.
    await asyncio.to_thread(_run_eventsourcing, run, url)


# --- raw asyncpg -------------------------------------------------------------------------------------------


async def _raw_copy_in(pool: asyncpg.Pool, queues: list[list[list[tuple[Any, ...]]]], table: str) -> int:
    async def writer(batches: list[list[tuple[Any, ...]]]) -> int:
        n = 0
        async with pool.acquire() as conn:
            for rows in batches:
                await conn.copy_records_to_table(table, records=rows, columns=RAW_COLUMNS)
                n += len(rows)
        return n

    return sum(await asyncio.gather(*(writer(q) for q in queues)))


async def _raw_insert(pool: asyncpg.Pool, queues: list[list[tuple[Any, ...]]]) -> int:
    async def writer(rows: list[tuple[Any, ...]]) -> int:
        for row in rows:
            await pool.execute(RAW_INSERT, *row)
        return len(rows)

    return sum(await asyncio.gather(*(writer(q) for q in queues)))


def _copied(status: str) -> int:
    return int(status.split()[-1])  # "COPY 1000"


class _Sink:
    """A no-op COPY output that counts the bytes."""

    def __init__(self) -> None:
        self.bytes = 0

    async def __call__(self, data: bytes) -> None:
        self.bytes += len(data)


_RAW_SELECT = ", ".join(RAW_READ_COLUMNS)


async def _raw_copy_streams(conn: asyncpg.Connection, streams: list[str]) -> int:
    n, sink = 0, _Sink()
    for sid in streams:
        status = await conn.copy_from_query(
            f"SELECT {_RAW_SELECT} FROM raw_events WHERE stream_id = $1 ORDER BY stream_version",
            sid,
            output=sink,
            format="binary",
        )
        n += _copied(status)
    return n


async def _raw_select_streams(conn: asyncpg.Connection, streams: list[str]) -> int:
    sql = f"SELECT {_RAW_SELECT} FROM raw_events WHERE stream_id = $1 ORDER BY stream_version"
    return sum([len(await conn.fetch(sql, sid)) for sid in streams])


async def _raw_copy_log(conn: asyncpg.Connection) -> int:
    status = await conn.copy_from_table(
        "raw_events", columns=RAW_READ_COLUMNS, output=_Sink(), format="binary"
    )
    return _copied(status)


async def _raw_select_log(conn: asyncpg.Connection, page: int) -> int:
    sql = f"SELECT {_RAW_SELECT} FROM raw_events WHERE global_position > $1 ORDER BY global_position LIMIT $2"
    position, n = 0, 0
    while rows := await conn.fetch(sql, position, page):
        n += len(rows)
        position = rows[-1]["global_position"]
    return n


async def run_raw(run: Run, url: str) -> None:
    config, plan = run.config, run.plan
    recorded_at = datetime.now(UTC)
    queues = _frozen(lambda: [[[raw_row(e, recorded_at) for e in b[2]] for b in q] for q in plan.fill])
    pool = await create_pool(url, min_size=config.fill_writers, max_size=config.fill_writers)
    try:
        await pool.execute(RAW_TABLE.format(name="raw_events"))
        n, s, wal = await _timed_writes(url, _raw_copy_in(pool, queues, "raw_events"))
        assert n == plan.events, (n, plan.events)
        variant = f"copy_records_to_table, {config.batch} rows per COPY"
        run.add(Measurement(fill_workload(config), RAW, variant, n, s, wal_bytes=wal))
        # The bulk ceiling: every row in one COPY (one transaction), into a table of its own, then dropped.
        await pool.execute(RAW_TABLE.format(name="raw_bulk"))
        everything = [[[row for q in queues for rows in q for row in rows]]]
        n, s, wal = await _timed_writes(url, _raw_copy_in(pool, everything, "raw_bulk"))
        assert n == plan.events, (n, plan.events)
        variant = "copy_records_to_table, all rows in one COPY into an empty table (bulk ceiling)"
        run.add(Measurement(fill_workload(config), RAW, variant, n, s, headline=False, wal_bytes=wal))
        del everything
        await pool.execute("DROP TABLE raw_bulk")
        # What our schema alone costs: the same COPYs into our own events table (its seven indexes, which the
        # audit queries and the log need), with no append function, chain check or competency rows. Dropped.
        await migrate(pool)
        n, s, wal = await _timed_writes(url, _raw_copy_in(pool, queues, "events"))
        assert n == plan.events, (n, plan.events)
        variant = f"copy_records_to_table into our events table and its indexes, {config.batch} rows per COPY"
        run.add(Measurement(fill_workload(config), RAW, variant, n, s, headline=False, wal_bytes=wal))
        await pool.execute("DROP TABLE events CASCADE")
    finally:
        await pool.close()
    del queues
    await _settle(url, ["raw_events"])

    conn = await asyncpg.connect(url)
    repeats = range(config.read_repeats)
    try:
        expected = len(plan.read_streams) * config.stream_length
        streams, log = stream_workload(config), log_workload(config)
        runs = [await _timed(_raw_copy_streams(conn, plan.read_streams)) for _ in repeats]
        run.add_reads(streams, RAW, "COPY (SELECT ...) TO, binary, no-op output", runs, expected)
        runs = [await _timed(_raw_select_streams(conn, plan.read_streams)) for _ in repeats]
        run.add_reads(streams, RAW, "SELECT (asyncpg Records)", runs, expected, headline=False)
        runs = [await _timed(_raw_copy_log(conn)) for _ in repeats]
        run.add_reads(log, RAW, "COPY table TO, binary, no-op output", runs, plan.events)
        runs = [await _timed(_raw_select_log(conn, config.page)) for _ in repeats]
        run.add_reads(log, RAW, "SELECT, keyset pages (asyncpg Records)", runs, plan.events, headline=False)
    finally:
        await conn.close()

    for writers, single in plan.singles.items():
        rows = [[raw_row(e, recorded_at) for _, _, events in q for e in events] for q in single]
        pool = await create_pool(url, min_size=writers, max_size=writers)
        try:
            n, s, wal = await _timed_writes(url, _raw_insert(pool, rows))
            assert n == config.appends, (n, config.appends)
            variant = "INSERT, one row per transaction"
            run.add(Measurement(single_workload(writers), RAW, variant, n, s, wal_bytes=wal))
        finally:
            await pool.close()


# ---------------------------------------------------------------------------------------------------------
# The run, the ratios and the report


@dataclass(frozen=True)
class Ratio:
    workload: str
    against: str  # ES or RAW
    ours: Measurement
    other: Measurement
    goal: float | None

    @property
    def value(self) -> float:
        return self.ours.rate / self.other.rate

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.value >= self.goal

    def as_dict(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "ours_over": self.against,
            "ours": self.ours.variant,
            "other": self.other.variant,
            "ratio": round(self.value, 3),
            "goal": self.goal,
            "met": self.met,
        }


def workloads(config: Config) -> list[str]:
    return [
        *(single_workload(w) for w in config.writers),
        fill_workload(config),
        stream_workload(config),
        log_workload(config),
    ]


def headline(measurements: Sequence[Measurement], workload: str, library: str) -> Measurement:
    return next(m for m in measurements if m.workload == workload and m.library == library and m.headline)


def ratios(config: Config, measurements: Sequence[Measurement]) -> list[Ratio]:
    out = []
    copy_goal = {fill_workload(config), log_workload(config)}
    for w in workloads(config):
        ours = headline(measurements, w, OURS)
        out.append(Ratio(w, ES, ours, headline(measurements, w, ES), GOAL_VS_EVENTSOURCING))
        out.append(
            Ratio(w, RAW, ours, headline(measurements, w, RAW), GOAL_VS_RAW_COPY if w in copy_goal else None)
        )
    return out


async def run_benchmark(
    config: Config, server_url: str, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Build the events, run every library's workloads (each in a fresh database on `server_url`), and
    return the results (measurements, ratios against the goals)."""
    started = time.perf_counter()
    load_before = os.getloadavg()
    log(
        f"building {config.events:,} events and {len(config.writers)} x {config.appends:,} single appends ..."
    )
    plan = _frozen(lambda: make_plan(config))
    log(f"  built in {time.perf_counter() - started:.1f} s")
    run = Run(config, plan, log=log)
    suffix = uuid.uuid4().hex[:8]
    names = {
        lib: f"bench_event_store_{key}_{suffix}"
        for lib, key in ((OURS, "ours"), (ES, "es"), (RAW, "raw"), ("warm-up", "wal_warmup"))
    }
    runners = {OURS: run_ours, ES: run_eventsourcing, RAW: run_raw}
    server_version = ""
    try:
        log("warming the write-ahead log (untimed) ...")
        warmed = await warm_wal(await ensure_database(server_url, names["warm-up"]), config.wal_warmup_mib)
        log(f"  {warmed / 2**20:,.0f} MiB of WAL written and discarded")
        for library, runner in runners.items():
            log(f"{library}:")
            url = await ensure_database(server_url, names[library])
            await runner(run, url)
        conn = await asyncpg.connect(server_url)
        try:
            server_version = str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()
    finally:
        if not config.keep_databases:
            await _drop(server_url, list(names.values()))
        del plan, run.plan
        gc.unfreeze()
        gc.collect()
    rs = ratios(config, run.measurements)
    return {
        "config": {k: v for k, v in config.__dict__.items() if k != "database_url"},
        "postgresql": server_version,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # Other work on the machine skews every figure: the 1-minute load average before and after.
            "load_average_1min": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        },
        "measurements": [m.as_dict() for m in run.measurements],
        "ratios": [r.as_dict() for r in rs],
        "goals_met": [r.as_dict() for r in rs if r.met is True],
        "goals_missed": [r.as_dict() for r in rs if r.met is False],
        "wal_warmup_mib": round(warmed / 2**20),
        "wall_s": round(time.perf_counter() - started, 1),
    }


async def _drop(server_url: str, names: list[str]) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _rate(m: dict[str, Any]) -> str:
    return f"{m['events_per_s']:,}"


def _verdict(r: dict[str, Any]) -> str:
    if r["goal"] is None:
        return f"{r['ratio']:.2f} (no goal)"
    return f"{r['ratio']:.2f} {'met' if r['met'] else '**MISSED**'} (goal >= {r['goal']})"


def markdown(result: dict[str, Any]) -> str:
    ms, rs = result["measurements"], result["ratios"]
    heads = [m for m in ms if m["headline"]]
    order = list(dict.fromkeys(r["workload"] for r in rs))
    cfg = result["config"]
    lines = [
        f"`{result.get('command', 'bench.event_store.run_benchmark')}`: PostgreSQL {result['postgresql']}, {result['machine']['cpus']} CPUs, "
        f"Python {result['machine']['python']}; whole run {result['wall_s']:,} s; 1-minute load average "
        f"{' before, '.join(str(x) for x in result['machine']['load_average_1min'])} after. Events are EvidenceSubmitted "
        f"with a ~400-character narrative; reads of a stream: {cfg['stream_reads']} streams, one after another. "
        f"Each read workload ran {cfg.get('read_repeats', 1)} times back to back; its median run is shown (every "
        "run's seconds are in the JSON). Before any library ran, "
        f"{result['wal_warmup_mib']:,} MiB of WAL was written and discarded, so each found its WAL segment files "
        "made (untimed).",
        "",
        "| workload | ours events/s | eventsourcing events/s | raw asyncpg events/s (ceiling) "
        "| ours / eventsourcing | ours / raw |",
        "|---|---:|---:|---:|---|---|",
    ]
    for w in order:
        cell = {m["library"]: m for m in heads if m["workload"] == w}
        ratio = {r["ours_over"]: r for r in rs if r["workload"] == w}
        lines.append(
            f"| {w} | {_rate(cell[OURS])} | {_rate(cell[ES])} | {_rate(cell[RAW])} ({cell[RAW]['variant']}) "
            f"| {_verdict(ratio[ES])} | {_verdict(ratio[RAW])} |"
        )
    lines += [
        "",
        "Each figure in full, with the other variants measured (information: the goals are judged on the "
        "table above; our stream reads decode every event, our log read hands out rows that decode when "
        "asked, eventsourcing's and raw reads do not decode):",
        "",
        "| workload | library | variant | events | seconds | events/s | WAL bytes/event |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for w in order:
        for m in ms:
            if m["workload"] == w:
                label = m["variant"] + ("" if m["headline"] else " (information)")
                wal = m["wal_bytes_per_event"]
                lines.append(
                    f"| {w} | {m['library']} | {label} | {m['events']:,} | {m['seconds']:.2f} | {_rate(m)} "
                    f"| {'' if wal is None else f'{wal:,}'} |"
                )
    met, missed = result["goals_met"], result["goals_missed"]
    lines += ["", f"Goals: {len(met)} met, {len(missed)} missed."]
    lines += [
        f"- MISSED: {r['workload']}: ours / {r['ours_over']} = {r['ratio']:.2f} (goal >= {r['goal']})"
        for r in missed
    ]
    lines += [
        f"- met: {r['workload']}: ours / {r['ours_over']} = {r['ratio']:.2f} (goal >= {r['goal']})"
        for r in met
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    defaults = Config()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--events", type=int, help=f"events in the fill and the global log (default {defaults.events:,})"
    )
    parser.add_argument(
        "--streams", type=int, help=f"streams the one-event appends go to (default {defaults.streams:,})"
    )
    parser.add_argument(
        "--appends", type=int, help=f"one-event appends per concurrency level (default {defaults.appends:,})"
    )
    parser.add_argument(
        "--writers", type=int, nargs="+", help="concurrency levels of one-event appends (default 1 8 32)"
    )
    parser.add_argument(
        "--fill-writers",
        type=int,
        help=f"concurrent writers of the batched fill (default {defaults.fill_writers})",
    )
    parser.add_argument(
        "--stream-reads", type=int, help=f"full streams read (default {defaults.stream_reads})"
    )
    parser.add_argument("--page", type=int, help=f"global log page size (default {defaults.page:,})")
    parser.add_argument(
        "--read-repeats",
        type=int,
        help=f"runs of each read workload, the median reported (default {defaults.read_repeats})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run of seconds: {QUICK.events:,} events, {QUICK.appends} appends per level (flags given override)",
    )
    parser.add_argument(
        "--database-url", help="a PostgreSQL server to use (default: an embedded one in a temporary folder)"
    )
    parser.add_argument("--keep-databases", action="store_true", help="do not drop the benchmark's databases")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else defaults
    overrides = {
        "events": args.events,
        "streams": args.streams,
        "appends": args.appends,
        "writers": tuple(args.writers) if args.writers else None,
        "fill_writers": args.fill_writers,
        "stream_reads": args.stream_reads,
        "page": args.page,
        "read_repeats": args.read_repeats,
        "database_url": args.database_url,
    }
    config = replace(
        config, keep_databases=args.keep_databases, **{k: v for k, v in overrides.items() if v is not None}
    )
    if config.database_url:
        server_url = config.database_url
    else:
        folder = Path(tempfile.mkdtemp(prefix="bench-event-store-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # runs after the server's own atexit stop
        server_url = start_server(folder)
    result = {
        "benchmark": "PostgreSQL event store: append and read, against eventsourcing and raw asyncpg",
        "command": command_line("bench.event_store", argv),
    }
    result |= asyncio.run(run_benchmark(config, server_url))
    publish(NAME, result, markdown(result), quick=args.quick)


if __name__ == "__main__":
    main()
