"""Hypothesis-generated command sequences over HTTP: a few trainees driven through the real API with a mix of
valid and invalid commands (enrolments, placements, evidence, sign-off requests, sign-offs, declines, revokes,
reviews, extensions, withdrawals; wrong roles, unknown ids and competencies, dates outside the Scheme).

After every command:
- a 2xx appended exactly one event, of the command's type, by the caller, to that trainee's stream, and the
  summary the response gives is the one folded from the store at the response's version;
- a 4xx appended nothing for anyone, and is problem+json whose status is the one its code stands for;
- no 5xx, ever; a command that cannot be allowed (a read-only role, a level off the scale...) is refused.
After every step, for every trainee: the live status held by the journey, and the replayed status, are the
status folded from the store; progress lies in 0..100 with achieved <= applicable; versions run 1..n.

Events the journeys' own calendar appends (milestones, reminders) may land at any time; they are not the
caller's, so they are not counted against a command, but they are part of every fold.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from temporalio.testing import WorkflowEnvironment

from api.problems import STATUS_OF_CODE
from domain.actors import Role
from domain.events import RecordedEvent, stream_id_for
from domain.evolve import fold
from domain.status import Progress, status_of, summary_of
from tests.api.live import PROBLEM_JSON, LiveApi, live_api

pytestmark = pytest.mark.one_database

SLOTS = 3  # trainees 0..2 may be enrolled; slot 3 never is
STEPS = 30
WITHDRAW_AFTER = 20  # a withdrawal closes the record: only late in a sequence, so most of it is on open ones
RATED = ["2.3.1", "4.1.3", "5.3.7"]


def mostly(usual: list[Any], *unusual: Any) -> st.SearchStrategy[Any]:
    """Usually one of the values the rule expects (three times in four), sometimes one it refuses."""
    return st.one_of(*[st.sampled_from(usual)] * 3, st.sampled_from([*usual, *unusual]))


COMPETENCIES = mostly(RATED, "1.1.1", "9.9.9")  # 1.1.1: Personal Qualities, never evidenced; 9.9.9: no such
EVIDENCED = "the evidence's"  # for a sign-off or a request: the competency the picked evidence names
SIGNED = mostly([EVIDENCED], *RATED, "1.1.1", "9.9.9")
SLOT = mostly([0, 1], 2, 3)
TEXT = mostly(["Well evidenced and measured."], " ")  # blank text breaks a rule
PICK = mostly([0, 1, 2], 7)  # which known evidence or request; past the known ones, one that does not exist


@pytest.fixture(scope="module")
def live(postgres: tuple[str, str], dev_server: WorkflowEnvironment) -> Iterator[LiveApi]:
    with live_api(postgres, dev_server.client.service_client.config.target_host) as api:
        yield api


class Journeys(RuleBasedStateMachine):
    """A few trainees, each a fresh id per example; the live API is a class attribute set by the test."""

    api: LiveApi

    def __init__(self) -> None:
        super().__init__()
        self.http = httpx.Client(base_url=self.api.base_url, timeout=60)
        run = uuid.uuid4().hex[:8]
        self.ids = [f"t-{run}-{n}" for n in range(SLOTS + 1)]
        self.evidence: dict[str, list[tuple[str, str]]] = {tid: [] for tid in self.ids}  # (id, competency)
        self.signed: dict[str, list[str]] = {tid: [] for tid in self.ids}
        self.requests: dict[str, list[str]] = {tid: [] for tid in self.ids}
        self.today = datetime.now(UTC).date()
        self.steps = 0

    def teardown(self) -> None:
        for tid in self.ids:  # every hash chain the run wrote is intact
            r = self.http.get("/verify", params={"trainee": tid}, headers=self.token("admin", tid))
            assert r.status_code == 200, r.text
            assert r.json()["ok"] or r.json()["streams"] == 0, r.json()
        self.http.close()

    # --- who calls -------------------------------------------------------------------------------------

    @staticmethod
    def caller(who: str, tid: str) -> tuple[str, Role]:
        """(subject, role) of each kind of caller, relative to trainee `tid`."""
        return {
            "self": (tid, Role.TRAINEE),
            "other_trainee": ("t-someone-else", Role.TRAINEE),
            "plm": ("plm-leeds", Role.PLACEMENT_MANAGER),  # the placement manager the tests place them with
            "other_plm": ("plm-york", Role.PLACEMENT_MANAGER),
            "pm": ("pm-north", Role.PROGRAMME_MANAGER),
            "admin": ("admin-1", Role.ADMIN),
            "auditor": ("aud-1", Role.AUDITOR),
            "hr": ("hr-1", Role.HR),
        }[who]

    def token(self, who: str, tid: str) -> dict[str, str]:
        return self.api.token(*self.caller(who, tid))

    # --- one command, and what must hold of its answer ------------------------------------------------

    def send(
        self, slot: int, path: str, body: dict[str, Any], who: str, event: str, *, must_refuse: bool = False
    ) -> httpx.Response:
        tid = self.ids[slot]
        before = self.api.mark()
        r = self.http.post(f"/trainees{path.format(tid=tid)}", json=body, headers=self.token(who, tid))
        assert r.status_code < 500, r.text
        if r.is_success:
            assert not must_refuse, f"{who} {event}: accepted, yet it cannot be allowed: {r.text}"
            self.appended_exactly(tid, event, who, r.json(), since=before.last_position)
        else:
            assert self.api.mark() == before, f"a refused command changed the event store: {r.text}"
            assert r.headers["content-type"].startswith(PROBLEM_JSON), r.headers
            problem = r.json()
            assert problem["status"] == r.status_code, problem
            assert problem["detail"], problem
            assert r.status_code == STATUS_OF_CODE.get(problem["code"], 422), problem
        return r

    def appended_exactly(self, tid: str, event: str, who: str, summary: dict[str, Any], since: int) -> None:
        events = self.stream(tid)
        rows = self.api.run(
            self.api.pool.fetch(
                "SELECT stream_id, stream_version, type, actor_id, actor_role FROM events"
                " WHERE global_position > $1 AND actor_role <> 'system' ORDER BY global_position",
                since,
            )
        )
        subject, role = self.caller(who, tid)
        assert [(r["stream_id"], r["type"], r["actor_id"], r["actor_role"]) for r in rows] == [
            (stream_id_for(tid), event, subject, role.value)
        ], rows
        assert summary["version"] == rows[0]["stream_version"], (summary, rows)
        then = fold(e for e in events if e.version <= summary["version"])
        assert summary == summary_of(then).model_dump(mode="json")

    def stream(self, tid: str) -> list[RecordedEvent]:
        return self.api.run(self.api.store.read_stream(stream_id_for(tid)))

    def day(self, offset: int) -> str:
        return str(self.today + timedelta(days=offset))

    def known(self, ids: list[str], pick: int) -> str:
        return ids[pick] if pick < len(ids) else str(uuid.uuid4())

    def evidenced(self, tid: str, pick: int, competency: str) -> tuple[str, str, bool]:
        """(evidence id, competency, whether the evidence names it): `pick` past the known is no evidence."""
        known = self.evidence[tid]
        if pick >= len(known):
            return str(uuid.uuid4()), RATED[0] if competency == EVIDENCED else competency, False
        evidence_id, named = known[pick]
        chosen = named if competency == EVIDENCED else competency
        return evidence_id, chosen, chosen == named

    # --- the commands ------------------------------------------------------------------------------------

    @initialize()
    def enrol_two_and_place_one(self) -> None:
        for slot in (0, 1):
            self.enrol(slot, "valid", "pm")
        self.start_placement(0, "operational", "plm-leeds", -10, 300, "pm")  # plm-leeds's trainee
        for slot, competency in ((0, "2.3.1"), (1, "4.1.3"), (0, "4.1.3")):  # something to sign off
            self.submit_evidence(slot, [competency], "Led the bed meeting.", "self")

    @rule(
        slot=st.integers(0, SLOTS - 1),
        variant=mostly(["valid"], "ends_before_it_starts", "unknown_specialism", "own_pm"),
        who=mostly(["pm", "admin"], "self", "auditor"),
    )
    def enrol(self, slot: int, variant: str, who: str) -> None:
        tid = self.ids[slot]
        body = {
            "trainee_id": tid,
            "name": "Sam Sequence",
            "specialism": "finance" if variant == "unknown_specialism" else "general-management",
            "cohort": "2025-north",
            "scheme_start": self.day(-10),
            "scheme_end": self.day(-20 if variant == "ends_before_it_starts" else 700),
            "programme_manager_id": tid if variant == "own_pm" else "pm-north",
        }
        before = self.api.mark()
        r = self.http.post("/trainees", json=body, headers=self.token(who, tid))
        assert r.status_code < 500, r.text
        if r.status_code == 201:
            assert variant == "valid", r.text
            assert who in ("pm", "admin"), r.text
            self.appended_exactly(tid, "TraineeEnrolled", who, r.json(), since=before.last_position)
        else:
            assert self.api.mark() == before, r.text
            assert r.json()["code"] in {
                "already_enrolled",
                "not_allowed",
                "calendar_conflict",
                "unknown_framework",
            }, r.text

    @rule(
        slot=SLOT,
        placement=st.sampled_from(["operational", "strategic"]),
        manager=st.sampled_from(["plm-leeds", "plm-york"]),
        starts=mostly([-10, -5, 0], -30),  # -30: before the Scheme starts
        length=mostly([60, 300], 1_000),  # 1,000 days: past the Scheme's end
        who=mostly(["pm", "admin"], "self", "plm", "auditor", "hr"),
    )
    def start_placement(
        self, slot: int, placement: str, manager: str, starts: int, length: int, who: str
    ) -> None:
        body = {
            "placement_id": placement,
            "organisation": "Leeds Teaching Hospitals NHS Trust",
            "placement_kind": placement,
            "placement_manager_id": manager,
            "starts_on": self.day(starts),
            "planned_end": self.day(starts + length),
        }
        impossible = who not in ("pm", "admin") or starts == -30 or length == 1_000 or slot == SLOTS
        self.send(slot, "/{tid}/placements", body, who, "PlacementStarted", must_refuse=impossible)

    @rule(
        slot=SLOT,
        placement=st.sampled_from(["operational", "strategic"]),
        ended=mostly([0, -1], -40, 800),  # -40: before any placement starts; 800: past the end
        who=mostly(["pm"], "self", "plm", "hr"),
    )
    def end_placement(self, slot: int, placement: str, ended: int, who: str) -> None:
        impossible = who not in ("pm", "admin") or ended in (-40, 800) or slot == SLOTS
        body = {"ended_on": self.day(ended)}
        self.send(
            slot, f"/{{tid}}/placements/{placement}/end", body, who, "PlacementEnded", must_refuse=impossible
        )

    @rule(
        slot=SLOT,
        competencies=st.lists(COMPETENCIES, min_size=1, max_size=2),
        narrative=TEXT,
        who=mostly(["self"], "other_trainee", "pm", "auditor"),
    )
    def submit_evidence(self, slot: int, competencies: list[str], narrative: str, who: str) -> None:
        evidence_id = str(uuid.uuid4())
        body = {"evidence_id": evidence_id, "narrative": narrative, "competency_ids": competencies}
        impossible = (
            who != "self"
            or not set(competencies) <= set(RATED)
            or len(set(competencies)) < len(competencies)
            or not narrative.strip()
            or slot == SLOTS
        )
        r = self.send(slot, "/{tid}/evidence", body, who, "EvidenceSubmitted", must_refuse=impossible)
        if r.is_success:
            self.evidence[self.ids[slot]].append((evidence_id, competencies[0]))

    @rule(slot=SLOT, competency=SIGNED, pick=PICK, who=mostly(["self"], "pm", "other_trainee"))
    def request_sign_off(self, slot: int, competency: str, pick: int, who: str) -> None:
        tid = self.ids[slot]
        request_id = str(uuid.uuid4())
        evidence_id, competency, named = self.evidenced(tid, pick, competency)
        body = {"request_id": request_id, "competency_id": competency, "evidence_ids": [evidence_id]}
        impossible = who != "self" or competency not in RATED or not named
        r = self.send(slot, "/{tid}/sign-off-requests", body, who, "SignOffRequested", must_refuse=impossible)
        if r.is_success:
            self.requests[tid].append(request_id)

    @rule(
        slot=SLOT,
        pick=PICK,
        feedback=TEXT,
        who=mostly(["plm", "pm"], "other_plm", "self", "auditor"),
    )
    def decline(self, slot: int, pick: int, feedback: str, who: str) -> None:
        tid = self.ids[slot]
        request = self.known(self.requests[tid], pick)
        impossible = who in ("self", "auditor") or not feedback.strip() or pick >= len(self.requests[tid])
        path = f"/{{tid}}/sign-off-requests/{request}/decline"
        self.send(slot, path, {"feedback": feedback}, who, "SignOffRequestDeclined", must_refuse=impossible)

    @rule(
        slot=SLOT,
        competency=SIGNED,
        level=mostly([1, 2, 3, 4, 5], 0, 6),
        pick=PICK,
        feedback=TEXT,
        who=mostly(["plm", "pm"], "other_plm", "admin", "self", "auditor"),
    )
    def sign_off(self, slot: int, competency: str, level: int, pick: int, feedback: str, who: str) -> None:
        evidence_id, competency, named = self.evidenced(self.ids[slot], pick, competency)
        body = {
            "competency_id": competency,
            "level": level,
            "feedback": feedback,
            "evidence_ids": [evidence_id],
        }
        impossible = (
            who in ("self", "auditor", "admin", "other_plm")
            or not 1 <= level <= 5
            or competency not in RATED
            or not feedback.strip()
            or not named
        )
        r = self.send(slot, "/{tid}/sign-offs", body, who, "CompetencySignedOff", must_refuse=impossible)
        if r.is_success:
            self.signed[self.ids[slot]].append(competency)

    @rule(slot=SLOT, pick=PICK, reason=TEXT, who=mostly(["plm", "pm"], "self", "hr"))
    def revoke(self, slot: int, pick: int, reason: str, who: str) -> None:
        signed = self.signed[self.ids[slot]]  # pick past those signed: a competency with nothing to revoke
        competency = signed[pick] if pick < len(signed) else RATED[pick % len(RATED)]
        impossible = who in ("self", "hr") or not reason.strip()
        path = f"/{{tid}}/sign-offs/{competency}/revoke"
        self.send(slot, path, {"reason": reason}, who, "SignOffRevoked", must_refuse=impossible)

    @rule(slot=SLOT, summary=TEXT, who=mostly(["pm", "plm"], "self", "auditor"))
    def progress_review(self, slot: int, summary: str, who: str) -> None:
        impossible = who in ("self", "auditor") or not summary.strip()
        body = {"review_id": str(uuid.uuid4()), "summary": summary}
        self.send(
            slot, "/{tid}/progress-reviews", body, who, "ProgressReviewRecorded", must_refuse=impossible
        )

    @rule(slot=SLOT, by=mostly([30, 200], -30), who=mostly(["pm"], "plm"))
    def extend(self, slot: int, by: int, who: str) -> None:
        enrolment = fold(self.stream(self.ids[slot])).enrolment
        end = enrolment.scheme_end if enrolment else self.today + timedelta(days=700)
        body = {"new_end": str(end + timedelta(days=by)), "reason": "Long-term sickness absence."}
        self.send(slot, "/{tid}/extension", body, who, "SchemeExtended", must_refuse=who == "plm" or by < 0)

    @rule(slot=SLOT, words=mostly([1_800, 2_000, 2_200], 1_799, 2_201))
    def submit_reflective_piece(self, slot: int, words: int) -> None:
        """Every Scheme here ends in about two years: its last twelve months, the piece's window, are not open."""
        document = {"sha256": "ab" * 32, "filename": "reflection.pdf", "media_type": "application/pdf"}
        body = {"piece_id": str(uuid.uuid4()), "word_count": words, "document": document}
        self.send(slot, "/{tid}/reflective-piece", body, "self", "ReflectivePieceSubmitted", must_refuse=True)

    @precondition(lambda self: self.steps >= WITHDRAW_AFTER)
    @rule(slot=SLOT, who=mostly(["pm"], "self", "plm", "auditor", "hr"))
    def withdraw(self, slot: int, who: str) -> None:
        body = {"reason": "Took a role outside the NHS."}
        self.send(slot, "/{tid}/withdrawal", body, who, "TraineeWithdrawn", must_refuse=who != "pm")

    # --- after every step ------------------------------------------------------------------------------

    @invariant()
    def every_record_is_its_folded_store(self) -> None:
        self.steps += 1
        for tid in self.ids:
            events = self.stream(tid)
            assert [e.version for e in events] == list(range(1, len(events) + 1)), tid
            if not events:
                r = self.http.get(f"/trainees/{tid}/status", headers=self.token("pm", tid))
                assert r.status_code == 404, r.text
                continue
            folded = until_settled(self, tid)
            for progress in (folded["progress"], *(s["progress"] for s in folded["sections"])):
                within(Progress.model_validate(progress))


