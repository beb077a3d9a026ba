"""`gmts projections rebuild` as an administrator runs it: the installed console script, in a real process."""

from __future__ import annotations

import os
import subprocess

import asyncpg

from eventstore.store import EventStore
from projections.queries import cohort_progress
from tests.cli.test_gmts import GMTS
from tests.projections.journeys import append_interleaved, expected_progress, journey, tables


def rebuild(database_url: str) -> subprocess.CompletedProcess[str]:
    assert GMTS is not None, "the gmts console script is not installed in this environment"
    env = {**os.environ, "GMTS_DATABASE_URL": database_url}
    return subprocess.run(
        [GMTS, "projections", "rebuild"], capture_output=True, text=True, env=env, timeout=60, check=False
    )


async def test_gmts_projections_rebuild_projects_every_event_and_gives_the_same_tables_again(
    store: EventStore, pool: asyncpg.Pool, database_url: str
) -> None:
    a, b = (
        journey("t-risk", seed=4, evidence_per_week=1, drop_sign_offs=0.8),
        journey("t-mid", seed=6, commands=320),
    )
    assert await append_interleaved(store, [a, b]) == len(a) + len(b)
    first = rebuild(database_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"projected {len(a) + len(b)} events\n"
    rows = await cohort_progress(pool, "2024-north")
    assert rows == [
        expected_progress(await store.read_stream("trainee-t-mid")),
        expected_progress(await store.read_stream("trainee-t-risk")),
    ]
    projected = await tables(pool)

    again = rebuild(database_url)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    assert await tables(pool) == projected
