"""The event-store benchmark (bench/event_store.py) run end to end at a tiny size against a real PostgreSQL,
so it cannot rot: every library runs every workload, counts what it wrote and read, and the report judges
every goal."""

from __future__ import annotations

import asyncpg
import pytest

from bench.event_store import ES, OURS, RAW, Config, markdown, run_benchmark, workloads
from tests.postgres import server_url

TINY = Config(
    events=400,
    stream_length=100,
    batch=50,
    fill_writers=2,
    stream_reads=2,
    page=150,
    streams=10,
    appends=12,
    writers=(1, 4),
    wal_warmup_mib=16,
)


@pytest.fixture(scope="module")
def server() -> str:
    return server_url("embedded")


async def test_every_library_runs_every_workload_and_every_goal_is_judged(server: str) -> None:
    lines: list[str] = []
    result = await run_benchmark(TINY, server, log=lines.append)

    headline = [m for m in result["measurements"] if m["headline"]]
    for workload in workloads(TINY):
        for library in (OURS, ES, RAW):
            found = [m for m in headline if m["workload"] == workload and m["library"] == library]
            assert len(found) == 1, (workload, library)
            assert found[0]["events"] > 0
            assert found[0]["events_per_s"] > 0
    reads = [m for m in result["measurements"] if m["workload"].startswith("read")]
    assert len(reads) == 10, "a stream and the log: ours two ways each, eventsourcing one, raw asyncpg two"
    assert all(len(m["seconds_each_run"]) == TINY.read_repeats == 3 for m in reads), (
        "every read repeats alike"
    )
    assert all(m["seconds"] == sorted(m["seconds_each_run"])[1] for m in reads), "the median run is reported"
    fill = [m for m in headline if m["workload"].startswith("append, batches")]
    assert {m["events"] for m in fill} == {TINY.events}
    assert all(m["wal_bytes_per_event"] > 0 for m in fill), "WAL is measured for every append workload"

    assert result["wal_warmup_mib"] >= 16, "the WAL is warmed before any library is timed"

    goals = [r for r in result["ratios"] if r["goal"] is not None]
    assert len(goals) == len(workloads(TINY)) + 2, "ours / eventsourcing everywhere, ours / raw COPY twice"
    assert len(result["goals_met"]) + len(result["goals_missed"]) == len(goals)

    report = markdown(result)
    for workload in workloads(TINY):
        assert workload in report
    assert f"{result['wal_warmup_mib']:,} MiB of WAL was written and discarded" in report
    assert f"Goals: {len(result['goals_met'])} met, {len(result['goals_missed'])} missed." in report
    assert report.count("MISSED") >= len(result["goals_missed"]), "a miss is never hidden"

    conn = await asyncpg.connect(server)
    try:
        left = await conn.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'bench_event_store_%'"
        )
    finally:
        await conn.close()
    assert left == 0, "the benchmark drops its databases"
