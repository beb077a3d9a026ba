"""The workflow-updates benchmark (bench/workflow_updates.py) run end to end at a tiny size against the real
Temporal dev server and a real PostgreSQL, so it cannot rot: every workload completes every update, the
goal is judged at every concurrency, a miss is shown, and the database is dropped."""

from __future__ import annotations

import asyncpg

from bench.workflow_updates import (
    BARE,
    BARE_ACTIVITY,
    BARE_LOCAL,
    BREAKDOWN,
    COMMAND,
    REGULAR_APPEND,
    STORE_ALONE,
    TEMPORAL_FILE,
    Config,
    markdown,
    percentile,
    run_benchmark,
)

TINY = Config(concurrency=(1, 3), updates=(4, 6), warmup=1, breakdown="always")


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 99) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([float(x) for x in range(101)], 99) == 99.0


async def test_every_workload_runs_at_every_concurrency_and_every_goal_is_judged(
    postgres: tuple[str, str],
) -> None:
    server, _ = postgres  # the session's PostgreSQL server (tests/conftest.py); the benchmark adds a database
    lines: list[str] = []
    result = await run_benchmark(TINY, server, log=lines.append)

    for n in TINY.concurrency:
        for workload in (BARE, COMMAND, *BREAKDOWN):
            found = [p for p in result["phases"] if p["workload"] == workload and p["concurrency"] == n]
            assert len(found) == 1, (workload, n)
            phase = found[0]
            assert (phase["completed"], phase["failed"]) == (TINY.total(n), 0), phase["errors"]
            assert phase["updates_per_s"] > 0
            assert 0 < phase["p50_ms"] <= phase["p95_ms"] <= phase["p99_ms"]
            if workload != STORE_ALONE:
                assert phase["history"]["workflow_tasks_per_update"] >= 1

        def tasks(workload: str, n: int = n) -> float:
            [p] = [p for p in result["phases"] if p["workload"] == workload and p["concurrency"] == n]
            return float(p["history"]["workflow_tasks_per_update"])

        # What the breakdown rests on: a regular activity costs its update a second workflow task, a local
        # activity does not.
        assert tasks(BARE) == tasks(BARE_LOCAL) == 1
        assert tasks(BARE_ACTIVITY) == tasks(REGULAR_APPEND) == 2

        def events(workload: str, n: int = n) -> float:
            [p] = [p for p in result["phases"] if p["workload"] == workload and p["concurrency"] == n]
            return float(p["history"]["events_per_update"])

        # A command adds to its history what a bare update with a local activity does: the append's marker, and
        # no timer (the calendar's timer stays while the next deadline does not move).
        assert events(COMMAND) == events(BARE_LOCAL)

    # The dev server kept its state as the service's does (a SQLite file), so the bare update paid for it too.
    assert result["temporal_state"]["kept"] == TEMPORAL_FILE
    assert result["temporal_state"]["files_bytes_at_end"] > 0

    assert sorted(result["goals_met"] + result["goals_missed"]) == list(TINY.concurrency)
    report = markdown(result)
    assert TEMPORAL_FILE in report
    assert "| concurrency | bare cmds/s |" in report
    assert report.count("**MISSED**") >= len(result["goals_missed"]), "a miss is never hidden"
    assert "### Breakdown" in report
    assert len(lines) == len(result["phases"]) + len(TINY.concurrency)

    conn = await asyncpg.connect(server)
    try:
        left = await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", result["database"])
    finally:
        await conn.close()
    assert left == 0, "the benchmark drops its database"
