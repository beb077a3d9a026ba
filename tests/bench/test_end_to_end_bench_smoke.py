"""The end-to-end benchmark (bench/end_to_end.py) run whole at a tiny size, so it cannot rot: the real service
(`gmts start`) and the auditors' API (`gmts api`) as processes, the real Temporal dev server, a real PostgreSQL,
real HTTP. Every command succeeds and is seen by the projector, every query and replay is measured and checked,
every goal is judged, and the run leaves no database behind."""

from __future__ import annotations

import asyncpg

from bench.end_to_end import (
    LOAD,
    PARTIES,
    POSTGRES,
    QUERIES,
    QUICK,
    SERVICE,
    TEMPORAL,
    markdown,
    run_benchmark,
)

WALK = 17  # commands in a walk: two months of a placement


async def test_the_quick_run_measures_every_phase_and_judges_every_goal(postgres: tuple[str, str]) -> None:
    server, _ = postgres  # the session's PostgreSQL server (tests/conftest.py); the benchmark adds databases
    lines: list[str] = []
    result = await run_benchmark(QUICK, server, log=lines.append)

    baselines = {b["phase"]: b for b in result["baselines"]}
    assert baselines["bare insert"]["commands"] == QUICK.bare_inserts
    bare = [name for name in baselines if name.startswith("bare update")]
    assert len(bare) == 1 + 2 * len(QUICK.trainees), (
        "a bare-update phase before the load and after each phase"
    )
    for name in bare:
        assert (baselines[name]["commands"], baselines[name]["failed"]) == (QUICK.bare_updates, 0)
    starts = result["start_baselines"]
    assert [b["phase"] for b in starts] == ["bare update-with-start #1", "bare update-with-start #2"]
    for b in starts:
        expected = max(QUICK.concurrency, QUICK.bare_updates // 4)
        assert (b["commands"], b["failed"]) == (expected, 0), b["errors"]
        assert b["cpu_ms_per_command"][TEMPORAL] is not None
    timeline = result["timeline"]
    assert timeline[0] == "bare insert"
    assert not any(name.startswith("bare update-with-start") for name in timeline), "never a bare neighbour"
    assert [name.startswith("bare update") for name in timeline[1:]] == [True, False] * (
        2 * len(QUICK.trainees)
    ) + [True]
    for phase in result["load"]:
        before, after = phase["bare_neighbours"]
        assert timeline.index(before) + 1 == timeline.index(phase["phase"]) == timeline.index(after) - 1

    load = {p["phase"]: p for p in result["load"]}
    previous = QUICK.warmup
    for size in QUICK.trainees:
        enrol, walk = load[f"enrol to {size:,}"], load[f"walk at {size:,}"]
        assert (enrol["commands"], enrol["failed"]) == (size - previous, 0), enrol["errors"]
        assert (walk["commands"], walk["failed"]) == (QUICK.walkers * WALK, 0), walk["errors"]
        previous = size
        for phase in (enrol, walk):
            lag = phase["projector_lag"]
            assert lag["seen"] == lag["acknowledged"] == phase["commands"], "the projector saw every command"
            assert 0 <= lag["p50_ms"] <= lag["p99_ms"]
            assert 0 < phase["p50_ms"] <= phase["p95_ms"] <= phase["p99_ms"]
            cpu = phase["cpu_ms_per_command"]
            assert (cpu[SERVICE] or 0) > 0, "the service process's CPU is metered"
            assert cpu[TEMPORAL] is not None
            assert cpu[LOAD] is not None
            assert set(cpu) >= {SERVICE, TEMPORAL, POSTGRES, LOAD}, "CPU per command, and nothing but CPU"
            assert all(k in PARTIES or k in {"service processes", "other_processes_cores"} for k in cpu)
            assert (phase["service_rss_mib"] or 0) > 50, "the service's memory is reported beside its CPU"

    checks = result["checks"]
    assert checks["read_model_trainees"] == checks["enrolled"] == QUICK.trainees[-1]
    assert checks["service_verify"]["ok"]
    assert checks["service_verify"]["streams"] == QUICK.trainees[-1]
    assert checks["fill_verify"]["ok"]
    assert checks["fill_verify"]["streams"] == QUICK.verify_streams

    for target, filled, replayed in zip(QUICK.fill, result["fill"], result["replay"], strict=True):
        assert filled["events"] == target
        assert replayed["journeys"] == filled["journeys"], "small fills replay every journey"
        assert replayed["events"] == target, "the replay read every event of the store"
        for query in QUERIES:
            for via in ("store", "HTTP"):
                [timing] = [
                    t
                    for t in result["audit"]
                    if (t["fill_events"], t["query"], t["via"]) == (target, query, via)
                ]
                assert timing["runs"] == QUICK.audit_repeats, (target, query, via)
                assert timing["p99_ms"] is not None
                assert timing["p99_ms"] > 0

    goals = result["goals"]
    kinds = {g["goal"].split(" ")[0] for g in goals}
    assert kinds == {"throughput", "p99", "audit", "cost"}
    assert len([g for g in goals if g["goal"].startswith("audit")]) == 2 * len(QUERIES)
    report = markdown(result)
    missed = [g for g in goals if not g["pass"]]
    assert f"{len(goals) - len(missed)} of {len(goals)} PASS." in report
    assert report.count("**MISS**") >= len(missed), "a miss is never hidden"
    for size in QUICK.trainees:
        assert f"| walk at {size:,} |" in report
    assert "### Enrolments beside a bare update-with-start (information)" in report
    assert f"trainees x {WALK} commands" in report, "the report states the walk's length as walked"

    conn = await asyncpg.connect(server)
    try:
        left = await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname LIKE 'e2e\\_%'")
    finally:
        await conn.close()
    assert left == 0, "the benchmark drops its databases"
