"""Given the kernel's ephemeral port range, when a test asks for a free port, then it gets one outside that range
(where nothing else is handed it in the meantime) that it can bind."""

from __future__ import annotations

import socket

import pytest

from runtime import ports
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


@pytest.mark.parametrize(("low", "high"), [(49_152, 65_535), (1_024, 20_000)])
def test_given_another_ephemeral_range_then_the_port_is_outside_it(
    monkeypatch: pytest.MonkeyPatch, low: int, high: int
) -> None:
    monkeypatch.setattr(ports, "_ephemeral_range", lambda: (low, high))
    for _ in range(20):
        assert not low <= free_port() <= high


def test_given_an_ephemeral_range_covering_every_port_then_the_kernel_picks_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ports, "_ephemeral_range", lambda: (1_024, 65_535))
    assert ports._bindable(free_port())
