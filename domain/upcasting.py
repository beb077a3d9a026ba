"""Event schema evolution: upcasters turn an event stored at an older schema version into the current one, on read.

An upcaster is registered per (event type, version it reads) and returns the data at the next version; reading
applies them in a chain up to the model's `SCHEMA_VERSION`. Stored events are never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Data = dict[str, Any]
Upcaster = Callable[[Data], Data]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class MissingUpcaster(LookupError):
    pass


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register `fn` to turn `event_type` data at `from_version` into `from_version + 1`."""

    def register(fn: Upcaster) -> Upcaster:
        key = (event_type, from_version)
        if key in _UPCASTERS:
            raise ValueError(f"an upcaster for {event_type} v{from_version} is already registered")
        _UPCASTERS[key] = fn
        return fn

    return register


def upcast(event_type: str, version: int, target: int, data: Data) -> Data:
    while version < target:
        step = _UPCASTERS.get((event_type, version))
        if step is None:
            raise MissingUpcaster(
                f"{event_type} is stored at schema v{version} but no upcaster reads it (target v{target})"
            )
        data = step(data)
        version += 1
    return data


@contextmanager
def registered(event_type: str, from_version: int, fn: Upcaster) -> Iterator[None]:
    """Register an upcaster for the duration of a block (for tests of old stored events)."""
    upcaster(event_type, from_version)(fn)
    try:
        yield
    finally:
        del _UPCASTERS[(event_type, from_version)]
