"""What starts a trainee's journey workflow, and the workflow id a trainee's journey runs under.

A module of its own so the workflow imports it passed through the sandbox: a pydantic model defined in the
workflow module was built again for every journey the worker started or replayed (4.7% of the service's
main-thread samples while enrolling, py-spy during bench/end_to_end.py).
"""

from __future__ import annotations

from pydantic import BaseModel


class JourneyInput(BaseModel):
    trainee_id: str
    stream_version: int = 0  # > 0 when continuing: reload the stream and check it reaches this version
    max_history_length: int = 10_000
    hr_retry_initial_interval_s: float = 1.0
    hr_retry_for_days: float = 14.0


def workflow_id_for(trainee_id: str) -> str:
    return f"trainee-journey-{trainee_id}"
