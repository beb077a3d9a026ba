"""The benchmarks' baseline: a workflow whose updates do nothing (or only await a no-op activity).

A module of its own, and a small one: the workflow sandbox imports a workflow's module afresh for every
workflow it starts, so a baseline that starts workflows (the bare update-with-start in bench/end_to_end.py)
must not pay for importing a whole benchmark each time.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

TIMEOUT = timedelta(seconds=30)


@activity.defn(name="bench_noop")
async def noop() -> None:
    """An activity that does nothing: what an activity round trip costs by itself."""


@workflow.defn(name="BenchBareWorkflow")
class BareWorkflow:
    """The baseline: updates that do nothing (or only await a no-op activity); the `finish` signal ends it."""

    def __init__(self) -> None:
        self.count = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.count

    @workflow.update
    async def ping(self) -> int:
        self.count += 1
        return self.count

    @workflow.update
    async def ping_activity(self) -> int:
        await workflow.execute_activity(noop, start_to_close_timeout=TIMEOUT)
        self.count += 1
        return self.count

    @workflow.update
    async def ping_local_activity(self) -> int:
        await workflow.execute_local_activity(noop, start_to_close_timeout=TIMEOUT)
        self.count += 1
        return self.count

    @workflow.signal
    def finish(self) -> None:
        self.done = True
