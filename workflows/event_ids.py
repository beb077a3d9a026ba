"""The ids of the events a journey writes, derived from what caused them: an update id, or a deadline's key.

A retried activity, a client retrying with the same update id, or a deadline fired again after continue-as-new
derive the same ids, so the store writes those events once. Each id is `uuid.uuid5(EVENT_IDS,
f"{trainee_id}:{key}:{index}")`, computed without the import the standard library's `uuid5` runs on every call:
inside the workflow sandbox every import statement goes through the sandbox's import hook (~18 us a command,
measured on a replay of a 300-command journey).
"""

from __future__ import annotations

from hashlib import sha1
from uuid import UUID

EVENT_IDS = UUID("0c6f5b8e-7a53-4e4b-9a59-3f3d7b2a9e10")


def event_ids(trainee_id: str, key: str, count: int) -> list[UUID]:
    """The ids of the `count` events that `key` (an update id, a deadline's key) wrote for the trainee."""
    prefix = EVENT_IDS.bytes + f"{trainee_id}:{key}:".encode()
    return [
        UUID(bytes=sha1(prefix + str(i).encode(), usedforsecurity=False).digest()[:16], version=5)
        for i in range(count)
    ]
