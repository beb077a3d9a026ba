"""Fill an event store with millions of realistic, valid events, quickly: what the auditors' queries and the
status replay of bench/end_to_end.py are measured on.

Appending 5,000,000 events through the store would take the best part of ten minutes here (its batched rate is
~10,000 events/s, bench/results/event_store.md); this writes the rows the store would have written with COPY:

- Realistic: each trainee's stream is a prefix of a two-year journey from `domain.sample_journey` (templates:
  a few seeds and intakes, run through the domain's rules once each), cut at a random point, so the store holds
  trainees at every stage, from just enrolled to graduated (about 490 events each on average). Each trainee
  has their own ids (trainee, placement managers, event ids, correlation ids); programme managers have 50
  trainees each. Journeys interleave in the global log by their recorded time, as they would in service.
- Valid: content digests and hash chains computed as the store's append does (eventstore/chain.py), the streams'
  heads, the competency index (`event_competencies`) and the global positions' sequence, so `gmts verify`
  passes (tests/bench/test_bulk_fill.py verifies every stream of a small fill).

A trainee's rows are derived from the template's by replacing the template's ids in the event's JSON and in
its canonical digest text (ids are plain JSON strings, never keys, so the canonical text stays sorted):
a few microseconds an event instead of the rules, pydantic and JSON encoding.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import random
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from uuid import UUID, uuid5

import asyncpg

from domain.events import RecordedEvent, stream_id_for
from domain.execute import execute
from domain.sample_journey import sample_journey
from domain.state import TraineeState
from eventstore.chain import GENESIS, canonical_text, content_of, link
from eventstore.store import competencies_of

TEMPLATE_TRAINEE = "t-999999"  # replaced by each trainee's id (so fills hold at most 999,999 trainees)
TEMPLATE_PM = "pm-north"  # the sample journey's programme manager, replaced by the trainee's
TRAINEES_PER_PM = 50
INTAKES = (date(2023, 9, 4), date(2024, 9, 2))
SEEDS = (1, 2, 3)
CHUNK = 20_000  # rows per COPY transaction

EVENT_COLUMNS = (
    "global_position",
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
_RECORDED_AT = EVENT_COLUMNS.index("recorded_at") - 1  # in a row before its position is prefixed
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def trainee_id(k: int) -> str:
    return f"t-{k:06d}"


def programme_manager(k: int) -> str:
    return f"pm-{k // TRAINEES_PER_PM:04d}"


@dataclass(frozen=True)
class TemplateEvent:
    """One event of a template journey, with the texts a trainee's copy is derived from."""

    event_id: UUID
    version: int
    type: str
    schema_version: int
    data: str  # as the store writes it (`model_dump_json`)
    canonical: str  # the content digest's text (eventstore.chain.canonical_text)
    actor_id: str
    actor_role: str
    correlation_id: str
    causation_id: str
    occurred_at: datetime
    recorded_at: datetime  # as the store stamps it: never before the event before it in the stream
    competencies: tuple[str, ...]  # what the store puts in event_competencies
    linked: tuple[UUID, ...]  # other events of the stream named in `data` (HR records name the graduation)


