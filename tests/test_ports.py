"""Given the kernel's ephemeral port range, when a test asks for a free port, then it gets one outside that range
(where nothing else is handed it in the meantime) that it can bind."""

from __future__ import annotations

import socket

from runtime.ports import _bindable, _ephemeral_range, free_port


def test_a_free_port_is_outside_the_ephemeral_range_and_bindable() -> None:
    low, high = _ephemeral_range()
    for _ in range(20):
        port = free_port()
        assert not low <= port <= high
        assert _bindable(port)


def test_a_port_someone_listens_on_is_not_free() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", free_port()))
        s.listen()
        assert not _bindable(s.getsockname()[1])
