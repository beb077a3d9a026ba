"""A free TCP port on the loopback for a server the tests or benchmarks start (Temporal, the API, `gmts start`).

Chosen outside the kernel's ephemeral range: a port the kernel handed out with `bind(0)` can be handed out again
before our server binds it, to an outgoing connection or to another server asking for any port (the Temporal
dev server picks its HTTP and metrics ports that way). A CI run failed on exactly that. Outside the range, only
another caller of this function could take it, and each pick is random and checked free.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10_000  # well clear of the registered services below


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = (int(p) for p in _RANGE_FILE.read_text().split())
    except (OSError, ValueError):
        return 32_768, 60_999  # Linux's default; macOS and Windows use 49152-65535
    return low, high


def _outside_ephemeral() -> int | None:
    """A random port from _LOWEST up that is not in the ephemeral range; None if the range covers them all."""
    low, high = _ephemeral_range()
    below, above = range(_LOWEST, max(low, _LOWEST)), range(max(high + 1, _LOWEST), 65_536)
    if not below and not above:
        return None
    k = random.randrange(len(below) + len(above))
    return below[k] if k < len(below) else above[k - len(below)]


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A loopback port nothing listens on now and the kernel will not hand out on its own."""
    for _ in range(200):
        port = _outside_ephemeral()
        if port is None:
            break
        if _bindable(port):
            return port
    with socket.socket() as s:  # everything outside the range is taken: fall back to the kernel's pick
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
