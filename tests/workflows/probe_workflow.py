"""A workflow that tries a call the sandbox forbids, and says whether it was stopped (tests/workflows/test_runner.py).

A module of its own, importing little: the sandbox imports a workflow's module afresh for every run."""

from __future__ import annotations

from datetime import date

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.worker.workflow_sandbox import RestrictedWorkflowAccessError


@workflow.defn(name="SandboxProbe")
class SandboxProbeWorkflow:
    @workflow.run
    async def run(self) -> str:
        try:
            date.today()  # the machine's clock: non-deterministic on replay
        except RestrictedWorkflowAccessError:
            return "refused"
        return "allowed"
