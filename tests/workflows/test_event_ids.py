"""A journey's event ids are uuid5 of what caused them: the same ids whichever code derived them, so a command
retried across a deploy is still recognised as written."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from workflows.event_ids import EVENT_IDS, event_ids


@given(trainee_id=st.text(), key=st.text(), count=st.integers(min_value=0, max_value=12))
def test_each_id_is_uuid5_of_the_trainee_the_key_and_the_index(trainee_id: str, key: str, count: int) -> None:
    expected = [uuid.uuid5(EVENT_IDS, f"{trainee_id}:{key}:{i}") for i in range(count)]
    assert event_ids(trainee_id, key, count) == expected


def test_ids_written_before_are_derived_again() -> None:
    """Known answers: the ids the journey derived for an update before this module existed."""
    assert [str(i) for i in event_ids("t-1", "7d04617a-cec7-51f3-b085-866097b99236", 2)] == [
        "eac3389c-6da6-57ff-856b-2375aa6cdd66",
        "8556985a-369c-50e0-b4f5-cc63fb3d8578",
    ]
