"""Properties of any journey: random command sequences, plausible and implausible, from three starting points."""

from __future__ import annotations

import contextlib
import copy
import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.actors import SYSTEM, Actor, Role
from domain.commands import Command
from domain.errors import DomainError
from domain.events import ReviewOutcome, decode_stored, encode_event, from_stored, to_stored
from domain.evolve import evolve, fold, fold_as_of
from domain.state import Achievement, TraineeState
from domain.status import status_of
from tests.domain import journey as jn
from tests.domain.journey import Journey

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- plausible commands with random actors, ids, levels, word counts and dates ------------------------

ACTORS = st.sampled_from(
    [
        jn.TRAINEE,
        jn.PROGRAMME_MANAGER,
        jn.PLACEMENT_MANAGER,
        jn.NEXT_PLACEMENT_MANAGER,
        jn.ADMIN,
        jn.AUDITOR,
        jn.HR,
        SYSTEM,
        jn.OTHER_TRAINEE,
        Actor(id=jn.TRAINEE.id, role=Role.PLACEMENT_MANAGER),  # a token claiming a manager role
    ]
)
COMPETENCIES = st.sampled_from(["2.1.1", "2.1.2", "4.1.3", "5.3.7", "7.4.1", "1.1.1", "1.4.5", "9.9.9"])
LEVELS = st.integers(-1, 6)
WORDS = st.sampled_from([0, 1_799, 1_800, 2_000, 2_200, 2_201]) | st.integers(1_700, 2_300)
DAYS = st.dates(jn.SCHEME_START - timedelta(days=30), jn.SCHEME_END + timedelta(days=200))
KEY_DAYS = st.sampled_from(
    [
        jn.SCHEME_START,
        jn.DAY,
        jn.FIRST_PLACEMENT_END,
        jn.WINDOW_OPENS,
        jn.IN_WINDOW,
        jn.SCHEME_END,
        date(2027, 3, 2),
    ]
)
INSTANTS = (
    KEY_DAYS
    | DAYS
    | st.datetimes(
        datetime(2024, 8, 1),
        datetime(2027, 3, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))]),
    )
)
NAMES = st.sampled_from(["e1", "e2", "e3"])
REQUESTS = st.sampled_from(["r1", "r2"])
TEXTS = st.sampled_from(["Well evidenced.", "Needs more on outcomes.", " "])
PLACEMENTS = st.sampled_from(["operational", "flexi", "strategic"])


def mostly(*actors: Actor) -> st.SearchStrategy[Actor]:
    """Usually one of the actors the rule expects, sometimes anyone at all."""
    return st.one_of(st.sampled_from(actors), st.sampled_from(actors), ACTORS)


TRAINEE = mostly(jn.TRAINEE)
SIGNATORY = mostly(jn.PLACEMENT_MANAGER, jn.PROGRAMME_MANAGER, jn.NEXT_PLACEMENT_MANAGER)
MANAGER = mostly(jn.PROGRAMME_MANAGER, jn.ADMIN)
ASSESSOR = mostly(SYSTEM, jn.PROGRAMME_MANAGER)


def _evidence(ids: Sequence[str], name: str, by: Actor, on: date | datetime) -> Command:
    return jn.evidence(*ids, id=name, by=by, on=on)


def _single(command: st.SearchStrategy[Command]) -> st.SearchStrategy[list[Command]]:
    return command.map(lambda c: [c])