def until_settled(machine: Journeys, tid: str, deadline_s: float = 15.0) -> dict[str, Any]:
    """The status folded from the store, once the live and the replayed status both equal it. The journey's
    own calendar may be appending as we read (a milestone due at a placement's end), so wait for them to meet."""
    give_up = time.monotonic() + deadline_s
    while True:
        folded = status_of(fold(machine.stream(tid))).model_dump(mode="json")
        live = machine.http.get(f"/trainees/{tid}/live", headers=machine.token("pm", tid))
        replayed = machine.http.get(f"/trainees/{tid}/status", headers=machine.token("pm", tid))
        assert live.status_code == replayed.status_code == 200, (live.text, replayed.text)
        if live.json() == replayed.json() == folded:
            return folded
        if time.monotonic() > give_up:
            assert live.json() == folded, f"{tid}: the journey's live status is not its folded store"
            assert replayed.json() == folded, f"{tid}: the replayed status is not its folded store"
        time.sleep(0.1)


def within(progress: Progress) -> None:
    assert 0 <= progress.achieved <= progress.applicable, progress
    assert 0.0 <= progress.percent <= 100.0, progress


def test_command_sequences_over_http(live: LiveApi) -> None:
    class OverThisApi(Journeys):
        api = live

    run_state_machine_as_test(
        OverThisApi,
        settings=settings(
            max_examples=10,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            # No shrinking: on two busy cores it took minutes to shorten a 30-step failure, and the steps
            # hypothesis prints for the failing run already name each command and its caller.
            phases=(Phase.explicit, Phase.reuse, Phase.generate),
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
