"""Evidence: the trainee's own, for rated competencies of their framework, while they are on the Scheme."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.actors import Actor, Role
from domain.errors import (
    DuplicateId,
    FeedbackRequired,
    NotAllowed,
    PersonalQualitiesNotRated,
    UnknownCompetency,
)
from domain.events import EvidenceSubmitted
from tests.domain.journey import (
    OTHER_TRAINEE,
    PLACEMENT_MANAGER,
    PROGRAMME_MANAGER,
    RATED,
    enrolled,
    evidence,
    given,
    placement_started,
    sign_off,
    the_event,
    uid,
)


def test_a_trainee_submits_evidence_naming_the_competencies_it_shows() -> None:
    j = given(enrolled(), placement_started())
    submitted = the_event(j.when(evidence("4.1.3", "2.2.2", id="e1")), EvidenceSubmitted)
    assert (submitted.evidence_id, submitted.competency_ids) == (uid("e1"), ("4.1.3", "2.2.2"))
    assert set(j.state.evidence[uid("e1")].competency_ids) == {"4.1.3", "2.2.2"}


def test_evidence_does_not_achieve_a_competency_by_itself() -> None:
    j = given(enrolled(), placement_started(), evidence("4.1.3"))
    assert j.competency("4.1.3").level is None
    j.then_progress(0)


@pytest.mark.parametrize(
    "actor",
    [
        pytest.param(OTHER_TRAINEE, id="another trainee"),
        pytest.param(PLACEMENT_MANAGER, id="placement manager"),
        pytest.param(PROGRAMME_MANAGER, id="programme manager"),
        pytest.param(Actor(id="t-0001", role=Role.PROGRAMME_MANAGER), id="trainee's id as a manager"),
    ],
)
def test_only_the_trainee_submits_their_evidence(actor: Actor) -> None:
    j = given(enrolled(), placement_started())
    with j.refused(
        NotAllowed,
        match=f"only trainee t-0001 can submit their evidence; {actor.id} \\({actor.role.value}\\) cannot",
    ):
        j.when(evidence("4.1.3", by=actor))


def test_evidence_names_competencies_of_the_trainees_framework() -> None:
    j = given(enrolled(), placement_started())
    with j.refused(
        UnknownCompetency, match="there is no competency 9.9.9 in the general-management@2.1 framework"
    ):
        j.when(evidence("4.1.3", "9.9.9"))


@pytest.mark.parametrize("pq", ["1.1.1", "1.4.5"])
def test_personal_qualities_are_never_evidenced_one_by_one(pq: str) -> None:
    j = given(enrolled(), placement_started())
    with j.refused(
        PersonalQualitiesNotRated,
        match=f"competency {pq} is a Personal Qualities competency: these are not rated and cannot be evidenced",
    ):
        j.when(evidence("4.1.3", pq))


@pytest.mark.parametrize("narrative", [" ", "\n\t  "])
def test_evidence_needs_a_narrative(narrative: str) -> None:
    j = given(enrolled(), placement_started())
    with j.refused(FeedbackRequired, match="the evidence narrative must not be blank"):
        j.when(evidence("4.1.3", narrative=narrative))


def test_evidence_is_submitted_once() -> None:
    j = given(enrolled(), placement_started(), evidence("4.1.3", id="e1"))
    with j.refused(DuplicateId, match=f"evidence {uid('e1')} was already submitted"):
        j.when(evidence("2.2.2", id="e1"))


def test_evidence_names_each_competency_once() -> None:
    j = given(enrolled(), placement_started())
    with j.refused(DuplicateId, match="names the same competency more than once"):
        j.when(evidence("4.1.3", "4.1.3"))


def test_one_evidence_names_at_most_thirty_competencies() -> None:
    assert len(evidence(*RATED[:30]).competency_ids) == 30
    with pytest.raises(ValidationError, match="at most 30 items"):
        evidence(*RATED[:31])


def test_one_evidence_supports_sign_offs_of_every_competency_it_names() -> None:
    j = given(enrolled(), placement_started(), evidence(*RATED[:30], id="bulk"))
    for cid in RATED[:30]:
        j.when(sign_off(cid, evidence=("bulk",)))
    j.then_progress(30)


def test_text_with_a_nul_character_is_refused_at_the_door() -> None:
    """PostgreSQL cannot store U+0000 in JSON: a command carrying one must never reach the store."""
    with pytest.raises(ValidationError, match="must not contain the NUL character"):
        evidence("4.1.3", narrative="before\x00after")
