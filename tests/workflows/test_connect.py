"""Connecting to Temporal as the service's processes do (runtime/stack.py `connect`): a server that is not
serving yet is waited for, within a limit; past it, a clean TemporalUnavailable."""

from __future__ import annotations

import asyncio
import subprocess
import time

import pytest
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

from config.settings import Settings
from runtime.ports import free_port
from runtime.stack import connect
from runtime.temporal_dev_server import TemporalUnavailable, temporal_cli


async def test_connect_waits_for_a_temporal_that_starts_after_it_is_called() -> None:
    """What `gmts start` met on a busy machine: the dev server's port open, its frontend "not healthy yet".
    Here the server does not even exist when `connect` starts trying."""
    port = free_port()
    connecting = asyncio.create_task(connect(f"127.0.0.1:{port}", Settings(), wait_s=60))
    await asyncio.sleep(0.5)
    assert not connecting.done(), "connect gave up at once instead of waiting"
    server = subprocess.Popen(
        [temporal_cli(), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port), "--headless"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = await asyncio.wait_for(connecting, 90)
        assert (await client.workflow_service.get_system_info(GetSystemInfoRequest())).server_version
    finally:
        server.terminate()
        server.wait(timeout=30)


async def test_connect_gives_up_after_its_wait_with_a_clean_error() -> None:
    started = time.monotonic()
    with pytest.raises(TemporalUnavailable, match="cannot reach Temporal"):
        await connect(f"127.0.0.1:{free_port()}", Settings(), wait_s=1.0)
    assert time.monotonic() - started < 20
