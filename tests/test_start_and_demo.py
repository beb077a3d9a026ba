"""The newcomer's path: `gmts start` brings everything up; `gmts demo` walks a cohort to graduation and HR;
Ctrl-C stops it all. Real processes, real PostgreSQL, the real Temporal dev server, real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from runtime.ports import free_port

GMTS = str(Path(sys.executable).parent / "gmts")


def test_start_then_demo_then_ctrl_c(tmp_path: Path, database_url: str) -> None:
    env = {
        **os.environ,
        "GMTS_DATA_DIR": str(tmp_path),
        "GMTS_DATABASE_URL": database_url,
        "GMTS_API_PORT": str(free_port()),
        "GMTS_TEMPORAL_PORT": str(free_port()),
        "GMTS_TEMPORAL_UI_PORT": str(free_port()),
    }
    stack = subprocess.Popen(
        [GMTS, "start"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert stack.stdout is not None
        banner = []
        for line in stack.stdout:
            banner.append(line)
            if line.startswith("ready"):
                break
        else:
            raise AssertionError("gmts start did not become ready:\n" + "".join(banner))
        text = "".join(banner)
        assert f"API: http://127.0.0.1:{env['GMTS_API_PORT']}" in text
        assert f"Temporal web UI: http://127.0.0.1:{env['GMTS_TEMPORAL_UI_PORT']}" in text
        assert "demo admin token (8 hours): ey" in text
        assert "projector following the event log" in text

        demo = subprocess.run(
            [GMTS, "demo", "--trainees", "3"], env=env, capture_output=True, text=True, timeout=300
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        lines = demo.stdout.splitlines()
        graduated = [line for line in lines if " graduated " in line and "HR notified: True" in line]
        assert len(graduated) == 2, demo.stdout
        assert any(" active " in line and "year-one milestone" in line for line in lines), demo.stdout
        assert "cohort progress (read model): 3 trainees" in demo.stdout
        assert "HR inbox: 2 graduation record(s) received" in demo.stdout

        stack.send_signal(signal.SIGINT)
        rest, _ = stack.communicate(timeout=60)
    finally:
        if stack.poll() is None:
            stack.kill()
            stack.wait()
    assert stack.returncode == 0, rest
    assert rest.rstrip().endswith("stopped")
    assert (tmp_path / "temporal.db").exists(), "Temporal's data persists in the data folder"
