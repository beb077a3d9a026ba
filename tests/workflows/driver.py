"""Drive a trainee's journey through its workflow as clients would: updates with ids, update-with-start."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from domain.actors import Actor, Role
from domain.commands import (
    AssessGraduation,
    Command,
    EnrolTrainee,
    ReviewReflectivePiece,
    SignOffCompetency,
    StartPlacement,
    SubmitEvidence,
    SubmitReflectivePiece,
)
from domain.events import DocumentRef, PlacementKind, ReviewOutcome
from domain.framework import framework_for_specialism
from domain.status import StatusSummary
from workflows.journey_input import JourneyInput, workflow_id_for
from workflows.trainee_journey import TraineeJourneyWorkflow

PROGRAMME_MANAGER = Actor(id="pm-test", role=Role.PROGRAMME_MANAGER)

# The update takes the AnyCommand union; each Command subclass is one of its members.
COMMAND: Any = TraineeJourneyWorkflow.command


async def enrol(
    client: Client, command: EnrolTrainee, task_queue: str, *, update_id: str | None = None, **journey: Any
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


async def start_placement(
    client: Client, trainee_id: str, *, starts_on: date, planned_end: date
) -> StatusSummary:
    """An operational placement, started by the programme manager, managed by `plm-leeds`."""
    return await send(
        client,
        trainee_id,
        StartPlacement(
            actor=PROGRAMME_MANAGER,
            at=datetime.now(UTC),
            placement_id="operational",
            organisation="Leeds Teaching Hospitals NHS Trust",
            placement_kind=PlacementKind.OPERATIONAL,
            placement_manager_id="plm-leeds",
            starts_on=starts_on,
            planned_end=planned_end,
        ),
    )


def enrolment(trainee_id: str, *, start: date, end: date) -> EnrolTrainee:
    return EnrolTrainee(
        actor=PROGRAMME_MANAGER,
        at=datetime.now(UTC),
        trainee_id=trainee_id,
        name=f"Trainee {trainee_id}",
        specialism="general-management",
        cohort="test-cohort",
        scheme_start=start,
        scheme_end=end,
        programme_manager_id=PROGRAMME_MANAGER.id,
    )


async def graduate_today(
    client: Client, trainee_id: str, task_queue: str, *, today: date | None = None, **journey: Any
) -> None:
    """A journey whose Scheme ends today, driven to >= 90% and graduated by its programme manager now.

    Its own graduation timer fires at once (not eligible at 0%); the evidence, sign-offs and accepted reflective
    piece follow, then the programme manager asks for the graduation to be assessed again. `today` is the
    server's date when its clock is not the machine's (the time-skipping test server's, once it has skipped)."""
    today = today or datetime.now(UTC).date()
    await enrol(
        client, enrolment(trainee_id, start=today - timedelta(days=730), end=today), task_queue, **journey
    )
    now = datetime.now(UTC)
    trainee = Actor(id=trainee_id, role=Role.TRAINEE)
    framework = framework_for_specialism("general-management")
    rated = [c.id for c in framework.competencies if c.rated]
    for n in range(0, len(rated), 30):
        chunk = tuple(rated[n : n + 30])
        evidence_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{trainee_id}/{n}")
        await send(
            client,
            trainee_id,
            SubmitEvidence(
                actor=trainee, at=now, evidence_id=evidence_id, narrative="Led it.", competency_ids=chunk
            ),
        )
        for cid in chunk:
            await send(
                client,
                trainee_id,
                SignOffCompetency(
                    actor=PROGRAMME_MANAGER,
                    at=now,
                    competency_id=cid,
                    level=3,
                    feedback="Well evidenced.",
                    evidence_ids=(evidence_id,),
                ),
            )
    document = DocumentRef(sha256="ab" * 32, filename="reflection.pdf")
    await send(
        client,
        trainee_id,
        SubmitReflectivePiece(
            actor=trainee, at=now, piece_id=uuid.uuid4(), word_count=2000, document=document
        ),
    )
    await send(
        client,
        trainee_id,
        ReviewReflectivePiece(
            actor=PROGRAMME_MANAGER, at=now, outcome=ReviewOutcome.ACCEPTED, feedback="Candid."
        ),
    )
    await send(client, trainee_id, AssessGraduation(actor=PROGRAMME_MANAGER, at=now))
