"""The runner journeys run in: Temporal's workflow sandbox, asked two questions fewer per payload.

For every activation and every completion the worker passes over each payload sequence six times (codec,
external storage, storage references) and, for each sequence, asks the workflow instance which serialization
context and which external-storage context apply to it. In the SDK's sandbox each ask is an `exec` of a code
string under the sandbox's importer: during the end-to-end benchmark's walk 13.6% and 2.0% of the service's
Python time (py-spy --gil, 1,778 samples) went to the two questions. Their answers only choose how a payload
codec or external storage treats a payload; with neither configured every pass hands its payloads back
unchanged, whatever the answer.

So, when the data converter has no codec and no external storage, journeys run in the SDK's own sandbox,
unchanged (its import restrictions, its run-time guard against non-deterministic calls), through this thin
runner that answers the two questions outside it: the workflow's own context, as the SDK answers for a
payload that belongs to no command. Otherwise the plain sandbox is used.
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import (
    DataConverter,
    SerializationContext,
    StorageDriverStoreContext,
    StorageDriverWorkflowInfo,
    WorkflowSerializationContext,
)
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.workflow import Info, _Definition


def journey_runner(data_converter: DataConverter) -> WorkflowRunner:
    """The sandbox, answering the per-payload context questions outside it when nothing uses the answers."""
    if data_converter.payload_codec is not None or data_converter.external_storage is not None:
        return SandboxedWorkflowRunner()
    return ContextFreeSandboxedRunner(SandboxedWorkflowRunner())


class ContextFreeSandboxedRunner(WorkflowRunner):
    """Instances of the given sandbox runner, whose payload contexts are the workflow's own, known outside it."""

    def __init__(self, sandboxed: SandboxedWorkflowRunner) -> None:
        self.sandboxed = sandboxed

    def prepare_workflow(self, defn: _Definition) -> None:
        self.sandboxed.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _SandboxedInstance(self.sandboxed.create_instance(det))

    def set_worker_level_failure_exception_types(self, types: Sequence[type[BaseException]]) -> None:
        self.sandboxed.set_worker_level_failure_exception_types(types)


class _SandboxedInstance(WorkflowInstance):
    def __init__(self, sandboxed: WorkflowInstance) -> None:
        self.sandboxed = sandboxed
        info = sandboxed.get_info()
        self.serialization_context = WorkflowSerializationContext(
            namespace=info.namespace, workflow_id=info.workflow_id
        )
        self.store_context = StorageDriverStoreContext(
            target=StorageDriverWorkflowInfo(
                id=info.workflow_id, run_id=info.run_id, type=info.workflow_type, namespace=info.namespace
            )
        )

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        return self.sandboxed.activate(act)

    def get_info(self) -> Info:
        return self.sandboxed.get_info()

    def get_thread_id(self) -> int | None:
        return self.sandboxed.get_thread_id()

    def get_serialization_context(self, command_info: object) -> SerializationContext | None:
        return self.serialization_context

    def get_external_store_context(self, command_info: object) -> StorageDriverStoreContext:
        return self.store_context
