"""Drive a trainee's journey through its workflow as clients would: updates with ids, update-with-start."""

from __future__ import annotations

import uuid
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from domain.commands import Command, EnrolTrainee
from domain.status import StatusSummary
from workflows.trainee_journey import JourneyInput, TraineeJourneyWorkflow, workflow_id_for

# The update takes the AnyCommand union; each Command subclass is one of its members.
COMMAND: Any = TraineeJourneyWorkflow.command


async def enrol(
    client: Client, command: EnrolTrainee, task_queue: str, *, update_id: str | None = None, **journey: object
) -> StatusSummary:
    start = WithStartWorkflowOperation(
        TraineeJourneyWorkflow.run,
        JourneyInput(trainee_id=command.trainee_id, **journey),
        id=workflow_id_for(command.trainee_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    return await client.execute_update_with_start_workflow(
        TraineeJourneyWorkflow.command,
        command,
        start_workflow_operation=start,
        id=update_id or str(uuid.uuid4()),
    )


def journey(client: Client, trainee_id: str) -> WorkflowHandle[TraineeJourneyWorkflow, str]:
    return client.get_workflow_handle_for(TraineeJourneyWorkflow.run, workflow_id_for(trainee_id))


async def send(
    client: Client, trainee_id: str, command: Command, *, update_id: str | None = None
) -> StatusSummary:
    summary: StatusSummary = await journey(client, trainee_id).execute_update(
        COMMAND, command, id=update_id or str(uuid.uuid4())
    )
    return summary
