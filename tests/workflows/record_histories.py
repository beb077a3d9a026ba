"""Record the histories of a real journey's runs for the replay test (tests/workflows/test_replay.py).

    .venv/bin/python -m tests.workflows.record_histories LABEL

LABEL names the workflow code's generation (e.g. v2-local-append); histories of earlier labels are kept, so
every generation still running in production keeps being replayed.

Runs a whole journey (continue-as-new every ~600 history events, a command sent again after it, reminders,
milestone, a returned then accepted reflective piece, graduation, HR) in the time-skipping test server against an embedded PostgreSQL, and saves
the first run, a continued one and the last as JSON under tests/workflows/histories/. Re-record only on purpose: the point of the saved
histories is that today's workflow code must still replay yesterday's runs. A change that would not replay
must go behind `workflow.patched(...)`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from config.settings import Settings
from domain.actors import Role
from domain.commands import EnrolTrainee
from domain.sample_journey import sample_journey
from eventstore.bootstrap import open_store
from tests.hr_receiver import hr_receiver
from tests.workflows.driver import enrol, journey, send
from worker.build import build_worker
from workflows.data_converter import journey_data_converter
from workflows.journey_input import workflow_id_for

HISTORIES = Path(__file__).parent / "histories"


async def main(label: str) -> None:
    bin_dir = Path(sys.executable).parent
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(bin_dir / "temporal-test-server"),
        data_converter=journey_data_converter,
    )
    trainee_id = "t-recorded"
    with (
        hr_receiver(answers=[503]) as hr,
        hr_receiver() as second_hr,
        tempfile.TemporaryDirectory() as data,
    ):
        # Two HR endpoints (one failing once): the journey notifies each on its own (`hr-endpoints-apart`).
        settings = Settings(
            data_dir=Path(data), hr_webhook_urls=f"{hr.url},{second_hr.url}", max_history_length=600
        )
        async with (
            open_store(settings) as store,
            build_worker(env.client, store, settings, task_queue="record"),
        ):
            start = (await env.get_current_time()).date() + timedelta(days=1)
            commands = [
                c
                for c in sample_journey(trainee_id, start=start, evidence_per_week=2, hr_endpoints=())
                if c.actor.role is not Role.SYSTEM
            ]
            first = commands[0]
            assert isinstance(first, EnrolTrainee)
            await env.sleep(first.at - await env.get_current_time())
            await enrol(
                env.client,
                first,
                "record",
                update_id=str(uuid.uuid5(uuid.NAMESPACE_URL, "enrol")),
                max_history_length=settings.max_history_length,
                hr_retry_initial_interval_s=0.1,
            )
            first_run = (await journey(env.client, trainee_id).describe()).run_id
            retried = False
            for n, command in enumerate(commands[1:]):
                wait = command.at - await env.get_current_time()
                if wait > timedelta(0):
                    await env.sleep(wait)
                await send(
                    env.client, trainee_id, command, update_id=str(uuid.uuid5(uuid.NAMESPACE_URL, str(n)))
                )
                if not retried and (await journey(env.client, trainee_id).describe()).run_id != first_run:
                    # A client sends its first command again once the journey has continued as new: the new
                    # run finds it in the stream and answers it (`answer-applied-commands`).
                    await send(
                        env.client,
                        trainee_id,
                        commands[1],
                        update_id=str(uuid.uuid5(uuid.NAMESPACE_URL, "0")),
                    )
                    retried = True
            assert retried, "the journey should have continued as new"
            await env.sleep(timedelta(days=120))
            print("outcome:", await journey(env.client, trainee_id).result())
            HISTORIES.mkdir(exist_ok=True)
            histories: list[WorkflowHistory] = []
            run_id: str | None = None  # the latest run first, then each run it continued from
            while True:
                history = await env.client.get_workflow_handle(
                    workflow_id_for(trainee_id), run_id=run_id
                ).fetch_history()
                histories.insert(0, history)
                started = history.events[0].workflow_execution_started_event_attributes
                run_id = started.continued_execution_run_id
                if not run_id:
                    break
            kept = {"first_run": histories[0], "continued_run": histories[1], "last_run": histories[-1]}
            for name, history in kept.items():
                path = HISTORIES / f"{label}_journey_{name}.json"
                path.write_text(json.dumps(json.loads(history.to_json()), separators=(",", ":")))
                print(path, len(history.events), "events")
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
    # The SDK's Rust threads can abort the interpreter's own teardown ("PyGILState_Release: thread state ... must
    # be current", temporalio/sdk-python#300) after everything is written: skip the teardown.
    sys.stdout.flush()
    os._exit(0)