def template_journey(seed: int, start: date) -> list[TemplateEvent]:
    """A two-year journey run through the rules (as `gmts sample` does), kept as templates."""
    state = TraineeState()
    events: list[RecordedEvent] = []
    ids = uuid5(UUID(int=seed), start.isoformat())
    for n, command in enumerate(sample_journey(TEMPLATE_TRAINEE, seed=seed, start=start)):
        ids = uuid5(ids, str(n))
        request = f"req-{TEMPLATE_TRAINEE}-{n}"
        recorded, state = execute(
            state,
            command,
            event_ids=(uuid5(ids, str(i)) for i in range(8)),
            recorded_at=command.at,
            correlation_id=request,
            causation_id=request,
        )
        events += recorded
    own = {str(e.event_id) for e in events}
    out = []
    stamped = events[0].occurred_at
    for e in events:
        # The sample's commands are not all in time order (a sign-off answers days later, before the next
        # request of the same week); the store stamps recorded_at in append order, so it only moves forward.
        stamped = max(stamped + timedelta(microseconds=1), e.occurred_at)
        data = e.data.model_dump_json()
        dumped = e.data.model_dump(mode="json")
        canonical = canonical_text(**content_of(e, dumped))
        linked = tuple(UUID(u) for u in dict.fromkeys(_UUID.findall(data)) if u in own)
        out.append(
            TemplateEvent(
                e.event_id,
                e.version,
                e.type,
                e.schema_version,
                data,
                canonical,
                e.actor_id,
                e.actor_role.value,
                e.correlation_id,
                e.causation_id,
                e.occurred_at,
                stamped,
                competencies_of(dumped),
                linked,
            )
        )
    return out


@cache
def templates() -> tuple[tuple[TemplateEvent, ...], ...]:
    return tuple(tuple(template_journey(seed, start)) for start in INTAKES for seed in SEEDS)


Row = tuple[object, ...]  # an events row without its global position, in EVENT_COLUMNS[1:] order


@dataclass
class Journey:
    """Trainee number `k`'s stream: the first `length` events of a template, made one by one in version order
    (each event's hash chains on the one before)."""

    k: int
    template: tuple[TemplateEvent, ...]
    length: int
    offset: (
        timedelta  # added to the template's recorded times: each trainee's events land at their own moments
    )
    head: bytes = GENESIS
    last_recorded: datetime | None = None

    @property
    def stream_id(self) -> str:
        return stream_id_for(trainee_id(self.k))

    def rows(self) -> Iterator[Row]:
        tid, pm, sid = trainee_id(self.k), programme_manager(self.k), self.stream_id

        def own(text: str) -> str:
            return text.replace(TEMPLATE_TRAINEE, tid).replace(TEMPLATE_PM, pm)

        for t in self.template[: self.length]:
            event_id = uuid5(t.event_id, tid)
            data, canonical = own(t.data), own(t.canonical).replace(str(t.event_id), str(event_id))
            for other in t.linked:
                theirs, mine = str(other), str(uuid5(other, tid))
                data, canonical = data.replace(theirs, mine), canonical.replace(theirs, mine)
            digest = hashlib.sha256(canonical.encode()).digest()
            recorded = t.recorded_at + self.offset
            previous, self.head = self.head, link(self.head, digest, recorded)
            self.last_recorded = recorded
            yield (
                event_id,
                sid,
                t.version,
                t.type,
                t.schema_version,
                data,
                own(t.actor_id),
                t.actor_role,
                own(t.correlation_id),
                own(t.causation_id),
                t.occurred_at,
                recorded,
                digest,
                previous,
                self.head,
            )


def plan_journeys(first: int, events: int, rng: random.Random) -> list[Journey]:
    """Trainees numbered from `first`, each cut at a random point of their journey, `events` in all."""
    journeys: list[Journey] = []
    made = 0
    k = first
    shapes = templates()
    while made < events:
        template = shapes[k % len(shapes)]
        length = min(rng.randint(1, len(template)), events - made)
        offset = timedelta(seconds=rng.randrange(86_400), microseconds=rng.randrange(1_000_000))
        journeys.append(Journey(k, template, length, offset))
        made += length
        k += 1
    return journeys


@dataclass(frozen=True)
class FillResult:
    events: int
    journeys: int
    first_trainee: int
    next_trainee: int
    seconds: float
    last_position: int

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


# (events rows, event_competencies rows: competency id, recorded_at, position)
Chunk = tuple[list[tuple[object, ...]], list[tuple[str, object, int]]]


