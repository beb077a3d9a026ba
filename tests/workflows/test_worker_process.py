"""`gmts worker` as an operator runs it: a real process, real Temporal, real PostgreSQL; Ctrl-C stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from eventstore.store import EventStore
from runtime.ports import free_port
from tests.workflows.driver import enrol, enrolment, journey
from workflows.data_converter import journey_data_converter

GMTS = str(Path(sys.executable).parent / "gmts")


@contextmanager
def gmts_worker(env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [GMTS, "worker"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("worker on task queue"):
                break
        else:
            pytest.fail(f"gmts worker did not start (exit {process.wait()})")
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, out
    return out


async def test_the_worker_process_serves_journeys_and_stops_on_ctrl_c(
    dev_server: WorkflowEnvironment, database_url: str, store: EventStore
) -> None:
    task_queue = f"q-{uuid.uuid4().hex[:8]}"
    env = {
        "GMTS_TEMPORAL_ADDRESS": dev_server.client.service_client.config.target_host,
        "GMTS_DATABASE_URL": database_url,
        "GMTS_TASK_QUEUE": task_queue,
    }
    tid = f"t-{uuid.uuid4().hex[:8]}"
    today = datetime.now(UTC).date()
    with gmts_worker(env) as process:
        summary = await enrol(
            dev_server.client, enrolment(tid, start=today, end=today + timedelta(days=700)), task_queue
        )
        output = stop(process)
    assert summary.version == 1
    assert [e.type for e in await store.read_stream(f"trainee-{tid}")] == ["TraineeEnrolled"]
    assert "stopping: finishing in-flight work" in output
    assert output.rstrip().endswith("stopped")


async def test_with_no_temporal_configured_journeys_survive_a_restart(
    tmp_path: Path, database_url: str
) -> None:
    port, ui = free_port(), free_port()
    env = {
        "GMTS_DATA_DIR": str(tmp_path),
        "GMTS_DATABASE_URL": database_url,
        "GMTS_TEMPORAL_PORT": str(port),
        "GMTS_TEMPORAL_UI_PORT": str(ui),
    }
    tid = f"t-{uuid.uuid4().hex[:8]}"
    today = datetime.now(UTC).date()
    with gmts_worker(env) as process:
        client = await Client.connect(f"127.0.0.1:{port}", data_converter=journey_data_converter)
        await enrol(client, enrolment(tid, start=today, end=today + timedelta(days=700)), "trainee-journeys")
        stop(process)
    with closing(sqlite3.connect(tmp_path / "temporal.db")) as db:
        # A write-ahead log: the rollback journal SQLite defaults to syncs about three times per transaction.
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    with gmts_worker(env) as process:
        client = await Client.connect(f"127.0.0.1:{port}", data_converter=journey_data_converter)
        summary = await asyncio.wait_for(journey(client, tid).query("summary"), timeout=30)
        stop(process)
    assert summary["trainee_id"] == tid
    assert summary["version"] == 1
