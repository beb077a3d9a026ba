"""Worker tuning read from the environment: what a setting accepts, and a clear refusal of what it does not."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.settings import Settings


def test_the_share_of_polls_for_new_journeys_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GMTS_WORKER_NEW_JOURNEY_POLLS", "1.0")
    assert Settings().worker_new_journey_polls == 1.0


@pytest.mark.parametrize("value", ["0", "1.5", "-0.2", "half"])
def test_a_share_outside_zero_to_one_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("GMTS_WORKER_NEW_JOURNEY_POLLS", value)
    with pytest.raises(ValidationError, match="worker_new_journey_polls"):
        Settings()
