"""How often the projector polls the log: at once while a batch comes back full, every BUSY_POLL_S while events
keep arriving, backing off to the poll interval when the log goes quiet, and further on failures."""

from __future__ import annotations

import pytest

from projections.projector import BUSY_POLL_S, MAX_BACKOFF_S, POLL_INTERVAL_S, next_poll_delay

BATCH = 500


def test_given_a_full_batch_then_it_polls_again_at_once() -> None:
    assert next_poll_delay(BATCH, BATCH, POLL_INTERVAL_S, POLL_INTERVAL_S, failures=0) == 0


@pytest.mark.parametrize("previous", [0.0, BUSY_POLL_S, 0.4, POLL_INTERVAL_S])
def test_given_some_events_then_it_polls_again_soon_whatever_it_waited_before(previous: float) -> None:
    assert next_poll_delay(3, BATCH, previous, POLL_INTERVAL_S, failures=0) == BUSY_POLL_S


def test_given_a_quiet_log_then_the_wait_doubles_up_to_the_poll_interval() -> None:
    delay, waits = BUSY_POLL_S, []
    for _ in range(8):
        delay = next_poll_delay(0, BATCH, delay, POLL_INTERVAL_S, failures=0)
        waits.append(delay)
    assert waits == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0]


def test_given_a_quiet_log_after_a_full_batch_then_it_starts_backing_off_from_the_busy_wait() -> None:
    assert next_poll_delay(0, BATCH, 0.0, POLL_INTERVAL_S, failures=0) == 2 * BUSY_POLL_S


def test_given_a_poll_interval_below_the_busy_wait_then_the_interval_bounds_every_wait() -> None:
    assert next_poll_delay(3, BATCH, 0.0, 0.02, failures=0) == 0.02
    assert next_poll_delay(0, BATCH, 0.02, 0.02, failures=0) == 0.02


def test_given_failures_in_a_row_then_it_backs_off_from_the_poll_interval_up_to_the_cap() -> None:
    waits = [next_poll_delay(0, BATCH, BUSY_POLL_S, POLL_INTERVAL_S, failures=n) for n in (1, 2, 3, 6, 40)]
    assert waits == [2.0, 4.0, 8.0, MAX_BACKOFF_S, MAX_BACKOFF_S]