def chunks(journeys: list[Journey], base: int, size: int = CHUNK) -> Iterator[Chunk]:
    """The journeys' rows merged in recorded order, numbered from `base + 1`, in chunks for COPY."""
    template_of = {j.stream_id: j.template for j in journeys}
    merged: Iterator[Row] = heapq.merge(*(j.rows() for j in journeys), key=lambda row: row[_RECORDED_AT])  # type: ignore[arg-type,return-value]
    position = base
    rows: list[tuple[object, ...]] = []
    competencies: list[tuple[str, object, int]] = []
    for row in merged:
        position += 1
        rows.append((position, *row))
        version: int = row[2]  # type: ignore[assignment]
        for cid in template_of[row[1]][version - 1].competencies:  # type: ignore[index]
            competencies.append((cid, row[_RECORDED_AT], position))
        if len(rows) >= size:
            yield rows, competencies
            rows, competencies = [], []
    if rows:
        yield rows, competencies


async def fill(
    pool: asyncpg.Pool,
    events: int,
    *,
    first_trainee: int = 0,
    writers: int = 2,
    seed: int = 6,
    log: Callable[[str], None] = print,
) -> FillResult:
    """Add `events` events of new trainees (numbered from `first_trainee`) after what the store holds."""
    started = time.perf_counter()
    journeys = plan_journeys(first_trainee, events, random.Random(seed + first_trainee))
    written, position = await write(pool, journeys, writers=writers, log=log, started=started)
    return FillResult(
        events=written,
        journeys=len(journeys),
        first_trainee=first_trainee,
        next_trainee=first_trainee + len(journeys),
        seconds=time.perf_counter() - started,
        last_position=position,
    )


async def write(
    pool: asyncpg.Pool,
    journeys: list[Journey],
    *,
    writers: int = 2,
    log: Callable[[str], None] = print,
    started: float | None = None,
) -> tuple[int, int]:
    """Write the journeys after what the store holds; return (events written, the last global position).

    The rows are made in a thread, chunk after chunk, while `writers` connections copy the chunks made before
    (PostgreSQL maintains the indexes in its own processes meanwhile); each chunk is one transaction."""
    started = time.perf_counter() if started is None else started
    events = sum(j.length for j in journeys)
    base = int(await pool.fetchval("SELECT coalesce(max(global_position), 0) FROM events"))
    made = chunks(journeys, base)
    loop = asyncio.get_running_loop()
    ready: asyncio.Queue[Chunk | None] = asyncio.Queue(maxsize=writers)
    written = position = 0

    async def make() -> None:
        with ThreadPoolExecutor(1, thread_name_prefix="bulk-fill") as maker:
            while (chunk := await loop.run_in_executor(maker, next, made, None)) is not None:
                await ready.put(chunk)
        for _ in range(writers):
            await ready.put(None)

    async def copy() -> None:
        nonlocal written, position
        async with pool.acquire() as conn:
            while (chunk := await ready.get()) is not None:
                rows, competencies = chunk
                async with conn.transaction():
                    await conn.copy_records_to_table("events", records=rows, columns=EVENT_COLUMNS)
                    await conn.copy_records_to_table(
                        "event_competencies",
                        records=competencies,
                        columns=("competency_id", "recorded_at", "global_position"),
                    )
                written += len(rows)
                position = max(position, int(rows[-1][0]))  # type: ignore[call-overload]
                if written // (CHUNK * 25) != (written - len(rows)) // (CHUNK * 25):
                    log(f"    {written:,} of {events:,} events ({time.perf_counter() - started:.0f} s)")

    await asyncio.gather(make(), *(copy() for _ in range(writers)))
    async with pool.acquire() as conn, conn.transaction():
        await conn.copy_records_to_table(
            "streams",
            records=[(j.stream_id, j.length, j.head, j.last_recorded) for j in journeys],
            columns=("stream_id", "version", "head_hash", "updated_at"),
        )
        if position:  # the store's next append takes the next position (COPY wrote positions explicitly)
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence('events', 'global_position'), $1)", position
            )
    return written, position
