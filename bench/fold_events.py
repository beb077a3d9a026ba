"""Decode stored events and fold them into a status: one two-year journey, and 10,000 journeys.

Goal (issue 2): at least 200,000 events/s decoded and folded on a 2-core machine.

The stored form is the event store's row: typed envelope columns (uuid, timestamptz, ... which asyncpg decodes
in C) and the event itself as JSON text, validated in pydantic strict mode (`domain.events.from_stored`). The
whole-event JSON document path (`decode_stored`, used for exports and payloads) and the event JSON alone, strict
and lax (as for a stranger's input), are measured beside it. 10,000 journeys are copies of the sample journey, each given its own
trainee id and event ids (so no two journeys share bytes), split over one worker process per core.

    make bench            # or: .venv/bin/python -m bench.fold_events [--journeys N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from cli.main import replay_sample
from domain.events import EVENT_TYPES, StoredEvent, decode_stored, encode_event, from_stored, to_stored
from domain.evolve import fold
from domain.status import status_of
from runtime.gc_tuning import tune_for_replay

RESULTS = Path(__file__).parent / "results"


def stored_rows(trainee: int = 1) -> list[StoredEvent]:
    """The sample journey as store rows, for trainee number `trainee` (distinct ids and text per trainee)."""
    events, _ = replay_sample()
    rows = []
    tid = f"t-{trainee:06d}"
    for e in events:
        row = to_stored(e)
        data = row.data if isinstance(row.data, str) else row.data.decode()
        rows.append(
            row._replace(
                event_id=uuid.uuid5(row.event_id, tid),
                stream_id=f"trainee-{tid}",
                data=data.replace("t-0001", tid),
            )
        )
    return rows


def decode_and_fold(rows: list[StoredEvent]) -> int:
    return fold(from_stored(r) for r in rows).version


def _best_rate(n: int, fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return n / statistics.median(times), n / min(times)


def one_journey(repeats: int) -> dict[str, Any]:
    rows = stored_rows()
    events = [from_stored(r) for r in rows]
    documents = [encode_event(e) for e in events]
    n = len(rows)
    workloads: dict[str, Callable[[], Any]] = {
        "rows: decode (strict) + fold": lambda: decode_and_fold(rows),
        "rows: decode only (strict)": lambda: [from_stored(r) for r in rows],
        "rows: the event JSON alone, strict (no envelope)": lambda: [
            EVENT_TYPES[r.type].model_validate_json(r.data, strict=True) for r in rows
        ],
        "rows: the event JSON alone, lax as for untrusted input (no envelope)": lambda: [
            EVENT_TYPES[r.type].model_validate_json(r.data) for r in rows
        ],
        "fold only": lambda: fold(events),
        "whole-event JSON documents: decode (strict) + fold": lambda: fold(
            decode_stored(d) for d in documents
        ),
    }
    out: dict[str, Any] = {"events": n}
    for name, fn in workloads.items():
        median, best = _best_rate(n, fn, repeats)
        out[name] = {"median_events_per_s": round(median), "best_events_per_s": round(best)}
    return out


def _one_journey_in(tuned: bool, repeats: int) -> dict[str, Any]:
    if tuned:
        tune_for_replay()
    return one_journey(repeats)


def _worker(args: tuple[int, int, bool]) -> tuple[int, float]:
    first, count, tuned = args
    template = stored_rows()
    if tuned:
        tune_for_replay()
    events = 0
    busy = 0.0
    for k in range(first, first + count):
        tid = f"t-{k:06d}"
        rows = [  # a distinct journey (ids and text), made outside the timed part
            r._replace(
                event_id=uuid.uuid5(r.event_id, tid),
                stream_id=f"trainee-{tid}",
                data=str(r.data).replace("t-000001", tid),
            )
            for r in template
        ]
        t = time.perf_counter()
        events += decode_and_fold(rows)
        busy += time.perf_counter() - t
    return events, busy


def many_journeys(journeys: int, processes: int, tuned: bool) -> dict[str, Any]:
    share = [journeys // processes + (i < journeys % processes) for i in range(processes)]
    starts = [sum(share[:i]) for i in range(processes)]
    t = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(_worker, [(s, c, tuned) for s, c in zip(starts, share, strict=True)]))
    wall = time.perf_counter() - t
    events = sum(r[0] for r in results)
    per_process = [r[0] / r[1] for r in results]
    return {
        "journeys": journeys,
        "processes": processes,
        "events": events,
        "events_per_s_all_processes": round(sum(per_process)),
        "events_per_s_per_process": [round(x) for x in per_process],
        "wall_s_including_making_the_copies": round(wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--journeys", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    rows = stored_rows()
    final = status_of(fold(from_stored(r) for r in rows))
    assert final.outcome.value == "graduated", "the sample journey must replay to a graduation"
    cores = os.cpu_count() or 1
    modes: dict[str, Any] = {}
    for mode, tuned in (("default GC", False), ("GC tuned for replay", True)):
        with ProcessPoolExecutor(1) as pool:  # a fresh process per mode, so one cannot warm up the other
            single = pool.submit(_one_journey_in, tuned, args.repeats).result()
        modes[mode] = {"one_journey": single, "many_journeys": many_journeys(args.journeys, cores, tuned)}
    result = {
        "benchmark": "decode stored events and fold them (issue 2)",
        "command": f"python -m bench.fold_events --journeys {args.journeys} --repeats {args.repeats}",
        "goal_events_per_s": 200_000,
        "machine": {"cpus": cores, "python": platform.python_version(), "platform": platform.platform()},
        "modes": modes,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fold_events.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "| workload | events | " + " | ".join(f"{m}: median (best) events/s" for m in modes) + " |",
        "|---|---:|" + "---:|" * len(modes),
    ]
    first = next(iter(modes.values()))
    for name, v in first["one_journey"].items():
        if isinstance(v, dict):
            cells = [
                f"{m['one_journey'][name]['median_events_per_s']:,} ({m['one_journey'][name]['best_events_per_s']:,})"
                for m in modes.values()
            ]
            lines.append(
                f"| one journey, {name} | {first['one_journey']['events']:,} | " + " | ".join(cells) + " |"
            )
    many = first["many_journeys"]
    cells = [
        f"{m['many_journeys']['events_per_s_all_processes']:,} ({' + '.join(f'{x:,}' for x in m['many_journeys']['events_per_s_per_process'])})"
        for m in modes.values()
    ]
    lines.append(
        f"| {many['journeys']:,} journeys, rows: decode (strict) + fold, {cores} processes (sum (per process)) "
        f"| {many['events']:,} | " + " | ".join(cells) + " |"
    )
    table = "\n".join(lines) + "\n"
    (RESULTS / "fold_events.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