EVIDENCE_AND_SIGN_OFF: st.SearchStrategy[list[Command]] = st.one_of(
    _single(st.builds(_evidence, st.lists(COMPETENCIES, min_size=1, max_size=3), NAMES, TRAINEE, INSTANTS)),
    _single(
        st.builds(
            jn.request_sign_off,
            COMPETENCIES,
            id=REQUESTS,
            evidence=st.lists(NAMES, min_size=1, max_size=2),
            by=TRAINEE,
            on=INSTANTS,
        )
    ),
    _single(st.builds(jn.decline, REQUESTS, by=SIGNATORY, feedback=TEXTS, on=INSTANTS)),
    _single(
        st.builds(
            jn.sign_off,
            COMPETENCIES,
            LEVELS,
            by=SIGNATORY,
            evidence=st.lists(NAMES, min_size=1, max_size=2),
            feedback=TEXTS,
            on=INSTANTS,
        )
    ),
    _single(st.builds(jn.revoke, COMPETENCIES, by=SIGNATORY, reason=TEXTS, on=INSTANTS)),
    _single(st.builds(jn.reflective_piece, WORDS, id=st.sampled_from(["p1", "p2"]), by=TRAINEE, on=INSTANTS)),
    _single(
        st.builds(
            jn.piece_reviewed, st.sampled_from(ReviewOutcome), by=SIGNATORY, feedback=TEXTS, on=INSTANTS
        )
    ),
    _single(
        st.builds(jn.progress_review, st.sampled_from(["review-1", "review-2"]), by=SIGNATORY, summary=TEXTS)
    ),
)
CALENDAR: st.SearchStrategy[list[Command]] = st.one_of(
    _single(
        st.builds(
            jn.placement_started,
            PLACEMENTS,
            manager=mostly(jn.PLACEMENT_MANAGER, jn.NEXT_PLACEMENT_MANAGER),
            starts_on=KEY_DAYS | DAYS,
            planned_end=KEY_DAYS | DAYS,
            by=MANAGER,
        )
    ),
    _single(st.builds(jn.placement_ended, PLACEMENTS, on=KEY_DAYS | DAYS, by=MANAGER)),
    _single(st.builds(jn.scheme_extended, KEY_DAYS | DAYS, by=MANAGER, reason=TEXTS)),
    _single(st.builds(jn.milestone_assessed, by=ASSESSOR, on=INSTANTS)),
    _single(st.builds(jn.graduation_assessed, by=ASSESSOR, on=INSTANTS)),
    _single(
        st.builds(
            jn.hr_notified, st.sampled_from([jn.HR_ENDPOINT, "https://payroll.example"]), by=mostly(SYSTEM)
        )
    ),
    st.tuples(  # the workflow's own pair: assess at the end, then tell HR
        st.builds(jn.graduation_assessed, by=ASSESSOR, on=KEY_DAYS),
        st.builds(
            jn.hr_notified, st.sampled_from([jn.HR_ENDPOINT, "https://payroll.example"]), by=mostly(SYSTEM)
        ),
    ).map(list),
)
RARE: st.SearchStrategy[list[Command]] = st.one_of(
    _single(
        st.builds(
            jn.enrolled, by=MANAGER, end=st.sampled_from([jn.SCHEME_END, jn.SCHEME_END, jn.SCHEME_START])
        )
    ),
    _single(st.builds(jn.withdrawn, by=MANAGER, reason=TEXTS)),
    st.builds(jn.signed_off, st.integers(0, len(jn.RATED)), by=SIGNATORY),  # many sign-offs at once
)
# Roughly: half evidence and sign-off, a third calendar, a sixth enrolment, withdrawal or a burst of sign-offs.
COMMANDS = st.one_of(
    EVIDENCE_AND_SIGN_OFF, EVIDENCE_AND_SIGN_OFF, EVIDENCE_AND_SIGN_OFF, CALENDAR, CALENDAR, RARE
)

BASES: dict[str, list[Command]] = {
    "nothing yet": [],
    "on placement": [
        jn.enrolled(),
        jn.placement_started(),
        jn.evidence("2.1.1", "4.1.3", id="e1"),
        jn.evidence("2.1.2", "5.3.7", "7.4.1", id="e2"),
    ],
    "ready to graduate": [
        jn.enrolled(),
        *jn.signed_off(81),
        *jn.personal_qualities_accepted(),
        jn.evidence("2.1.1", "4.1.3", id="e1"),
        jn.evidence("2.1.2", "5.3.7", "7.4.1", id="e2"),
    ],
}

SCENARIOS = st.tuples(
    st.sampled_from(
        ["nothing yet", "on placement", "on placement", "ready to graduate", "ready to graduate"]
    ),
    st.lists(COMMANDS, min_size=1, max_size=30),
)


