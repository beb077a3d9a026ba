"""Today's workflow code must replay the saved histories of real runs (see record_histories.py): a change that
is not deterministic against them fails here, and must go behind `workflow.patched(...)`."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from domain.framework import shipped_frameworks
from worker.runner import journey_runner
from workflows.data_converter import journey_data_converter
from workflows.trainee_journey import TraineeJourneyWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_the_saved_histories_cover_a_whole_journey_for_each_generation_of_the_code() -> None:
    runs = ["journey_continued_run", "journey_first_run", "journey_last_run"]
    generations = [
        "v1-regular-append",
        "v2-local-append",
        "v3-load-on-start",
        "v4-local-load-hr-apart",
        "v5-steady-calendar-timer",
        "v6-answer-applied",
        "v7-append-answers-stamps",
    ]
    assert [p.stem for p in HISTORIES] == [f"{g}_{r}" for g in generations for r in runs]


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_saved_history_replays_deterministically(path: Path) -> None:
    shipped_frameworks()  # as the worker does, before any workflow code runs
    history = WorkflowHistory.from_json("trainee-journey-t-recorded", path.read_text())
    replayer = Replayer(
        workflows=[TraineeJourneyWorkflow],
        data_converter=journey_data_converter,
        workflow_runner=journey_runner(journey_data_converter),  # as the service runs journeys
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
