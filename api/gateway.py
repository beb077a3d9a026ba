"""From HTTP to a trainee's workflow: commands as updates (the Idempotency-Key names the update), live queries."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import Any

from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WithStartWorkflowOperation,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.problems import Refused
from config.settings import Settings
from domain.commands import Command, EnrolTrainee
from domain.status import StatusSummary
from workflows.journey_input import JourneyInput, workflow_id_for
from workflows.trainee_journey import TraineeJourneyWorkflow

RETRY_AFTER_S = 5  # what a 503 asks a client to wait before sending the request again
COMMAND: Any = TraineeJourneyWorkflow.command  # takes the AnyCommand union; every Command subclass is in it


def update_id(command: Command, idempotency_key: str | None) -> str:
    """The Temporal update id of a command: its Idempotency-Key and a digest of what it asks (all but the time).

    Temporal answers a repeated update id with the first update's result. A retry (same key, same request) so
    gets the first result and writes nothing; the same key on a different request (another command, body or
    caller) is a different update, not answered with the first request's result while writing nothing."""
    if idempotency_key is None:
        return str(uuid.uuid4())
    asked = command.model_dump_json(exclude={"at"}).encode()
    return f"{idempotency_key}:{hashlib.sha256(asked).hexdigest()[:32]}"


class JourneyGateway:
    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    async def enrol(self, command: EnrolTrainee, idempotency_key: str | None) -> StatusSummary:
        start = WithStartWorkflowOperation(
            TraineeJourneyWorkflow.run,
            JourneyInput(
                trainee_id=command.trainee_id,
                max_history_length=self.settings.max_history_length,
                hr_retry_initial_interval_s=self.settings.hr_retry_initial_interval_s,
            ),
            id=workflow_id_for(command.trainee_id),
            task_queue=self.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A closed journey (withdrawn, graduated) must not start afresh on an empty state over its stream.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        try:
            return await self._call(
                command.trainee_id,
                self.client.execute_update_with_start_workflow(
                    COMMAND, command, start_workflow_operation=start, id=update_id(command, idempotency_key)
                ),
            )
        except WorkflowAlreadyStartedError:
            raise Refused(
                "already_enrolled",
                f"trainee {command.trainee_id} is already enrolled; their journey has ended and the record is closed",
            ) from None

    async def send(self, trainee_id: str, command: Command, idempotency_key: str | None) -> StatusSummary:
        handle = self.client.get_workflow_handle(workflow_id_for(trainee_id))
        return await self._call(
            trainee_id, handle.execute_update(COMMAND, command, id=update_id(command, idempotency_key))
        )

    async def live_status(self, trainee_id: str) -> dict[str, Any] | None:
        handle = self.client.get_workflow_handle(workflow_id_for(trainee_id))
        wait_s = self.settings.command_wait_s
        try:
            live: dict[str, Any] | None = await asyncio.wait_for(handle.query("status"), timeout=wait_s)
        except RPCError as exc:
            raise self._rpc(trainee_id, exc) from None
        except (WorkflowQueryFailedError, TimeoutError, RPCTimeoutOrCancelledError) as exc:
            reason = str(exc) or f"no answer within {wait_s:g} s"
            raise Refused(
                "journey_unavailable",
                f"the live status of trainee {trainee_id} is unavailable: {reason}; /status (replayed from the "
                "store) still answers",
                503,
                retry_after_s=RETRY_AFTER_S,
            ) from None
        return live

    async def _call(self, trainee_id: str, update: Any) -> StatusSummary:
        """Wait a bounded time: with no worker running (or Temporal down) an update waits on the server for as long
        as it takes, and an HTTP client should get an answer it can act on well before it gives up itself."""
        wait_s = self.settings.command_wait_s
        try:
            result = await asyncio.wait_for(update, timeout=wait_s)
        except (
            TimeoutError,
            RPCTimeoutOrCancelledError,
        ):  # the SDK answers its call's cancellation with the latter
            raise Refused(
                "command_pending",
                f"trainee {trainee_id}'s journey has not applied this command within {wait_s:g} s (the journey "
                "service is busy or not running); it may still be applied. Send the same request again with the "
                "same Idempotency-Key to get its result; without one, check the trainee's status first, or the "
                "command may be applied twice",
                503,
                retry_after_s=RETRY_AFTER_S,
            ) from None
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.type:
                raise Refused(cause.type, cause.message) from None
            raise Refused("command_failed", f"the command could not be applied: {cause}", 500) from None
        except RPCError as exc:
            raise self._rpc(trainee_id, exc) from None
        if isinstance(result, StatusSummary):
            return result
        return StatusSummary.model_validate(result)

    @staticmethod
    def _rpc(trainee_id: str, exc: RPCError) -> Refused:
        if exc.status == RPCStatusCode.NOT_FOUND:
            if "completed" in exc.message or "closed" in exc.message:
                return Refused(
                    "trainee_not_active",
                    f"trainee {trainee_id}'s journey has ended; their record is closed",
                    409,
                )
            return Refused("not_enrolled", f"trainee {trainee_id} is not enrolled on the Scheme", 404)
        return Refused(
            "journey_unavailable",
            f"the journey service did not answer: {exc.message}",
            503,
            retry_after_s=RETRY_AFTER_S,
        )