def snapshot(state: TraineeState) -> TraineeState:
    """A deep copy to compare against later (the framework is shared, immutable data)."""
    return copy.deepcopy(state, {id(state.framework): state.framework})


def run(base: str, steps: list[list[Command]]) -> Journey:
    """The journey after the base and every step, skipping refused commands."""
    j = jn.given(BASES[base])
    for step in steps:
        for command in step:
            with contextlib.suppress(DomainError):
                j.when(command)
    return j


# --- properties ---------------------------------------------------------------------------------------


@SETTINGS
@given(SCENARIOS)
def test_accepted_events_evolve_and_refusals_change_nothing(
    scenario: tuple[str, list[list[Command]]],
) -> None:
    base, steps = scenario
    j = jn.given(BASES[base])
    for command in [c for step in steps for c in step]:
        kind = type(command).__name__
        state, before, events_before = j.state, snapshot(j.state), len(j.events)
        try:
            recorded = j.when(command)
        except DomainError:
            assert j.state == before, f"refused {kind} changed the state"
            assert len(j.events) == events_before, f"refused {kind} recorded events"
            continue
        assert recorded, f"accepted {kind} recorded nothing"
        assert state == before, f"accepted {kind} changed the state it was decided on"
        evolved = before
        for event in recorded:
            evolved = evolve(evolved, event)
        assert evolved == j.state
        assert j.state.version == len(j.events)


@SETTINGS
@given(SCENARIOS)
def test_replaying_the_same_events_gives_the_same_status(scenario: tuple[str, list[list[Command]]]) -> None:
    j = run(*scenario)
    once, twice = fold(j.events), fold(j.events)
    assert once == twice == j.state
    if j.state.enrolment is not None:
        assert status_of(once).model_dump() == status_of(twice).model_dump() == j.status.model_dump()


@SETTINGS
@given(SCENARIOS, st.data())
def test_the_status_of_a_prefix_is_the_status_as_of_its_last_event(
    scenario: tuple[str, list[list[Command]]], data: st.DataObject
) -> None:
    j = run(*scenario)
    events = j.events
    if not events:
        return
    # Each command's events share its recorded_at, strictly later than the previous command's: cut between commands.
    cuts = [
        k
        for k in range(1, len(events) + 1)
        if k == len(events) or events[k].recorded_at > events[k - 1].recorded_at
    ]
    assert all(a.recorded_at <= b.recorded_at for a, b in itertools.pairwise(events))
    k = data.draw(st.sampled_from(cuts), label="prefix length")
    prefix, as_of = fold(events[:k]), fold_as_of(events, events[k - 1].recorded_at)
    assert prefix == as_of
    if prefix.enrolment is not None:
        assert status_of(prefix).model_dump() == status_of(as_of).model_dump()


@SETTINGS
@given(SCENARIOS)
def test_progress_stays_between_0_and_100_and_achieved_never_exceeds_applicable(
    scenario: tuple[str, list[list[Command]]],
) -> None:
    base, steps = scenario
    j = jn.given(BASES[base])
    for command in [c for step in steps for c in step]:
        try:
            j.when(command)
        except DomainError:
            continue
        if j.state.enrolment is None:
            continue
        status = j.status
        progress = status.progress
        assert 0 <= progress.achieved <= progress.applicable == len(jn.FRAMEWORK.competencies)
        assert 0.0 <= progress.percent <= 100.0
        done = sum(
            c.achievement in (Achievement.ACHIEVED, Achievement.ACHIEVED_PLUS) for c in status.competencies
        )
        assert progress.achieved == done
        for section in status.sections:
            assert 0 <= section.progress.achieved <= section.progress.applicable


@SETTINGS
@given(SCENARIOS)
def test_every_recorded_event_round_trips_through_its_stored_forms(
    scenario: tuple[str, list[list[Command]]],
) -> None:
    j = run(*scenario)
    for event in j.events:
        assert decode_stored(encode_event(event)) == event
        assert decode_stored(encode_event(event).decode()) == event
        assert from_stored(to_stored(event)) == event
