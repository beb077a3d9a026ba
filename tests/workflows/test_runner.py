"""Journeys run in Temporal's sandbox through `worker/runner.py`, which answers the worker's per-payload context
questions outside it when no codec or external storage would use the answers."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from tests.workflows.probe_workflow import SandboxProbeWorkflow
from worker.runner import ContextFreeSandboxedRunner, journey_runner
from workflows.data_converter import journey_data_converter


class _Identity(PayloadCodec):
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


def test_contexts_are_answered_outside_the_sandbox_only_when_nothing_uses_them() -> None:
    assert isinstance(journey_runner(journey_data_converter), ContextFreeSandboxedRunner)
    with_codec = dataclasses.replace(journey_data_converter, payload_codec=_Identity())
    runner = journey_runner(with_codec)
    assert type(runner) is SandboxedWorkflowRunner, "a codec may key on the context: the SDK answers"


async def test_the_sandbox_still_refuses_a_non_deterministic_call(time_skipping: WorkflowEnvironment) -> None:
    client = time_skipping.client
    task_queue = f"probe-{uuid.uuid4()}"
    runner = journey_runner(client.data_converter)
    async with Worker(
        client, task_queue=task_queue, workflows=[SandboxProbeWorkflow], workflow_runner=runner
    ):
        outcome = await client.execute_workflow(
            SandboxProbeWorkflow.run, id=f"probe-{uuid.uuid4()}", task_queue=task_queue
        )
    assert outcome == "refused"
