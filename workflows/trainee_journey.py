"""`TraineeJourneyWorkflow`: one trainee's whole journey on the Scheme, as one long-running workflow.

- Commands arrive as updates. The validator runs the domain's `decide` (a refused command leaves no trace in
  the history); the handler decides again under a FIFO lock (so commands apply one at a time, in arrival order,
  even while an append is slow), appends through an activity and evolves the state.
- Event ids are derived from the update id (or, for the journey's own timers, from the deadline), so a retried
  activity, a client retrying with the same update id, or a deadline re-fired after continue-as-new all write once.
  A workflow task lost after its append (worker killed, Temporal restarted) leaves the store ahead of the
  journey: the next append hands back what the journey had not seen, and it catches up before going on.
- The Scheme's calendar comes from `domain.deadlines`: one timer, for the earliest; any command wakes the loop to
  recompute, and the timer starts again only if that deadline moved (an extension moves graduation, a new
  request adds a reminder).
- Continue-as-new when Temporal suggests it or past `max_history_length`, carrying only the trainee id and
  stream version; the new run reloads the stream and checks its fold reaches that version.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.payloads import (
        AppendRequest,
        AppendResult,
        GraduationRecord,
        HRDelivered,
        HRDelivery,
        LoadRequest,
        Reminder,
    )
    from domain.actors import SYSTEM, Role
    from domain.commands import (
        AnyCommand,
        AssessGraduation,
        AssessMilestone,
        Command,
        RecordHRNotificationFailed,
        RecordHRNotified,
        RecordReminder,
    )
    from domain.deadlines import Deadline, Due, deadlines
    from domain.decide import decide
    from domain.errors import DomainError
    from domain.events import RecordedEvent, RecordedEventDocument, ReminderKind, record, stream_id_for
    from domain.evolve import fold
    from domain.state import Outcome, TraineeState
    from domain.status import StatusSummary, TraineeStatus, status_of, summary_of
    from workflows.event_ids import event_ids
    from workflows.journey_input import JourneyInput

# The append is a local activity: a regular one's round trip through the server cost ~33 ms of a ~53 ms command
# (bench/results/workflow_updates.md); the append itself is idempotent, so local retries are safe.
APPEND_AS_LOCAL_ACTIVITY = "append-as-local-activity"
LOAD_STREAM_ON_START = "load-stream-on-start"
# Every enrolment loads its (empty) stream first: as a regular activity that round trip through the server was
# most of an enrolment's cost (bench/results/end_to_end.md); a read is safe to retry locally.
LOAD_STREAM_LOCALLY = "load-stream-locally"
# Each HR endpoint is notified on its own: one that is down (retried for up to 14 days) must not hold back the
# others. Runs recorded before the patch notified them one after another.
HR_ENDPOINTS_APART = "hr-endpoints-apart"
# The calendar's timer is kept while the next deadline stays put: started afresh on every command it cost two
# history events and a server-side timer per command, ~2 ms of worker and ~1.5 ms of server CPU at 10 trainees
# (measured as a variant in bench/workflow_updates.py before it was adopted). Runs recorded before re-armed it.
STEADY_CALENDAR_TIMER = "steady-calendar-timer"
# A retried command whose events are in the stream already is answered, not decided again (runs recorded before
# decided it again: a 409 for most commands).
ANSWER_APPLIED_COMMANDS = "answer-applied-commands"
CALENDAR_TIMER = "next deadline of the Scheme's calendar"
LOAD_PAGE = 500
STORE_TIMEOUT = timedelta(seconds=30)
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10)
)


@workflow.defn
class TraineeJourneyWorkflow:
    @workflow.init
    def __init__(self, journey: JourneyInput) -> None:
        self.input = journey
        self.trainee_id = journey.trainee_id
        self.stream_id = stream_id_for(journey.trainee_id)
        self.state = TraineeState()
        self.lock = asyncio.Lock()
        self.changed = False
        self.loaded = False  # until run() knows whether the stream must be read first
        self.hr_endpoints: tuple[str, ...] | None = None
        # Each update id (or deadline key) whose events this journey has folded: a client's retry of a command
        # that is in the stream already is answered, not decided again (see `command`).
        self.applied: set[str] = set()

    # --- the run: the Scheme's calendar -------------------------------------------------------------

    @workflow.run
    async def run(self, journey: JourneyInput) -> str:
        await self._begin(journey)
        if workflow.patched(STEADY_CALENDAR_TIMER):
            await self._keep_calendar(journey)
        else:  # runs recorded before the patch re-armed the calendar's timer on every command
            await self._keep_calendar_rearming(journey)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state.outcome.value

    async def _keep_calendar(self, journey: JourneyInput) -> None:
        """Fire each deadline when due, until the journey ends. One timer, for the next deadline, kept while that
        deadline stays where it was; a command wakes the loop without touching it."""
        timer: asyncio.Task[None] | None = None
        timer_at: datetime | None = None
        while True:
            upcoming = await self._fire_due()
            if self._finished():
                if timer is not None:
                    timer.cancel()
                return
            await self._continue_as_new_if_due(journey)
            at = upcoming[0].at if upcoming else None
            if timer is not None and (timer.done() or at != timer_at):
                timer.cancel()
                timer = None
            if timer is None and at is not None:
                timer = asyncio.create_task(
                    workflow.sleep(max(at - workflow.now(), timedelta(0)), summary=CALENDAR_TIMER)
                )
                timer_at = at
            self.changed = False
            woken = asyncio.create_task(
                workflow.wait_condition(lambda: self.changed or self._should_continue_as_new())
            )
            await workflow.wait(
                [t for t in (timer, woken) if t is not None], return_when=asyncio.FIRST_COMPLETED
            )
            woken.cancel()

    async def _keep_calendar_rearming(self, journey: JourneyInput) -> None:
        """As `_keep_calendar`, but with a timer started afresh each time round (so on every command)."""
        while True:
            upcoming = await self._fire_due()
            if self._finished():
                return
            await self._continue_as_new_if_due(journey)
            self.changed = False
            timeout = (upcoming[0].at - workflow.now()) if upcoming else None
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self.changed or self._should_continue_as_new(),
                    timeout=max(timeout, timedelta(0)) if timeout is not None else None,
                    timeout_summary=CALENDAR_TIMER,
                )

    async def _continue_as_new_if_due(self, journey: JourneyInput) -> None:
        if self._should_continue_as_new():
            await workflow.wait_condition(workflow.all_handlers_finished)
            workflow.continue_as_new(journey.model_copy(update={"stream_version": self.state.version}))

    async def _begin(self, journey: JourneyInput) -> None:
        """Take commands only once the state is what the store records."""
        if journey.stream_version > 0:
            await self._reload(journey.stream_version)
        elif workflow.patched(LOAD_STREAM_ON_START):
            # A trainee's journey may start again after Temporal has forgotten a closed one: what the store
            # records stands (enrolling them again is then refused, not started afresh).
            await self._reload(0)
        else:  # runs recorded before the patch started from an empty state
            self.loaded = True

    def _finished(self) -> bool:
        if self.state.outcome is Outcome.WITHDRAWN:
            return True
        return (
            self.state.outcome is Outcome.GRADUATED
            and self.hr_endpoints is not None
            and not self._deadlines()
        )

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self.input.max_history_length
        )

    def _deadlines(self) -> list[Deadline]:
        return deadlines(self.state, self.hr_endpoints or ())

    async def _fire_due(self) -> list[Deadline]:
        """Fire every deadline that is due; returns those still to come (so the loop need not work them out
        again: it is woken by every command)."""
        while True:
            if self.state.outcome is Outcome.GRADUATED and self.hr_endpoints is None:
                self.hr_endpoints = tuple(
                    await workflow.execute_activity(
                        "hr_endpoints", start_to_close_timeout=STORE_TIMEOUT, result_type=list[str]
                    )
                )
            upcoming = self._deadlines()
            due = [d for d in upcoming if d.at <= workflow.now()]
            if not due:
                return upcoming
            hr = [d for d in due if d.due is Due.HR_NOTIFICATION]
            if len(hr) > 1 and workflow.patched(HR_ENDPOINTS_APART):
                await asyncio.gather(*(self._fire(d) for d in hr))
            else:
                await self._fire(due[0])

    async def _fire(self, deadline: Deadline) -> None:
        enrolment = self.state.enrolment
        assert enrolment is not None
        now = workflow.now()
        key = f"{deadline.due.value}:{deadline.about}"
        if deadline.due is Due.YEAR_ONE_MILESTONE:
            await self._apply(AssessMilestone(actor=SYSTEM, at=now), key)
        elif deadline.due is Due.GRADUATION:
            await self._apply(AssessGraduation(actor=SYSTEM, at=now), key)
        elif deadline.due is Due.HR_NOTIFICATION:
            await self._notify_hr(deadline.about, key)
        else:
            kind, recipient, subject = self._reminder_for(deadline)
            await workflow.execute_activity(
                "send_reminder",
                Reminder(
                    trainee_id=self.trainee_id,
                    recipient=recipient,
                    subject=subject,
                    message=subject,
                    idempotency_key=key,
                ),
                start_to_close_timeout=STORE_TIMEOUT,
            )
            await self._apply(
                RecordReminder(
                    actor=SYSTEM,
                    at=now,
                    reminder=kind,
                    recipient=recipient,
                    about=deadline.about,
                    message=subject,
                ),
                key,
            )

    def _reminder_for(self, deadline: Deadline) -> tuple[ReminderKind, str, str]:
        enrolment = self.state.enrolment
        assert enrolment is not None
        if deadline.due is Due.SIGN_OFF_REMINDER:
            request = self.state.pending_requests[UUID(deadline.about)]
            return (
                ReminderKind.SIGN_OFF_WAITING,
                request.assigned_to,
                f"{enrolment.name}'s request to sign off {request.competency_id} has waited more than 14 days",
            )
        if deadline.due is Due.MILESTONE_AT_RISK_REMINDER:
            m = self.state.milestones[-1]
            return (
                ReminderKind.MILESTONE_AT_RISK,
                enrolment.programme_manager_id,
                f"{enrolment.name} is at risk at the year-one milestone: {m.achieved}/{m.applicable} competencies",
            )
        return (
            ReminderKind.REFLECTIVE_WINDOW_OPEN,
            enrolment.trainee_id,
            f"The reflective piece window is open until {enrolment.scheme_end}: 1,800-2,200 words",
        )

    async def _notify_hr(self, endpoint: str, key: str) -> None:
        enrolment, graduation = self.state.enrolment, self.state.graduation
        assert enrolment is not None
        assert graduation is not None
        assert self.state.framework is not None
        assert graduation.graduation_event_id is not None
        assert graduation.graduated_on is not None
        record_ = GraduationRecord(
            graduation_event_id=graduation.graduation_event_id,
            trainee_id=enrolment.trainee_id,
            name=enrolment.name,
            specialism=enrolment.specialism,
            cohort=enrolment.cohort,
            framework=self.state.framework.ref,
            scheme_start=enrolment.scheme_start,
            scheme_end=enrolment.scheme_end,
            graduated_on=graduation.graduated_on,
            competencies_achieved=graduation.achieved,
            competencies_applicable=graduation.applicable,
        )
        try:
            delivered = await workflow.execute_activity(
                "notify_hr",
                HRDelivery(endpoint=endpoint, record=record_),
                result_type=HRDelivered,
                start_to_close_timeout=timedelta(seconds=30),
                schedule_to_close_timeout=timedelta(days=self.input.hr_retry_for_days),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=self.input.hr_retry_initial_interval_s),
                    backoff_coefficient=2.0,
                    maximum_interval=timedelta(hours=1),
                    non_retryable_error_types=["HRRejected"],
                ),
            )
        except ActivityError as exc:
            cause = exc.cause
            code = 0
            if isinstance(cause, ApplicationError) and cause.type == "HRRejected" and cause.details:
                code = int(cause.details[0])
            reason = cause.message if isinstance(cause, ApplicationError) else str(exc)
            await self._apply(
                RecordHRNotificationFailed(
                    actor=SYSTEM,
                    at=workflow.now(),
                    endpoint=endpoint,
                    status_code=code or 599,
                    reason=reason[:2000],
                ),
                key,
            )
            return
        await self._apply(
            RecordHRNotified(
                actor=SYSTEM, at=workflow.now(), endpoint=endpoint, status_code=delivered.status_code
            ),
            key,
        )

    # --- commands -----------------------------------------------------------------------------------

    @workflow.update
    async def command(self, command: AnyCommand) -> StatusSummary:
        """Apply one command (as of now); returns the journey's new summary.

        Temporal answers a repeated update id with its first result only within one run. A retry that comes
        after the journey continued as new, or after a lost workflow task whose events the journey has since
        caught up with, finds its events in the stream: it is answered with the summary as it is now (at or
        after the command's version), and nothing is decided or written again."""
        update = workflow.current_update_info()
        await self._apply(self._stamped(command), update.id if update else str(workflow.uuid4()))
        return summary_of(self.state)

    @command.validator
    def validate_command(self, command: AnyCommand) -> None:
        if command.actor.role is Role.SYSTEM:
            raise ApplicationError(
                "system commands are the journey's own and cannot be sent",
                type="not_allowed",
                non_retryable=True,
            )
        if not self.loaded:
            return  # a continued run still reloading its stream: the handler decides once it has
        update = workflow.current_update_info()
        if update and update.id in self.applied:
            return  # applied already: the handler answers it
        try:
            decide(self.state, self._stamped(command))
        except DomainError as exc:
            raise ApplicationError(exc.message, type=exc.code, non_retryable=True) from None

    @workflow.query
    def status(self) -> TraineeStatus | None:
        return status_of(self.state) if self.state.enrolment else None

    @workflow.query
    def summary(self) -> StatusSummary:
        return summary_of(self.state)

    def _stamped(self, command: Command) -> Command:
        """Commands happen when the journey applies them: its clock, not the caller's."""
        return command.model_copy(update={"at": workflow.now()})

    async def _apply(self, command: Command, key: str) -> None:
        async with self.lock:
            await workflow.wait_condition(lambda: self.loaded)
            if key in self.applied and workflow.patched(ANSWER_APPLIED_COMMANDS):
                return  # in the stream already (see `command`)
            while True:
                try:
                    events = decide(self.state, command)
                except DomainError as exc:
                    raise ApplicationError(exc.message, type=exc.code, non_retryable=True) from None
                recorded = record(
                    events,
                    stream_id=self.stream_id,
                    after_version=self.state.version,
                    actor=command.actor,
                    occurred_at=command.at,
                    recorded_at=workflow.now(),
                    correlation_id=key,
                    causation_id=workflow.info().run_id,
                    event_ids=event_ids(self.trainee_id, key, len(events)),
                )
                result = await self._append(
                    AppendRequest(
                        stream_id=self.stream_id,
                        expected_version=self.state.version,
                        events=[RecordedEventDocument.of(e) for e in recorded],
                    )
                )
                # The batch as stored; or, when the store was ahead (a lost workflow task had appended), what
                # this journey had not seen: its state is always the fold of its stream.
                self._fold(as_stored(recorded, result))
                if not result.behind:
                    break
            self.changed = True

    async def _append(self, request: AppendRequest) -> AppendResult:
        # Runs recorded before the patch appended through a regular activity.
        result: AppendResult = await self._store_activity(
            "append_events", request, AppendResult, locally=workflow.patched(APPEND_AS_LOCAL_ACTIVITY)
        )
        return result

    async def _store_activity(self, name: str, request: BaseModel, result_type: Any, *, locally: bool) -> Any:
        """A read or write of the journey's stream: idempotent, so retried by the store's policy either way."""
        if locally:
            return await workflow.execute_local_activity(
                name,
                request,
                result_type=result_type,
                start_to_close_timeout=STORE_TIMEOUT,
                retry_policy=STORE_RETRY,
            )
        return await workflow.execute_activity(
            name,
            request,
            result_type=result_type,
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
        )

    def _fold(self, events: list[RecordedEvent]) -> None:
        self.state = fold(events, self.state)
        self.applied.update(e.correlation_id for e in events)

    async def _reload(self, expected_version: int) -> None:
        """A continued run: rebuild the state from the store and check it reaches the version handed over."""
        events: list[RecordedEventDocument] = []
        while True:
            request = LoadRequest(stream_id=self.stream_id, after_version=len(events), limit=LOAD_PAGE)
            # Runs recorded before the patch loaded through a regular activity.
            page: list[RecordedEventDocument] = await self._store_activity(
                "load_stream",
                request,
                list[RecordedEventDocument],
                locally=workflow.patched(LOAD_STREAM_LOCALLY),
            )
            events += page
            if len(page) < LOAD_PAGE:
                break
        self._fold([d.recorded() for d in events])
        if self.state.version < expected_version:
            raise ApplicationError(
                f"stream {self.stream_id} reloads to version {self.state.version}, but the previous run handed over "
                f"version {expected_version}: events are missing from the store",
                type="StreamBehind",
                non_retryable=True,
            )
        self.loaded = True


def as_stored(sent: list[RecordedEvent], result: AppendResult) -> list[RecordedEvent]:
    """The events the append answered for: the batch sent, stamped with the store's `recorded_at`, or the
    events it sent back."""
    if result.recorded_at:
        return [e._replace(recorded_at=at) for e, at in zip(sent, result.recorded_at, strict=True)]
    return [d.recorded() for d in result.events]
